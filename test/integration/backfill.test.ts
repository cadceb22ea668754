// The BTC closes backfill against a fixture server that pages Coinbase candles: 300 per request at
// most, days without trades skipped (a gap), a 429 on the way, and a stop and resume in the middle.
// The final table holds every day exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { backfillCloses, dayIso } from '../../src/jobs/backfill-closes.ts';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { buildSourceCatalog } from '../../src/sources/catalog.ts';
import { openHistory, type History } from '../../src/store/history/history.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { PUBLIC_OFF, testRuntime } from '../helpers/runtime.ts';
import { childEnv } from '../helpers/services.ts';

const DAY = 86_400;
const CANDLES = '/coinbase/products/BTC-USD/candles';
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const GAPS = new Set([day('2023-06-15'), day('2024-02-29')]);
const closeOf = (d: number) => 20_000 + (d - day('2015-01-01')) / DAY;

let fx: FixtureServer;
const requests: { start: number; end: number; atMs: number }[] = [];
let tooManyOnce = true;

// Coinbase's candles endpoint, generated: newest first, gaps skipped, >300 buckets refused.
function candles(req: IncomingMessage, res: ServerResponse): void {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  const start = q.has('start') ? Date.parse(q.get('start') as string) / 1000 : today - 299 * DAY;
  const end = q.has('end') ? Date.parse(q.get('end') as string) / 1000 : today;
  requests.push({ start, end, atMs: Date.now() });
  if ((end - start) / DAY + 1 > 300) {
    res.writeHead(400, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ message: 'granularity too small for the requested time range. Count of aggregations requested exceeds 300' }));
  }
  if (requests.length === 2 && tooManyOnce) {
    tooManyOnce = false;
    res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ message: 'Public rate limit exceeded' }));
  }
  const rows = [];
  for (let d = end; d >= start; d -= DAY) if (!GAPS.has(d)) rows.push([d, closeOf(d) - 100, closeOf(d) + 100, closeOf(d) - 50, closeOf(d), 1234.5]);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(rows));
}

let history: History;
const store = new MemoryStore();
before(async () => {
  fx = await startFixtureServer();
  fx.on(CANDLES, candles);
  history = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-bf-')), log: silentLogger });
});
after(async () => {
  await history.close();
  await store.close();
  await fx.stop();
});

function client() {
  const config = loadConfig({ ...fx.env, SOURCES_DISABLED: 'mempool,coingecko,blockchain,bitnodes,forkmonitor' });
  return buildSourceCatalog(config, { store, metrics: createMetrics(), log: silentLogger }).http.coinbase!;
}

test('a backfill stopped in the middle resumes with only the missing days; every day is held once, gaps reported', async () => {
  const from = day('2023-01-01');
  const to = day('2025-12-31');
  const expectedDays = (to - from) / DAY + 1;
  const stop = new AbortController();
  const first = await backfillCloses(history, client(), {
    fromSec: from,
    toSec: to,
    signal: stop.signal,
    onProgress: (done) => done === 2 && stop.abort(),
  });
  assert.equal(first.requests, 2, 'stopped after two pages');
  assert.equal(requests.length, 3, 'two pages and the 429 that was retried');
  assert.ok((requests[2]?.atMs ?? 0) - (requests[1]?.atMs ?? 0) >= 1000, 'the retry waited for Retry-After');
  assert.ok(requests.every((r) => (r.end - r.start) / DAY + 1 <= 300));
  const heldAfterFirst = (await history.closeDays(from, to)).size;
  assert.equal(heldAfterFirst, 600 - 2, '600 days asked, both gap days among them');

  requests.length = 0;
  const second = await backfillCloses(history, client(), { fromSec: from, toSec: to });
  assert.ok(requests.every((r) => r.start >= from + 600 * DAY || GAPS.has(r.start)), 'only missing days are asked for again');
  assert.deepEqual(second.gaps, [...GAPS].sort().map(dayIso));
  const closes = await history.closes(from, to);
  assert.equal(closes.length, expectedDays - GAPS.size);
  assert.equal(new Set(closes.map((c) => c.daySec)).size, closes.length, 'each day once');
  assert.equal(closes.find((c) => c.daySec === day('2024-01-01'))?.closeUsd, closeOf(day('2024-01-01')));

  requests.length = 0;
  const third = await backfillCloses(history, client(), { fromSec: from, toSec: to });
  assert.equal(third.saved, 0);
  assert.equal(third.requests, 1, 'only the two gap days, 259 days apart, are asked for again, in one request');
});

test('satscope backfill btc-closes prints progress and a summary, and a second run has nothing to do', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'satscope-bfcli-'));
  const run = async () => {
    const child = spawn(process.execPath, [new URL('../../bin/satscope.js', import.meta.url).pathname, 'backfill', 'btc-closes', '--from', '2025-01-01', '--to', '2025-03-31'], {
      env: childEnv({ ...fx.env, DATA_DIR: dataDir, SOURCES_DISABLED: 'mempool,coingecko,blockchain,bitnodes,forkmonitor' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    return { code, out };
  };
  const first = await run();
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /\[#+\] 1\/1 to 2025-03-31/);
  assert.match(first.out, /90 days from 2025-01-01: 0 already held, 90 saved in 1 requests, 0 without a candle/);
  const second = await run();
  assert.match(second.out, /90 already held, 0 saved in 0 requests/);
  const bad = spawn(process.execPath, [new URL('../../bin/satscope.js', import.meta.url).pathname, 'backfill', 'btc-closes', '--from', 'yesterday'], { env: childEnv({ DATA_DIR: dataDir }), stdio: 'ignore' });
  assert.equal(((await once(bad, 'exit')) as [number])[0], 2);
});

test('the admin endpoint starts the same backfill, with progress in /api/v1/jobs, and /api/bitcoin/* answer from history', async () => {
  const token = 'admin-token-for-backfill-0123';
  const rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: PUBLIC_OFF.replace('coinbase,', ''), ADMIN_TOKEN: token }, { jobs: 'production' });
  try {
    const r = await fetch(`${rt.base}/api/admin/backfill/btc-closes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: '2024-01-01' }) });
    assert.equal(r.status, 202);
    const requestedAtMs = Date.now();
    const job = await waitFor("backfill job", async () => {
      const jobs = ((await (await fetch(`${rt.base}/api/v1/jobs`)).json()) as { jobs: { name: string; lastOutcome: string | null; progress: { done: number; total: number } | null; lastStartedAtMs: number | null }[] }).jobs;
      const j = jobs.find((x) => x.name === 'backfill-btc-closes');
      return j?.lastOutcome === 'ok' && !(j as { running?: boolean }).running && (j.lastStartedAtMs ?? 0) > requestedAtMs && j.progress && j.progress.total >= 1 ? j : undefined;
    }, 30_000, 200);
    assert.equal(job.progress?.done, job.progress?.total);
    const history = (await (await fetch(`${rt.base}/api/bitcoin/history?range=all`)).json()) as { count: number; points: { date: string; close: number }[]; source: string };
    assert.equal(history.source, 'coinbase');
    assert.ok(history.points.some((p) => p.date === '2024-01-01'));
    assert.equal(new Set(history.points.map((p) => p.date)).size, history.count);
    const year = (await (await fetch(`${rt.base}/api/bitcoin/history?range=30d`)).json()) as { count: number };
    assert.ok(year.count >= 29 && year.count <= 30);
    assert.equal((await fetch(`${rt.base}/api/bitcoin/history?range=2w`)).status, 400);
    // The price from Coinbase alone becomes minute points; statistics and the hourly series read them.
    const stats = await waitFor('price points', async () => {
      const s = (await (await fetch(`${rt.base}/api/bitcoin/statistics?hours=24`)).json()) as { count: number; avg: number; min: number; max: number; median: number; std: number };
      return s.count > 0 ? s : undefined;
    }, 20_000, 250);
    const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
    assert.equal(stats.avg, closeOf(today));
    assert.equal(stats.std, 0);
    const hourly = (await (await fetch(`${rt.base}/api/bitcoin/hourly?hours=24`)).json()) as { points: { avg: number }[] };
    assert.equal(hourly.points.at(-1)?.avg, closeOf(today));
    assert.equal((await fetch(`${rt.base}/api/bitcoin/statistics?hours=0`)).status, 400);
  } finally {
    await rt.close();
  }
});
