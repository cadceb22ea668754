// One HTTP request and its reply, over node:http and node:https with keep-alive agents. The
// upstream clients used fetch() before: its engine (undici, with a WebAssembly parser) cost the
// jobs thread about 5 MB of memory for a few small requests a minute. What fetch did for them is
// done here: redirects followed (GET), gzip, deflate and brotli replies decoded, the caller's
// AbortSignal honoured (its reason is the rejection, as with fetch), and a reply read up to a
// size limit.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 8, maxFreeSockets: 2, timeout: 60_000 };
const agents = { 'http:': new http.Agent(AGENT_OPTIONS), 'https:': new https.Agent(AGENT_OPTIONS) };
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that hold credentials: not sent on to another origin. */
const CREDENTIAL = /^(authorization|proxy-authorization|cookie)$|key|token|secret/i;

export interface ExchangeInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface Reply {
  status: number;
  ok: boolean;
  header(name: string): string | undefined;
  /** The decoded body as text, at most maxBytes of it; `cut` when there was more. */
  read(maxBytes: number): Promise<{ text: string; cut: boolean }>;
  /** Drops the body unread. */
  discard(): void;
}

export function exchange(url: string, init: ExchangeInit, redirects = MAX_REDIRECTS): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const { signal } = init;
    if (signal.aborted) return reject(signal.reason);
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      return reject(err);
    }
    const protocol = target.protocol as 'http:' | 'https:';
    if (protocol !== 'http:' && protocol !== 'https:') return reject(new Error(`unsupported protocol ${target.protocol}`));
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = (protocol === 'https:' ? https : http).request(target, { method: init.method, headers, agent: agents[protocol] });
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal.removeEventListener('abort', onAbort);
    req.on('error', (err) => {
      settle();
      reject(signal.aborted ? signal.reason : err);
    });
    req.on('response', (res: IncomingMessage) => {
      const next = redirectTarget(res, target, init, redirects);
      if (next instanceof Error) {
        res.destroy();
        settle();
        return reject(next);
      }
      if (next) {
        res.destroy();
        settle();
        exchange(next.url, next.init, redirects - 1).then(resolve, reject);
        return;
      }
      resolve(reply(res, signal, settle, init.method === 'HEAD'));
    });
    req.end(init.body);
  });
}

/**
 * Where a redirect leads, as fetch follows them: 301, 302 and 303 as a GET (a HEAD stays a HEAD),
 * 307 and 308 with the same method and body. Never from https to http; credentials are not
 * carried to another origin. Undefined when the reply is the answer.
 */
function redirectTarget(res: IncomingMessage, from: URL, init: ExchangeInit, redirects: number): { url: string; init: ExchangeInit } | Error | undefined {
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (!REDIRECTS.has(status) || !location || redirects <= 0) return undefined;
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return new Error(`redirect to an invalid location (HTTP ${status})`);
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return new Error(`redirect to an unsupported protocol ${to.protocol}`);
  if (from.protocol === 'https:' && to.protocol === 'http:') return new Error('redirect from https to http refused');
  const keepMethod = status === 307 || status === 308 || init.method === 'HEAD';
  if (!keepMethod && init.method !== 'GET' && status !== 303) return undefined; // a POST answered 301/302: not resent
  const headers = { ...init.headers };
  if (!keepMethod) for (const name of Object.keys(headers)) if (/^content-/i.test(name)) delete headers[name];
  if (to.origin !== from.origin) for (const name of Object.keys(headers)) if (CREDENTIAL.test(name)) delete headers[name];
  return { url: to.href, init: { ...init, headers, method: keepMethod ? init.method : 'GET', body: keepMethod ? init.body : undefined } };
}

function decoded(res: IncomingMessage, bodiless: boolean): Readable {
  // No body to decode (a HEAD, 204, 304), whatever the encoding header says.
  if (bodiless || res.statusCode === 204 || res.statusCode === 304) return res;
  switch ((res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(zlib.createGunzip());
    case 'deflate':
      return res.pipe(zlib.createInflate());
    case 'br':
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
}

function reply(res: IncomingMessage, signal: AbortSignal, settle: () => void, bodiless: boolean): Reply {
  const status = res.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    discard: () => {
      settle();
      res.destroy();
    },
    read: (maxBytes) =>
      new Promise((resolve, reject) => {
        const body = decoded(res, bodiless);
        const chunks: Buffer[] = [];
        let total = 0;
        let done = false;
        const finish = (err: unknown, cut = false) => {
          if (done) return;
          done = true;
          settle();
          if (err) {
            // A broken or undecodable body: nothing more is read from this connection.
            res.destroy();
            if (body !== res) body.destroy();
            return reject(signal.aborted ? signal.reason : err);
          }
          resolve({ text: Buffer.concat(chunks).toString('utf8'), cut });
        };
        body.on('data', (chunk: Buffer) => {
          if (done) return;
          if (total + chunk.length > maxBytes) {
            chunks.push(chunk.subarray(0, maxBytes - total));
            total = maxBytes;
            finish(undefined, true);
            res.destroy();
            if (body !== res) body.destroy();
            return;
          }
          total += chunk.length;
          chunks.push(chunk);
        });
        body.once('end', () => finish(undefined));
        body.once('error', (err) => finish(err));
        res.once('error', (err) => finish(err));
        res.once('aborted', () => finish(new Error('the reply was cut off')));
        // Aborted while the body arrives: the request's destroy ends the response stream.
        res.once('close', () => {
          if (!res.complete) finish(signal.aborted ? signal.reason : new Error('the reply was cut off'));
        });
      }),
  };
}
