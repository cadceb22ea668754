// Alert channels against real local receivers: an HTTP webhook that verifies the signature the
// way a user's receiver would, an ntfy-like and a Telegram-like endpoint, and a real SMTP server
// (smtp-server) that nodemailer delivers to with a login.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { buildChannels, signBody, type AlertNotice, type Channel } from '../../src/alerts/channels.ts';
import { describeError, isSatscopeError } from '../../src/errors.ts';

const WEBHOOK_SECRET = 'whsec-s3cr3t-value';
const NTFY_TOKEN = 'tk_ntfy_token_123';
const BOT_TOKEN = '123456:AAbot-token_XYZ';
const SMTP_USER = 'alerts';
const SMTP_PASS = 'p@ss:w0rd/9';

const NOTICE: AlertNotice = {
  ...{ firingId: 'f-42', ruleId: 'fee-high', state: 'firing', severity: 'critical', title: 'Next-block fee ≥ 100 sat/vB ⚡' },
  ...{ message: 'The next-block fee is 412 sat/vB (threshold 100).', value: 412, threshold: 100 },
  ...{ firedAtMs: Date.UTC(2025, 0, 2, 3, 4, 5), resolvedAtMs: null, url: 'https://satscope.example/score' },
};
const RESOLVED: AlertNotice = { ...NOTICE, state: 'resolved', resolvedAtMs: NOTICE.firedAtMs + 60_000, url: null };

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}
const received: Received[] = [];
const hanging: ServerResponse[] = [];
let http: Server;
let base: string;
let smtp: SMTPServer;
let smtpPort: number;
const mails: { from: string; to: string[]; raw: string }[] = [];
const channels: Channel[] = [];

/** The check a receiver does: HMAC over the raw bytes, compared in constant time. */
function verifySignature(raw: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function decodeTitle(value: string | string[] | undefined): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/.exec(String(value));
  return m?.[1] === undefined ? String(value) : Buffer.from(m[1], 'base64').toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function routes(r: Received, res: ServerResponse): void {
  if (r.url === '/hook' || r.url === '/alerts-topic') return json(res, 200, { id: 'x1', event: 'message' });
  // A receiver that echoes what it was sent into its error page, at length.
  if (r.url.startsWith('/fail')) return void res.writeHead(500).end(`broken: ${WEBHOOK_SECRET} ${r.url} ${'x'.repeat(1000)}`);
  if (r.url === '/hang') return void hanging.push(res);
  if (r.url === `/bot${BOT_TOKEN}/sendMessage`) {
    const body = JSON.parse(r.raw.toString('utf8')) as { chat_id?: unknown };
    if (body.chat_id === '-100404') return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    return json(res, 200, { ok: true, result: { message_id: 7 } });
  }
  json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
}

function only(opts: Parameters<typeof buildChannels>[0]): Channel {
  const built = buildChannels(opts);
  assert.equal(built.length, 1);
  channels.push(...built);
  return built[0] as Channel;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof Error, 'send should have failed');
  return err;
}

function last(): Received {
  const r = received.at(-1);
  assert.ok(r !== undefined, 'the receiver got nothing');
  return r;
}

/** assert.ok without a message is very slow to fail under tsx: every check here says what it means. */
function assertNoLeak(err: Error, secrets: readonly string[]): void {
  const text = `${describeError(err)} ${JSON.stringify(err)}`;
  for (const secret of secrets) assert.ok(!text.includes(secret), `the error leaks ${secret}: ${err.message}`);
}

before(async () => {
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) };
      received.push(r);
      routes(r, res);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true, // plain loopback SMTP: there is no TLS to insist on
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ from, to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

after(async () => {
  for (const res of hanging) res.destroy();
  await Promise.all(channels.map((c) => c.close?.()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(resolve));
});

describe('webhook channel', () => {
  it('webhook channel signs the raw body with ALERT_WEBHOOK_SECRET', async () => {
    const ch = only({ webhook: { url: `${base}/hook`, secret: WEBHOOK_SECRET } });
    await ch.send(NOTICE);
    const r = last();
    assert.equal(received.filter((x) => x.url === '/hook').length, 1, 'one delivery');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['user-agent'], 'satscope');
    assert.equal(r.headers['x-satscope-event'], 'alert');
    assert.equal(r.headers['x-satscope-delivery'], 'f-42:firing');
    assert.equal(verifySignature(r.raw, r.headers['x-satscope-signature'], WEBHOOK_SECRET), true, 'the signature verifies');
    assert.equal(r.headers['x-satscope-signature'], signBody(r.raw.toString('utf8'), WEBHOOK_SECRET));
    const { title, message, url } = NOTICE;
    assert.deepEqual(JSON.parse(r.raw.toString('utf8')), {
      ...{ event: 'alert', state: 'firing', firingId: 'f-42', ruleId: 'fee-high', severity: 'critical', title, message },
      ...{ value: 412, threshold: 100, firedAt: '2025-01-02T03:04:05.000Z', resolvedAt: null, url },
    });
  });

  it('the receiver check refuses a signature made with another secret or a changed body', () => {
    const raw = Buffer.from('{"event":"alert"}');
    assert.equal(verifySignature(raw, signBody(raw.toString(), WEBHOOK_SECRET), WEBHOOK_SECRET), true);
    assert.equal(verifySignature(raw, signBody(raw.toString(), 'wrong-secret'), WEBHOOK_SECRET), false);
    assert.equal(verifySignature(Buffer.from('{"event":"alert" }'), signBody(raw.toString(), WEBHOOK_SECRET), WEBHOOK_SECRET), false);
    assert.equal(verifySignature(raw, undefined, WEBHOOK_SECRET), false);
  });

  it('webhook channel sends no signature without a secret, and the resolved state', async () => {
    await only({ webhook: { url: `${base}/hook`, secret: undefined } }).send(RESOLVED);
    const r = last();
    assert.equal(r.headers['x-satscope-signature'], undefined);
    assert.equal(r.headers['x-satscope-delivery'], 'f-42:resolved');
    const body = JSON.parse(r.raw.toString('utf8')) as Record<string, unknown>;
    assert.equal(body.state, 'resolved');
    assert.equal(body.resolvedAt, '2025-01-02T03:05:05.000Z');
  });

  it('send() rejects on HTTP 500 naming the status, without the secret or URL credentials', async () => {
    const url = `http://hookuser:hookpass99@127.0.0.1:${new URL(base).port}/fail?token=query-secret-77`;
    const ch = only({ webhook: { url, secret: WEBHOOK_SECRET } });
    assert.equal(ch.target, `127.0.0.1:${new URL(base).port}`);
    const err = await rejection(ch.send(NOTICE));
    assert.ok(isSatscopeError(err, 'UPSTREAM_HTTP'), describeError(err));
    assert.match(err.message, /^webhook: .*HTTP 500/);
    assertNoLeak(err, [WEBHOOK_SECRET, 'hookpass99', 'hookuser', 'query-secret-77', '/fail']);
    assert.ok(err.message.length < 300, `at most 200 characters of the reply: ${err.message}`);
  });

  it('send() is aborted by timeoutMs when the receiver never answers', async () => {
    const ch = only({ webhook: { url: `${base}/hang`, secret: WEBHOOK_SECRET }, timeoutMs: 300 });
    const started = Date.now();
    const err = await rejection(ch.send(NOTICE));
    assert.ok(isSatscopeError(err, 'UPSTREAM_TIMEOUT'), describeError(err));
    assert.match(err.message, /did not answer within 300 ms/);
    assert.ok(Date.now() - started < 5_000, 'stopped by the 300 ms timeout');
  });

  it("send() stops when the caller's signal aborts", async () => {
    const ch = only({ webhook: { url: `${base}/hang`, secret: undefined } });
    const err = await rejection(ch.send(NOTICE, AbortSignal.timeout(100)));
    assert.ok(isSatscopeError(err, 'UPSTREAM_ABORTED'), describeError(err));
  });
});

describe('ntfy channel', () => {
  it('ntfy channel posts the message with an encoded Title, Priority, Tags, Click and the token', async () => {
    const ch = only({ ntfy: { url: `${base}/alerts-topic`, token: NTFY_TOKEN } });
    assert.equal(ch.target, new URL(base).host, 'no topic in the target');
    await ch.send(NOTICE);
    const r = last();
    assert.equal(r.raw.toString('utf8'), NOTICE.message);
    assert.match(String(r.headers.title), /^[\x20-\x7e]+$/, 'the header is ASCII');
    assert.equal(decodeTitle(r.headers.title), NOTICE.title);
    assert.equal(r.headers.priority, 'urgent');
    assert.equal(r.headers.tags, 'rotating_light');
    assert.equal(r.headers.click, 'https://satscope.example/score');
    assert.equal(r.headers.authorization, `Bearer ${NTFY_TOKEN}`);
  });

  it('ntfy channel marks a resolved notice at default priority, without token or link', async () => {
    await only({ ntfy: { url: `${base}/alerts-topic`, token: undefined } }).send({ ...RESOLVED, title: 'Fee high', severity: 'warning' });
    const { headers } = last();
    assert.equal(headers.title, 'Resolved: Fee high');
    assert.equal(headers.priority, 'default');
    assert.equal(headers.tags, 'white_check_mark');
    assert.equal(headers.click, undefined);
    assert.equal(headers.authorization, undefined);
  });
});

describe('telegram channel', () => {
  const telegram = (chatId: string) => only({ telegram: { botToken: BOT_TOKEN, chatId, apiUrl: base } });

  it('telegram channel sends chat_id and the text to /bot<token>/sendMessage', async () => {
    const ch = telegram('-100123');
    assert.equal(ch.target, `${new URL(base).host} chat -100123`);
    await ch.send(NOTICE);
    const r = last();
    assert.equal(r.url, `/bot${BOT_TOKEN}/sendMessage`);
    const body = JSON.parse(r.raw.toString('utf8')) as { chat_id: string; text: string; disable_web_page_preview: boolean };
    assert.equal(body.chat_id, '-100123');
    assert.equal(body.disable_web_page_preview, true);
    assert.ok(body.text.includes(`FIRING: ${NOTICE.title}`), body.text);
    assert.ok(body.text.includes(NOTICE.message), body.text);
    assert.ok(body.text.includes('https://satscope.example/score'), body.text);
  });

  it('telegram channel rejects with the API description and never the bot token', async () => {
    const err = await rejection(telegram('-100404').send(NOTICE));
    assert.equal(err.message, 'telegram: 400 Bad Request: chat not found');
    assertNoLeak(err, [BOT_TOKEN, 'AAbot-token_XYZ']);
  });
});

describe('email channel', () => {
  const smtpUrl = (pass: string) => `smtp://${SMTP_USER}:${encodeURIComponent(pass)}@127.0.0.1:${smtpPort}`;

  it('email channel delivers through a real SMTP server with the login from the URL', async () => {
    const notice = { ...NOTICE, title: 'Next-block fee above 100 sat/vB' };
    const ch = only({ email: { smtpUrl: smtpUrl(SMTP_PASS), from: 'satscope@example.test', to: ['ops@example.test', 'me@example.test'] } });
    assert.equal(ch.target, `127.0.0.1:${smtpPort} to 2 recipients`, "the addresses are not shown");
    await ch.send(notice);
    assert.equal(mails.length, 1);
    const [mail] = mails;
    assert.equal(mail?.from, 'satscope@example.test');
    assert.deepEqual(mail?.to, ['ops@example.test', 'me@example.test']);
    assert.match(mail?.raw ?? '', /^Subject: \[Satscope\] FIRING: Next-block fee above 100 sat\/vB\r?$/m);
    assert.ok(mail?.raw.includes(NOTICE.message), mail?.raw);
    assert.ok(mail?.raw.includes('https://satscope.example/score'), mail?.raw);
  });

  it('email channel rejects a refused login without the password in the error', async () => {
    const wrong = 'wr0ng:pass/word';
    const ch = only({ email: { smtpUrl: smtpUrl(wrong), from: 'satscope@example.test', to: ['ops@example.test'] } });
    const err = await rejection(ch.send(RESOLVED));
    assert.match(err.message, /^email: .*refused the login/);
    assertNoLeak(err, [wrong, encodeURIComponent(wrong)]);
    assert.equal(mails.length, 1, 'nothing delivered');
  });
});

describe('buildChannels()', () => {
  it('buildChannels() reports every invalid option at once without echoing values', () => {
    const webhook = { url: 'ftp://u:hidden-pass@host/x', secret: 's' };
    const bad = { webhook, telegram: { botToken: 'not a token', chatId: '', apiUrl: '' }, email: { smtpUrl: 'http://mail', from: 'a@b', to: [] } };
    assert.throws(
      () => buildChannels(bad),
      (err: unknown) => {
        assert.ok(isSatscopeError(err, 'CONFIG_INVALID'), String(err));
        for (const field of ['webhook.url', 'telegram.botToken', 'telegram.chatId', 'email.smtpUrl', 'email.to']) assert.ok(err.message.includes(field), err.message);
        assertNoLeak(err, ['hidden-pass', 'not a token']);
        return true;
      },
    );
    assert.deepEqual(buildChannels({}), []);
  });
});
