// The health score end to end against the fixture server: the score job measures each metric from
// what the public jobs collected, scores those with enough history against it, and the v2 API
// answers the scorecard, time series with statistics and single metrics. The numbers are worked
// out again here from the fixtures and the history the test wrote.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { metricSeries } from '../../src/domain/score-metrics.ts';
import { percentileRank, PILLARS } from '../../src/domain/score.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
const DAY = 86_400;
let fx: FixtureServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
const json = async (path: string) => {
  const r = await fetch(rt.base + path);
  return { status: r.status, body: (await r.json()) as Json };
};
const runScore = async () => {
  const before = (await rt.store.get(keys.score))?.asOfMs ?? 0;
  await requestJobRun(rt.store, rt.jobs, 'score');
  await waitFor('a score run', async () => (((await rt.store.get(keys.score))?.asOfMs ?? 0) > before ? true : undefined), 20_000, 50);
};

/** The year-long histories the bootstrap reads (test/integration/score-bootstrap.test.ts covers it): down here, so this file sees a fresh install without them. */
const BOOTSTRAP_PATHS = ['/mempool/api/v1/mining/hashrate/1y', '/mempool/api/v1/mining/hashrate/pools/1y', '/mempool/api/v1/lightning/statistics/1y', '/blockchain/charts/miners-revenue', '/blockchain/charts/transaction-fees-usd', '/blockchain/charts/utxo-count'];

before(async () => {
  fx = await startFixtureServer();
  for (const path of BOOTSTRAP_PATHS) fx.fault(path, { kind: 'status', status: 503 });
  rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: 'ocean' }, { jobs: 'production' });
  // The sources the score reads have answered.
  await waitFor('pools and nodes', async () => ((await rt.store.get(keys.publicPiece('mempool.pools'))) && (await rt.store.get(keys.publicPiece('bitnodes.latest'))) ? true : undefined), 30_000, 100);
});
after(async () => {
  await rt.close();
  await fx.stop();
});

test('a fresh install: each metric has its value or says why not, none is scored without 30 days, and the score says so', async () => {
  await runScore();
  const { status, body } = await json('/api/v2/score/latest');
  assert.equal(status, 200);
  assert.equal(body.overall, null);
  assert.equal(body.status, 'unknown');
  assert.match(String(body.reason), /30 days/);
  const pillars = body.pillars as Record<string, { metrics: Record<string, Json>; weight: number }>;
  assert.deepEqual(Object.keys(pillars), Object.keys(PILLARS));
  for (const [p, pillar] of Object.entries(pillars)) {
    assert.equal(pillar.weight, PILLARS[p as keyof typeof PILLARS].weight);
    for (const [id, m] of Object.entries(pillar.metrics)) {
      assert.equal(m.score, null, id);
      assert.equal(typeof m.reason, 'string', `${id} says why it is not scored`);
    }
  }
  // Values from the fixtures, worked out again here.
  const pools = (JSON.parse(readFileSync(new URL('../fixtures/mempool/v1_mining_pools_1w.json', import.meta.url), 'utf8')) as { pools: { blockCount: number }[] }).pools.map((p) => p.blockCount);
  const total = pools.reduce((a, b) => a + b, 0);
  const hhi = pools.reduce((n, c) => n + (c / total) ** 2, 0) * 10_000;
  const poolMetric = pillars.decentralization?.metrics.pool_hhi as Json;
  assert.ok(Math.abs((poolMetric.value as number) - hhi) < 1e-6, `${String(poolMetric.value)} vs ${hhi}`);
  assert.match(String(poolMetric.reason), /0 days of history; 30 needed/);
  assert.equal(poolMetric.direction, 'lower-better');
  assert.equal(poolMetric.source, 'mempool.space');
  // SegWit usage: the recent blocks' transactions with witness data over all their transactions.
  const blocks = JSON.parse(readFileSync(new URL('../fixtures/mempool/v1_blocks.json', import.meta.url), 'utf8')) as { tx_count: number; extras: { segwitTotalTxs: number } }[];
  const segwit = (pillars.adoption?.metrics.segwit_usage as Json);
  const share = (blocks.reduce((n, b) => n + b.extras.segwitTotalTxs, 0) / blocks.reduce((n, b) => n + b.tx_count, 0)) * 100;
  assert.ok(Math.abs((segwit.value as number) - share) < 1e-9, `${String(segwit.value)} vs ${share}`);
  assert.match(String(segwit.reason), /0 days of history/);
  assert.match(String((pillars.adoption?.metrics.rbf_activity as Json).reason), /no source/);
  assert.equal(((body.data_freshness as Record<string, Json>)['mempool.space'] as Json | undefined)?.ageSec !== undefined, true);
});

test('with 40 days of history, metrics are scored by percentile and the pillars and overall follow the weights', async () => {
  // 40 earlier days of pool HHI between 1000 and 1390, and of node ASN HHI.
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  const poolDays = Array.from({ length: 40 }, (_, i) => 1000 + i * 10);
  const asnDays = Array.from({ length: 40 }, (_, i) => 50 + i);
  await rt.history.upsertPoints([
    ...poolDays.map((value, i) => ({ series: metricSeries('pool_hhi'), tsSec: today - (40 - i) * DAY + 3600, value })),
    ...asnDays.map((value, i) => ({ series: metricSeries('node_asn_hhi'), tsSec: today - (40 - i) * DAY + 3600, value })),
  ]);
  // Rolled up into daily aggregates as the hourly compact-history job does.
  await rt.history.compact(Math.floor(Date.now() / 1000));
  await runScore();
  const { body } = await json('/api/v2/score/latest');
  const d = (body.pillars as Record<string, { score: number | null; metrics: Record<string, Json> }>).decentralization;
  const pool = d?.metrics.pool_hhi as Json;
  const asn = d?.metrics.node_asn_hhi as Json;
  assert.equal(pool.historyDays, 40);
  const poolScore = 100 - percentileRank(poolDays, pool.value as number);
  const asnScore = 100 - percentileRank(asnDays, asn.value as number);
  assert.ok(Math.abs((pool.score as number) - poolScore) < 1e-9, `${String(pool.score)} vs ${poolScore}`);
  assert.ok(Math.abs((asn.score as number) - asnScore) < 1e-9);
  // The pillar: pool 0.4 and ASN 0.3 (client diversity has no history yet, so it is left out).
  const pillar = (poolScore * 0.4 + asnScore * 0.3) / 0.7;
  assert.ok(Math.abs((d?.score as number) - pillar) < 1e-9);
  // Only the decentralization pillar has a score: the overall is that pillar's.
  assert.ok(Math.abs((body.overall as number) - pillar) < 1e-9);
  assert.equal(body.status, pillar >= 75 ? 'healthy' : pillar >= 50 ? 'degraded' : 'critical');
  assert.match(await (await fetch(`${rt.base}/metrics`)).text(), /satscope_health_pillar_score\{pillar="decentralization"\} [\d.]+/);
});

test('time series with statistics, single metrics, and bad parameters answered 400', async () => {
  const ts = await json('/api/v2/score/timeseries?kind=overall&id=overall&days=30');
  assert.equal(ts.status, 200);
  const data = ts.body.data as { ts: string; value: number }[];
  assert.ok(data.length >= 1, 'the overall score of the run above');
  const stats = ts.body.statistics as Json;
  assert.equal(stats.latest, data.at(-1)?.value);
  assert.ok((stats.min as number) <= (stats.median as number) && (stats.median as number) <= (stats.max as number));
  const m = await json('/api/v2/score/timeseries?kind=metric&id=pool_hhi&days=60');
  assert.ok((m.body.data as unknown[]).length >= 40);
  const one = await json('/api/v2/metrics/pool_hhi');
  assert.equal(one.status, 200);
  assert.equal(one.body.pillar, 'decentralization');
  assert.match(String(one.body.method), /Herfindahl/);
  assert.ok((one.body.percentiles as Json).p50 !== null);
  assert.ok(one.body.stats24h !== null);
  for (const bad of ['kind=pillar&id=nope', 'kind=metric&id=nope', 'kind=overall&id=x', 'days=0', 'days=99999', 'kind=other', 'extra=1']) assert.equal((await fetch(`${rt.base}/api/v2/score/timeseries?${bad}`)).status, 400, bad);
  assert.equal((await fetch(`${rt.base}/api/v2/metrics/nope`)).status, 404);
});
