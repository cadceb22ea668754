// The health score after the bootstrap, against the fixture server: the backfill job reads a year
// of public history, works out each metric's daily values, and the score job ranks today's values
// against them. The pool and fee-share scores, the pillars and the overall are worked out again
// here, from the bytes the fixture server sent, with this file's own arithmetic.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
type Metric = { value: number | null; score: number | null; percentile: number | null; weight: number; historyDays: number; reason?: string };
type Pillar = { score: number | null; weight: number; status: string; metrics: Record<string, Metric> };
const DAY = 86_400;
let fx: FixtureServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
const get = async (path: string) => (await (await fetch(rt.base + path)).json()) as Json;
const upstream = async (path: string) => (await (await fetch(fx.origin + path)).json()) as unknown;

before(async () => {
  fx = await startFixtureServer();
  rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: 'ocean' }, { jobs: 'production' });
  await waitFor('the bootstrap', async () => ((await rt.store.get(keys.jobStatus('backfill-score-history')))?.lastOutcome === 'ok' ? true : undefined), 60_000, 100);
  await waitFor('pools and nodes', async () => ((await rt.store.get(keys.publicPiece('mempool.pools'))) && (await rt.store.get(keys.publicPiece('bitnodes.latest'))) ? true : undefined), 30_000, 100);
  const before = (await rt.store.get(keys.score))?.asOfMs ?? 0;
  await requestJobRun(rt.store, rt.jobs, 'score');
  await waitFor('a score run after the bootstrap', async () => (((await rt.store.get(keys.score))?.asOfMs ?? 0) > before ? true : undefined), 20_000, 50);
});
after(async () => {
  await rt.close();
  await fx.stop();
});

/** Share of the sample below the value, ties counted half, in percent. */
function rank(sample: number[], v: number): number {
  const below = sample.filter((s) => s < v).length;
  const ties = sample.filter((s) => s === v).length;
  return ((below + ties / 2) / sample.length) * 100;
}
const close = (a: unknown, b: number, what: string) => assert.ok(typeof a === 'number' && Math.abs(a - b) < 1e-6, `${what}: ${String(a)} vs ${b}`);

test('after the bootstrap the score is 0–100 over five pillars, each metric scored or saying why not', async () => {
  const body = await get('/api/v2/score/latest');
  assert.equal(typeof body.overall, 'number');
  assert.ok((body.overall as number) >= 0 && (body.overall as number) <= 100);
  const pillars = body.pillars as Record<string, Pillar>;
  assert.deepEqual(Object.keys(pillars).sort(), ['adoption', 'decentralization', 'lightning', 'security', 'throughput']);
  const scored: string[] = [];
  for (const [p, pillar] of Object.entries(pillars)) {
    assert.ok(Object.keys(pillar.metrics).length >= 2, p);
    for (const [id, m] of Object.entries(pillar.metrics)) {
      if (m.score === null) assert.ok(typeof m.reason === 'string' && m.reason.length > 5, `${id} says why it is left out`);
      else {
        assert.ok(m.score >= 0 && m.score <= 100 && m.historyDays >= 30, id);
        scored.push(id);
      }
    }
  }
  // What public history allows: the backfilled metrics are scored from day one.
  for (const id of ['difficulty_momentum', 'fee_share', 'hashprice', 'pool_hhi', 'confirmation_latency', 'ln_node_concentration']) assert.ok(scored.includes(id), `${id} is scored after the bootstrap`);
});

test('the pool and fee-share scores, the pillars and the overall agree with a recomputation from the served history', async () => {
  const body = await get('/api/v2/score/latest');
  const pillars = body.pillars as Record<string, Pillar>;
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  const inWindow = (day: number) => day >= today - 365 * DAY && day < today;

  // Pool HHI: each week's index over the pools' shares, on the seven days of that week.
  const rows = (await upstream('/mempool/api/v1/mining/hashrate/pools/1y')) as { timestamp: number; share: number }[];
  const weeks = new Map<number, number[]>();
  for (const r of rows) weeks.set(r.timestamp, [...(weeks.get(r.timestamp) ?? []), r.share]);
  const poolDays = new Map<number, number>();
  for (const [t, shares] of weeks) {
    const sum = shares.reduce((a, b) => a + b, 0);
    const index = shares.reduce((n, s) => n + ((s / sum) * 100) ** 2, 0);
    for (let d = 0; d < 7; d++) poolDays.set(Math.floor(t / DAY) * DAY + d * DAY, index);
  }
  const poolHistory = [...poolDays].filter(([d]) => inWindow(d)).map(([, v]) => v);
  const pool = pillars.decentralization?.metrics.pool_hhi as Metric;
  assert.equal(pool.historyDays, poolHistory.length);
  close(pool.score, 100 - rank(poolHistory, pool.value as number), 'pool_hhi score (lower is better)');

  // Fee share: a day's fees over that day's miner revenue, both in USD.
  const chart = async (name: string) => ((await upstream(`/blockchain/charts/${name}?timespan=1year&format=json`)) as { values: { x: number; y: number }[] }).values;
  const revenue = new Map((await chart('miners-revenue')).map((v) => [v.x, v.y]));
  const feeHistory = (await chart('transaction-fees-usd')).filter((v) => inWindow(v.x) && revenue.has(v.x)).map((v) => (v.y / (revenue.get(v.x) as number)) * 100);
  const fee = pillars.security?.metrics.fee_share as Metric;
  assert.equal(fee.historyDays, feeHistory.length);
  close(fee.score, rank(feeHistory, fee.value as number), 'fee_share score (higher is better)');

  // Pillars: the weighted mean of their scored metrics; the overall: of the pillars, weights 0.30/0.25/0.15/0.15/0.15.
  const declared: Record<string, number> = { security: 0.3, decentralization: 0.25, throughput: 0.15, adoption: 0.15, lightning: 0.15 };
  let sum = 0;
  let weight = 0;
  for (const [p, pillar] of Object.entries(pillars)) {
    assert.equal(pillar.weight, declared[p]);
    const ms = Object.values(pillar.metrics).filter((m) => m.score !== null);
    const w = ms.reduce((n, m) => n + m.weight, 0);
    if (ms.length === 0) {
      assert.equal(pillar.score, null, p);
      continue;
    }
    const expected = ms.reduce((n, m) => n + (m.score as number) * m.weight, 0) / w;
    close(pillar.score, expected, `pillar ${p}`);
    sum += expected * (declared[p] as number);
    weight += declared[p] as number;
  }
  close(body.overall, sum / weight, 'overall');
  const overall = body.overall as number;
  assert.equal(body.status, overall >= 75 ? 'healthy' : overall >= 50 ? 'degraded' : 'critical');
});

test('the overall time series over 30 days: the past days scored from the backfilled values, today measured, with statistics', async () => {
  const ts = await get('/api/v2/score/timeseries?kind=overall&id=overall&days=30');
  const data = ts.data as { value: number }[];
  assert.equal(ts.resolution, 'day');
  assert.ok(data.length >= 28, `${data.length} days`);
  for (const d of data) assert.ok(d.value >= 0 && d.value <= 100);
  // The last day is today's, from the live score.
  const last = (data as unknown as { ts: string }[]).at(-1)?.ts ?? '';
  assert.equal(last.slice(0, 10), new Date().toISOString().slice(0, 10));
  const s = ts.statistics as Record<string, number>;
  assert.equal(s.latest, data.at(-1)?.value);
  for (const k of ['min', 'max', 'mean', 'median', 'std_dev']) assert.equal(typeof s[k], 'number', k);
  // The Health page's chart: the same month, on a fixed 0–100 axis.
  const chart = await get('/api/v1/charts/score?range=30d');
  assert.deepEqual(chart.yRange, [0, 100]);
  assert.ok((chart.t as number[]).length >= 28);
  // A metric's own history reaches back over the backfilled days.
  const m = await get('/api/v2/score/timeseries?kind=metric&id=fee_share&days=90');
  assert.ok((m.data as unknown[]).length >= 80, `fee_share has ${(m.data as unknown[]).length} days`);
});
