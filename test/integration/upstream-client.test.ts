// The shared upstream client against the loopback fixture server: recorded replies, and each fault.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { buildSourceCatalog } from '../../src/sources/catalog.ts';
import { CircuitBreaker } from '../../src/sources/http/circuit-breaker.ts';
import { TokenBucket } from '../../src/sources/http/token-bucket.ts';
import { USER_AGENT, UpstreamClient, type UpstreamClientOptions } from '../../src/sources/http/upstream-client.ts';
import { SourceTracker } from '../../src/sources/source-tracker.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';

let fx: FixtureServer;
const store = new MemoryStore();
before(async () => {
  fx = await startFixtureServer();
});
after(async () => {
  await fx.stop();
  await store.close();
});
beforeEach(() => fx.clearFaults());

const feesSchema = z.object({ fastestFee: z.number(), halfHourFee: z.number(), hourFee: z.number(), economyFee: z.number(), minimumFee: z.number() });
const FEES = '/mempool/api/v1/fees/recommended';

function client(over: Partial<UpstreamClientOptions> = {}) {
  const metrics = createMetrics();
  const tracker = new SourceTracker({ name: 'mempool', kind: 'http', enabled: true, disabledReason: null, target: fx.url('mempool') }, { store, metrics, log: silentLogger });
  const c = new UpstreamClient({
    source: tracker,
    baseUrl: fx.url('mempool'),
    bucket: new TokenBucket({ capacity: 100, refillPerSec: 100 }),
    metrics,
    timeoutMs: 500,
    deadlineMs: 1500,
    retries: 0,
    ...over,
  });
  return { c, tracker, metrics };
}

// The bound shows that the configured timeout or deadline ended the call (the defaults are 10 s and
// more); the slack keeps a loaded 2-core machine, running bcoin and Chromium beside, from failing it.
const SLACK_MS = 2000;

async function rejectsWith(p: Promise<unknown>, code: string, withinMs: number): Promise<void> {
  const started = Date.now();
  await assert.rejects(p, (e: { code?: string }) => {
    assert.equal(e.code, code);
    return true;
  });
  assert.ok(Date.now() - started <= withinMs + SLACK_MS, `took ${Date.now() - started} ms`);
}

test('the production catalog fetches and parses a recorded fixture, sending a User-Agent and the CoinGecko key header', async () => {
  const config = loadConfig({ ...fx.env, COINGECKO_API_KEY: 'CG-demo-key' });
  const catalog = buildSourceCatalog(config, { store, metrics: createMetrics(), log: silentLogger });
  const fees = await catalog.http.mempool!.getJson('/v1/fees/recommended', feesSchema);
  assert.deepEqual(fees, { fastestFee: 3, halfHourFee: 2, hourFee: 2, economyFee: 1, minimumFee: 1 }, 'the recorded reply');
  const global = await catalog.http.coingecko!.getJson('/global', z.object({ data: z.object({ active_cryptocurrencies: z.number() }) }));
  assert.equal(global.data.active_cryptocurrencies, JSON.parse(readFileSync(new URL('../fixtures/coingecko/global.json', import.meta.url), 'utf8')).data.active_cryptocurrencies);
  const hit = fx.hitsFor('/coingecko/api/v3/global').at(-1);
  assert.equal(hit?.headers['user-agent'], USER_AGENT);
  assert.equal(hit?.headers['x-cg-demo-api-key'], 'CG-demo-key');
  const height = await catalog.http.blockchain!.getText('/stats');
  assert.equal(height, readFileSync(new URL('../fixtures/blockchain/stats.json', import.meta.url), 'utf8'), 'the body as served');
  assert.ok(catalog.http.ocean, 'ocean is on without OCEAN_ADDRESS: its job waits for an address from the Settings page');
  assert.equal(buildSourceCatalog(loadConfig({ ...fx.env, SOURCES_DISABLED: 'ocean' }), { store, metrics: createMetrics(), log: silentLogger }).http.ocean, undefined, 'and off when switched off');
  assert.equal(catalog.tracker('mempool')?.snapshot().state, 'ok');
});

test('a 429 with Retry-After: 2 delays the next call to that host by at least 2 s', async () => {
  const { c, tracker } = client({ timeoutMs: 5000, deadlineMs: 10_000 });
  fx.fault(FEES, { kind: 'status', status: 429, headers: { 'retry-after': '2' }, body: '<html>Too Many Requests</html>' }, 1);
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_RATE_LIMITED', 1000);
  assert.ok(tracker.snapshot().rateLimit?.blockedUntilMs, 'the host is blocked');
  const before = Date.now();
  await c.getJson('/v1/fees/recommended', feesSchema);
  const hits = fx.hitsFor(FEES);
  const gap = (hits.at(-1)?.atMs ?? 0) - (hits.at(-2)?.atMs ?? 0);
  assert.ok(gap >= 2000, `next request after ${gap} ms`);
  assert.ok(Date.now() - before >= 1900);
});

test('with retries, a 429 is retried after its Retry-After within the same call', async () => {
  const { c } = client({ retries: 2, timeoutMs: 3000, deadlineMs: 6000 });
  fx.fault(FEES, { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 1);
  const started = Date.now();
  const fees = await c.getJson('/v1/fees/recommended', feesSchema);
  assert.equal(fees.hourFee, 2);
  assert.ok(Date.now() - started >= 1000);
});

test('five failures open the breaker, which half-opens later and closes on success', async () => {
  // The breaker's clock is the test's: its open period passes when the test says so.
  let nowMs = Date.now();
  const { c, tracker } = client({ breaker: new CircuitBreaker({ failureThreshold: 5, openMs: 800 }, () => nowMs) });
  fx.fault(FEES, { kind: 'status', status: 503 });
  for (let i = 0; i < 5; i++) await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_HTTP', 1500);
  assert.equal(c.breaker.state, 'open');
  const hitsBefore = fx.hitsFor(FEES).length;
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_CIRCUIT_OPEN', 5000);
  assert.equal(fx.hitsFor(FEES).length, hitsBefore, 'an open breaker sends nothing');
  assert.equal(tracker.snapshot().state, 'down');
  nowMs += 799;
  assert.equal(c.breaker.state, 'open', 'still open just before its period ends');
  nowMs += 1;
  assert.equal(c.breaker.state, 'half-open');
  fx.clearFaults();
  await c.getJson('/v1/fees/recommended', feesSchema);
  assert.equal(c.breaker.state, 'closed');
  assert.equal(tracker.snapshot().state, 'ok');
});

test('5xx and network errors are retried with backoff; 4xx are not', async () => {
  const { c } = client({ retries: 2, retryBaseMs: 20 });
  fx.fault(FEES, { kind: 'status', status: 502 }, 2);
  await c.getJson('/v1/fees/recommended', feesSchema);
  const n = fx.hitsFor(FEES).length;
  fx.fault(FEES, { kind: 'status', status: 404 }, 1);
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_HTTP', 500);
  assert.equal(fx.hitsFor(FEES).length, n + 1, 'a 404 is not retried');
});

test('malformed JSON ends in UPSTREAM_MALFORMED', async () => {
  const { c } = client();
  fx.fault(FEES, { kind: 'garbage' });
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_MALFORMED', 600);
});

test('a schema mismatch ends in UPSTREAM_SCHEMA naming the field', async () => {
  const { c } = client();
  fx.fault(FEES, { kind: 'json', body: { fastestFee: '12', halfHourFee: 10, hourFee: 8, economyFee: 4, minimumFee: 1 } });
  await assert.rejects(c.getJson('/v1/fees/recommended', feesSchema), (e: { code?: string; message: string }) => e.code === 'UPSTREAM_SCHEMA' && /fastestFee/.test(e.message));
});

test('an oversized body ends in UPSTREAM_TOO_LARGE without reading it all', async () => {
  const { c } = client({ maxBytes: 256 * 1024 });
  fx.fault(FEES, { kind: 'oversize', bytes: 50 * 1024 * 1024 });
  const heapBefore = process.memoryUsage().heapUsed;
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_TOO_LARGE', 600);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 20 * 1024 * 1024);
});

test('a hung connection ends in UPSTREAM_TIMEOUT within the timeout', async () => {
  const { c } = client({ timeoutMs: 300, deadlineMs: 300 });
  fx.fault(FEES, { kind: 'hang' });
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_TIMEOUT', 700);
});

test('a slow reply past the timeout ends in UPSTREAM_TIMEOUT; with retries the whole call keeps its deadline', async () => {
  const { c } = client({ timeoutMs: 200, deadlineMs: 500, retries: 5, retryBaseMs: 10 });
  fx.fault(FEES, { kind: 'delay', ms: 2000 });
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_TIMEOUT', 800);
});

test('a truncated body ends in UPSTREAM_NETWORK', async () => {
  const { c } = client();
  fx.fault(FEES, { kind: 'truncate' });
  await rejectsWith(c.getJson('/v1/fees/recommended', feesSchema), 'UPSTREAM_NETWORK', 600);
});

test('a refused connection ends in UPSTREAM_NETWORK', async () => {
  const { c } = client({ baseUrl: 'http://127.0.0.1:1' });
  await rejectsWith(c.getJson('/x', feesSchema), 'UPSTREAM_NETWORK', 600);
});

test('every outcome is counted per source, in the tracker and in Prometheus', async () => {
  const { c, tracker, metrics } = client();
  await c.getJson('/v1/fees/recommended', feesSchema);
  fx.fault(FEES, { kind: 'garbage' }, 1);
  await c.getJson('/v1/fees/recommended', feesSchema).catch(() => undefined);
  const snap = tracker.snapshot();
  assert.equal(snap.counts.ok, 1);
  assert.equal(snap.counts.upstream_malformed, 1);
  assert.equal(snap.lastError?.code, 'UPSTREAM_MALFORMED');
  assert.equal(snap.state, 'degraded');
  const text = await metrics.registry.metrics();
  assert.match(text, /satscope_upstream_requests_total\{source="mempool",outcome="upstream_malformed"\} 1/);
});
