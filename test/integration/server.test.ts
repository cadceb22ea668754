import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { createLogger } from '../../src/log.ts';
import { FLUSH_MS } from '../../src/server/rate-limit.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/server/responses.ts';
import { hasRedis, startRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { requireService, which } from '../helpers/services.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
const RPC_PASSWORD = 'rpc-password-s3cret';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: () => unknown;
}

function call(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString()) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const probeJob: JobDefinition = { name: 'probe', intervalMs: 60_000, timeoutMs: 1000, cooldownMs: 0, run: async () => undefined };

describe('web server', () => {
  let rt: Awaited<ReturnType<typeof testRuntime>>;
  const logLines: string[] = [];
  before(async () => {
    rt = await testRuntime(
      { ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MIN: '1000', BITCOIN_RPC_URL: `http://satoshi:${RPC_PASSWORD}@127.0.0.1:1/`, COINGECKO_API_KEY: 'CG-secret-key' },
      { jobs: () => [probeJob], log: createLogger({ level: 'debug', secrets: [ADMIN, RPC_PASSWORD, 'CG-secret-key'], write: (l) => logLines.push(l) }) },
    );
  });
  after(() => rt.close());

  test('GET /health reports the store, history, sources and disabled features', async () => {
    const r = await call(rt.base, '/health');
    assert.equal(r.status, 200);
    const h = r.json() as Record<string, Record<string, unknown>>;
    assert.equal(h.status, 'ok');
    assert.deepEqual(h.store, { kind: 'memory', status: 'up' });
    assert.deepEqual(h.history, { kind: 'sqlite', status: 'up' });
    assert.deepEqual(h.sources?.mempool, { state: 'disabled', reason: 'switched off by SOURCES_DISABLED' });
    assert.match((h.features?.mining as { reason: string }).reason, /switched off by SOURCES_DISABLED/);
    assert.match((h.features?.electrum as { reason: string }).reason, /ELECTRUM_URL/);
    assert.deepEqual(h.features?.nodes, { enabled: true });
    const api = (await call(rt.base, '/api/health')).json() as Record<string, unknown>;
    assert.deepEqual({ ...api, uptimeSec: 0 }, { ...h, uptimeSec: 0 }, '/api/health is the same report');
  });

  test('every reply carries the security headers, errors included', async () => {
    for (const path of ['/health', '/api/v1/jobs', '/nope', '/api/v1/jobs/runs?limit=x']) {
      const r = await call(rt.base, path);
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  });

  test('unknown paths, wrong methods and bad query parameters get the error envelope', async () => {
    const nf = await call(rt.base, '/api/v1/nothing');
    assert.equal(nf.status, 404);
    assert.equal((nf.json() as { error: { code: string } }).error.code, 'NOT_FOUND');
    const wm = await call(rt.base, '/api/v1/jobs', { method: 'DELETE' });
    assert.equal(wm.status, 405);
    const bad = await call(rt.base, '/api/v1/jobs/runs?limit=9999&extra=1');
    assert.equal(bad.status, 400);
    const e = (bad.json() as { error: { code: string; message: string; details: { field: string }[] } }).error;
    assert.equal(e.code, 'BAD_REQUEST');
    assert.deepEqual(e.details.map((d) => d.field).sort(), ['limit', 'query']);
    const unknownJob = await call(rt.base, '/api/v1/jobs/runs?job=nope');
    assert.equal(unknownJob.status, 400);
    const good = await call(rt.base, '/api/v1/jobs/runs?limit=5');
    assert.equal(good.status, 200);
    assert.ok(Array.isArray((good.json() as { runs: unknown[] }).runs));
  });

  test('/api/v1/jobs is served from its read model with an ETag', async () => {
    const first = await call(rt.base, '/api/v1/jobs');
    assert.equal(first.status, 200);
    const jobs = (first.json() as { jobs: { name: string; timeoutMs: number }[] }).jobs;
    assert.deepEqual(jobs.map((j) => [j.name, j.timeoutMs]), [['probe', 1000]]);
    // The reply changes when a job status does and every half second (it shows `asOf`): the same
    // ETag gets 304 while it has not changed, so one of a few quick pairs is a 304.
    let again: Reply | undefined;
    for (let i = 0; i < 5 && again?.status !== 304; i++) {
      const etag = String((await call(rt.base, '/api/v1/jobs')).headers.etag);
      again = await call(rt.base, '/api/v1/jobs', { headers: { 'if-none-match': etag } });
    }
    assert.equal(again?.status, 304);
    assert.equal(again?.body.length, 0);
    const stats = (await call(rt.base, '/api/cache/stats')).json() as { tiers: { view: { hits: number; misses: number; hitRate: number } } };
    assert.ok(stats.tiers.view.hits >= 1);
    assert.ok(stats.tiers.view.misses >= 1);
  });

  test('large cached replies are gzipped for clients that accept it', async () => {
    const plain = await call(rt.base, '/api/v1/sources');
    const gz = await call(rt.base, '/api/v1/sources', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(gz.body).toString()), plain.json());
    const sources = (plain.json() as { sources: { name: string; state: string; target: string | null }[] }).sources;
    assert.deepEqual(sources.map((s) => s.name), ['mempool', 'coingecko', 'coinbase', 'blockchain', 'bitnodes', 'forkmonitor', 'ocean', 'main', 'node2', 'node3', 'electrum']);
    assert.equal(sources.find((s) => s.name === 'main')?.target, 'http://***:***@127.0.0.1:1/');
  });

  test('admin endpoints need the bearer token and validate their body', async () => {
    const json = { 'content-type': 'application/json' };
    assert.equal((await call(rt.base, '/api/admin/cache/flush', { method: 'POST' })).status, 401);
    assert.equal((await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status, 401);
    const auth = { authorization: `Bearer ${ADMIN}` };
    const ok = await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: auth });
    assert.equal(ok.status, 200);
    assert.equal((await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: { ...auth, ...json }, body: '{"bad json' })).status, 400);
    assert.equal((await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: { ...auth, ...json }, body: '{"unexpected":1}' })).status, 400);
    assert.equal((await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' })).status, 415);
    assert.equal((await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: { ...auth, ...json }, body: JSON.stringify({ x: 'y'.repeat(70_000) }) })).status, 413);
    const run = await call(rt.base, '/api/admin/jobs/probe/run', { method: 'POST', headers: auth });
    assert.equal(run.status, 202);
    const unknown = await call(rt.base, '/api/admin/jobs/nope/run', { method: 'POST', headers: auth });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json() as { error: { code: string } }).error.code, 'JOB_UNKNOWN');
  });

  test('no secret reaches an endpoint or a log line', async () => {
    await call(rt.base, '/api/admin/cache/flush', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    const bodies = await Promise.all(['/health', '/api/v1/sources', '/api/v1/jobs', '/metrics', '/api/cache/stats', '/'].map(async (p) => (await call(rt.base, p)).body.toString()));
    for (const secret of [ADMIN, RPC_PASSWORD, 'CG-secret-key']) {
      for (const b of bodies) assert.ok(!b.includes(secret), `secret in a body`);
      assert.ok(!logLines.join('\n').includes(secret), 'secret in the log');
    }
  });

  test('a client that hangs up mid-body is logged at debug, not as an error', async () => {
    const { connect } = await import('node:net');
    const port = Number(new URL(rt.base).port);
    const before = logLines.length;
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.write(`POST /api/v1/beacon HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"viewer":`);
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
    });
    const lines = await waitFor('the abort logged', async () => {
      const l = logLines.slice(before);
      return l.some((x) => /client went away|malformed request or client error/.test(x)) ? l : undefined;
    }, 5000, 50);
    assert.ok(!lines.some((l) => /^\S+ error /.test(l)), lines.join("\n"));
  });

  test('/metrics is valid Prometheus exposition', async (t) => {
    const r = await call(rt.base, '/metrics');
    assert.equal(r.status, 200);
    const text = r.body.toString();
    assert.match(text, /satscope_http_requests_total\{route="\/health",status="200"\}/);
    assert.match(text, /satscope_dependency_up\{dependency="store"\} 1/);
    if (!requireService(t, 'promtool', which('promtool') !== undefined)) return;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});

/** The limiter counts per clock minute: start a burst well inside one, so it cannot straddle two. */
async function awayFromMinuteBoundary(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 100));
}

test('the rate limit answers 429 with Retry-After past the limit, and spares /health', async () => {
  const rt = await testRuntime({ RATE_LIMIT_PER_MIN: '5' });
  try {
    await awayFromMinuteBoundary();
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(rt.base, '/api/v1/jobs')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const r = await call(rt.base, '/api/cache/stats');
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.equal((r.json() as { error: { code: string } }).error.code, 'RATE_LIMITED');
    assert.equal((await call(rt.base, '/health')).status, 200);
  } finally {
    await rt.close();
  }
});

test('TRUST_PROXY takes the client address from X-Forwarded-For; without it the header is ignored', async () => {
  const trusting = await testRuntime({ RATE_LIMIT_PER_MIN: '2', TRUST_PROXY: 'true' });
  const plain = await testRuntime({ RATE_LIMIT_PER_MIN: '2' });
  try {
    await awayFromMinuteBoundary();
    const burst = async (base: string) => {
      const out: number[] = [];
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        for (let i = 0; i < 2; i++) out.push((await call(base, '/api/cache/stats', { headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } })).status);
      }
      return out;
    };
    // Behind a proxy each forwarded client has its own budget of 2.
    assert.deepEqual(await burst(trusting.base), [200, 200, 200, 200, 200, 200]);
    // Otherwise every request is the proxy's own address: 2 allowed, then 429.
    assert.deepEqual(await burst(plain.base), [200, 200, 429, 429, 429, 429]);
  } finally {
    await Promise.all([trusting.close(), plain.close()]);
  }
});

test('with Redis, the rate limit is shared by web processes, and a dead Redis shows on /health without taking the API down', async (t) => {
  if (!requireService(t, 'redis-server', hasRedis())) return;
  const redis = await startRedis();
  const a = await testRuntime({ REDIS_URL: redis.url, RATE_LIMIT_PER_MIN: '6', TRUST_PROXY: 'true' }, { role: 'web' });
  const b = await testRuntime({ REDIS_URL: redis.url, RATE_LIMIT_PER_MIN: '6', TRUST_PROXY: 'true' }, { role: 'web' });
  try {
    await awayFromMinuteBoundary();
    const statuses = [];
    // Each process adds its counts to the shared ones every FLUSH_MS: requests spaced well past that
    // (timers run late on a busy machine) see each other's.
    const spaced = async (base: string) => {
      const r = await call(base, '/api/cache/stats');
      await new Promise((done) => setTimeout(done, FLUSH_MS * 5));
      return r.status;
    };
    for (let i = 0; i < 4; i++) statuses.push(await spaced(a.base), await spaced(b.base));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    await redis.stop();
    // The store is probed every second in the background: /health says so within the probe's timeout.
    const health = await waitFor('health to say the store is down', async () => {
      const r = await call(a.base, '/health');
      return r.status === 503 ? r : undefined;
    }, 5000, 100);
    assert.equal(health.status, 503);
    const h = health.json() as { status: string; store: { status: string; error: string } };
    assert.equal(h.status, 'down');
    assert.equal(h.store.status, 'down');
    assert.match(h.store.error, /STORE_UNAVAILABLE/);
    // The limiter never waits on Redis: with Redis gone the API keeps answering, each process
    // limiting by its own count.
    assert.equal((await call(a.base, '/api/cache/stats', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await redis.stop(); // idempotent: also when an assertion failed before the stop above
  }
});
