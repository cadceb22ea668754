// Alert notifications when receivers fail: a receiver that answers 500 is retried with backoff until
// it takes the notification; one that never recovers is reported as failing on /api/v2/alerts and
// the Status page after the last attempt; neither holds up the other channel. The Settings page's
// rule forms save with the admin token and answer with the outcome. No secret reaches the log or a page.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { saveRule } from '../../src/alert-rules.ts';
import { alertChannels, alertsJob, MAX_ATTEMPTS } from '../../src/jobs/alerts.ts';
import { createLogger } from '../../src/log.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
const TOKEN = 'admin-token-0123456789abcdef';
const NTFY_TOKEN = 'tk_ntfysecret0123456789';
const HOOK_SECRET = 'hook-secret-abcdefgh';
let rt: Awaited<ReturnType<typeof testRuntime>>;
let ntfy: Server;
let hook: Server;
const lines: string[] = [];
/** ntfy answers 500 this many more times, then 200. */
let ntfyFailures = 2;
const ntfyHits: string[] = [];
const hookHits: string[] = [];

const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};
const get = async (path: string) => (await (await fetch(rt.base + path)).json()) as Json;
const alertsRun = async () => {
  const before = (await rt.store.get(keys.alerts))?.asOfMs ?? 0;
  await requestJobRun(rt.store, rt.jobs, 'alerts');
  await waitFor('an alerts run', async () => (((await rt.store.get(keys.alerts))?.asOfMs ?? 0) > before ? true : undefined), 15_000, 25);
};
const gauge = (value: number) => rt.history.upsertPoints([{ series: 'test.gauge', tsSec: Math.floor(Date.now() / 1000), value }]);

before(async () => {
  ntfy = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      ntfyHits.push(body);
      if (ntfyFailures > 0) {
        ntfyFailures--;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream broke');
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}');
    });
  });
  // This receiver never recovers.
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hookHits.push(req.url ?? '');
      // It repeats what it was asked for, token and all, as some receivers do.
      res.writeHead(503).end(`down for maintenance: ${(req.url ?? '').slice(1)}`);
    });
  });
  const ntfyUrl = `${await listen(ntfy)}/alerts-topic`;
  const hookUrl = `${await listen(hook)}/hooks/secret-path-token?key=query-secret-value`;
  const log = createLogger({ level: 'debug', secrets: [], write: (l) => lines.push(l) });
  rt = await testRuntime(
    { NTFY_URL: ntfyUrl, NTFY_TOKEN, ALERT_WEBHOOK_URL: hookUrl, ALERT_WEBHOOK_SECRET: HOOK_SECRET, ADMIN_TOKEN: TOKEN },
    { jobs: (deps) => [alertsJob(deps, alertChannels(deps), { retryBaseMs: 100 })], log },
  );
  await saveRule(rt, { id: 'gauge-high', kind: 'threshold', series: 'test.gauge', op: 'above', level: 10, maxAgeMin: 30, severity: 'critical', cooldownMin: 30, enabled: true });
});
after(async () => {
  await rt.close();
  await new Promise<void>((r) => ntfy.close(() => r()));
  await new Promise<void>((r) => hook.close(() => r()));
});

test('a receiver answering 500 is retried with backoff until it takes the notification; the one that never recovers fails alone', async () => {
  await gauge(42);
  await alertsRun();
  assert.equal(((await get('/api/v2/alerts')).active as Json[]).length, 1);
  // Runs every few hundred ms pick up the due retries: 100, 200, 400 ms...
  await waitFor('ntfy delivered', async () => {
    await alertsRun();
    const ch = ((await get('/api/v2/alerts')).channels as Json[]).find((c) => c.name === 'ntfy');
    return ch?.state === 'ok' ? true : undefined;
  }, 20_000, 50);
  assert.equal(ntfyHits.length, 3, 'two failures, then the delivery');
  assert.match(ntfyHits[2] ?? '', /test\.gauge is 42/);
  await waitFor('the webhook given up', async () => {
    await alertsRun();
    const ch = ((await get('/api/v2/alerts')).channels as Json[]).find((c) => c.name === 'webhook');
    return ch?.state === 'failing' && ch.attempts === MAX_ATTEMPTS ? true : undefined;
  }, 30_000, 50);
  assert.equal(hookHits.length, MAX_ATTEMPTS, 'no attempt after the last');
  const webhook = ((await get('/api/v2/alerts')).channels as Json[]).find((c) => c.name === 'webhook') as Json;
  assert.match(String(webhook.lastError), /503/);
  const status = await (await fetch(`${rt.base}/status`)).text();
  assert.match(status, /Alert notifications/);
  assert.match(status, /failing/);
  for (const secret of [TOKEN, NTFY_TOKEN, HOOK_SECRET, 'secret-path-token', 'query-secret-value']) {
    assert.ok(!status.includes(secret), `the Status page does not show ${secret}`);
    assert.ok(!JSON.stringify(await get('/api/v2/alerts')).includes(secret), `/api/v2/alerts does not show ${secret}`);
    assert.ok(!lines.join('\n').includes(secret), `the log does not hold ${secret}`);
  }
});

test('a sent notification whose outcome cannot be recorded is not sent again at once', async () => {
  const sentBefore = ntfyHits.length;
  const real = rt.history.recordDelivery.bind(rt.history);
  let broken = 1;
  rt.history.recordDelivery = async (d) => {
    if (d.status === 'sent' && d.channel === 'ntfy' && broken-- > 0) throw new Error('database is locked');
    return real(d);
  };
  try {
    await saveRule(rt, { id: 'gauge-low', kind: 'threshold', series: 'test.gauge', op: 'below', level: 100, maxAgeMin: 30, severity: 'info', cooldownMin: 0, enabled: true });
    await alertsRun();
    await waitFor('the ntfy send', async () => (ntfyHits.length > sentBefore ? true : undefined), 10_000, 25);
    for (let i = 0; i < 5; i++) await alertsRun();
    assert.equal(ntfyHits.length, sentBefore + 1, 'claimed before sending: the failed record does not cause a resend');
  } finally {
    rt.history.recordDelivery = real;
  }
});

test('the Settings forms save a rule with the admin token and say what went wrong otherwise', async () => {
  const form = async (fields: Record<string, string>) => {
    const r = await fetch(`${rt.base}/settings/alerts`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    return { status: r.status, location: r.headers.get('location') ?? '' };
  };
  assert.deepEqual(await form({ action: 'add', id: 'x1', series: 'test.gauge', kind: 'threshold', op: 'above', level: '5', token: 'wrong-token-000000000' }), { status: 303, location: '/settings?alerts=unauthorized#alerts' });
  assert.deepEqual(await form({ action: 'add', id: 'x1', series: 'bad series<script>', kind: 'threshold', op: 'above', level: '5', token: TOKEN }), { status: 303, location: '/settings?alerts=invalid&field=series#alerts' });
  assert.deepEqual(await form({ action: 'add', id: 'gauge-drop', series: 'test.gauge', kind: 'change', op: 'below', level: '50', windowMin: '60', token: TOKEN }), { status: 303, location: '/settings?alerts=saved#alerts' });
  assert.deepEqual(await form({ action: 'builtin', id: 'source-stale', enabled: 'false', token: TOKEN }), { status: 303, location: '/settings?alerts=saved#alerts' });
  assert.deepEqual(await form({ action: 'delete', id: 'nope', token: TOKEN }), { status: 303, location: '/settings?alerts=not-found#alerts' });
  await alertsRun();
  const page = await (await fetch(`${rt.base}/settings?alerts=saved`)).text();
  assert.match(page, /Saved\. The alerts job uses the rule within seconds\./);
  assert.match(page, /gauge-drop/);
  assert.match(page, /fall 50 % in 60 min/);
  // The outcome words come only from the fixed list: a crafted link shows nothing of its own.
  const crafted = await (await fetch(`${rt.base}/settings?alerts=%3Cscript%3E&field=%3Cb%3E`)).text();
  assert.ok(!crafted.includes('<script>') && !crafted.includes('<b>'));
  const rules = (await get('/api/v2/alerts')).rules as Json[];
  assert.equal(rules.find((r) => r.id === 'source-stale')?.enabled, false);
  assert.equal(rules.find((r) => r.id === 'gauge-drop')?.kind, 'change');
});
