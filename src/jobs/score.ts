// The network health score, every 10 minutes: each metric's value now from what the other jobs
// collected (your mainnet node first, the public sources otherwise), kept in history; then each
// scored against its own daily history and the scorecard stored, kept as series and announced.
import { assembleScore, capacityConcentration, segwitSharePct, clientEntropy, elasticity, feeSharePct, growthPct, hashpriceUsd, meanIntervalMin, mempoolBlocks, METRICS, metricSeries, momentumPct, OVERALL_SERIES, pillarSeries, poolHhi, staleCount, type MetricInput } from '../domain/score-metrics.ts';
import { PILLAR_IDS, WINDOW_DAYS } from '../domain/score.ts';
import { describeError } from '../errors.ts';
import { publishEvent } from '../events.ts';
import { requestJobRun } from '../job-status.ts';
import { readPoints } from '../store/history/read-series.ts';
import { keys, type PublicPiece } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

const DAY = 86_400;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Right after a start the other jobs are still on their first answers: the score asks again soon while it has nothing to measure. */
const EAGER_MS = 5 * 60_000;

export function scoreJob(deps: JobDeps): JobDefinition {
  const createdAtMs = Date.now();
  const def: JobDefinition = {
    name: 'score',
    intervalMs: 10 * 60_000,
    timeoutMs: 60_000,
    cooldownMs: 10_000,
    async run(ctx) {
      const nowMs = Date.now();
      const nowSec = Math.floor(nowMs / 1000);
      const inputs = await measure(deps, nowSec);
      const measured = Object.values(inputs).filter((m) => m.value !== null).length;
      if (measured < Object.keys(inputs).length / 2 && nowMs - createdAtMs < EAGER_MS) {
        await requestJobRun(deps.store, [def], 'score').catch(() => undefined);
      }
      const minute = Math.floor(nowSec / 60) * 60;
      const points = Object.entries(inputs).flatMap(([id, m]) => (m.value !== null && Number.isFinite(m.value) ? [{ series: metricSeries(id), tsSec: minute, value: m.value }] : []));
      if (points.length > 0) await deps.history.upsertPoints(points);

      // Each metric's daily values before today, within the window.
      const today = Math.floor(nowSec / DAY) * DAY;
      const history: Record<string, number[]> = {};
      for (const def of METRICS) {
        const daily = await readPoints(deps.history, metricSeries(def.id), today - WINDOW_DAYS * DAY, today - 1, 'day');
        history[def.id] = daily.filter((p) => p.tsSec < today).map((p) => p.value);
      }
      const freshness: Record<string, number> = {};
      for (const m of Object.values(inputs)) if (m.source && m.asOfMs !== null) freshness[m.source] = Math.max(freshness[m.source] ?? 0, m.asOfMs);
      const snapshot = assembleScore(inputs, history, nowMs, freshness);
      await deps.store.set(keys.score, snapshot);
      const scored = [
        ...(snapshot.overall === null ? [] : [{ series: OVERALL_SERIES, tsSec: minute, value: snapshot.overall }]),
        ...PILLAR_IDS.flatMap((p) => {
          const s = snapshot.pillars[p]?.score;
          return s === null || s === undefined ? [] : [{ series: pillarSeries(p), tsSec: minute, value: s }];
        }),
      ];
      if (scored.length > 0) await deps.history.upsertPoints(scored);
      await publishEvent(deps.store, 'score', { overall: snapshot.overall, status: snapshot.status, pillars: Object.fromEntries(PILLAR_IDS.map((p) => [p, snapshot.pillars[p]?.score ?? null])), asOfMs: nowMs }, nowMs).catch((err: unknown) =>
        ctx.log.debug('score event not published', { err: describeError(err) }),
      );
    },
  };
  return def;
}

const piece = async <T>(deps: JobDeps, name: string): Promise<(PublicPiece & { data: T }) | undefined> => (await deps.store.get(keys.publicPiece(name))) as (PublicPiece & { data: T }) | undefined;
const none = (reason: string): MetricInput => ({ value: null, source: null, asOfMs: null, reason });
const from = (value: number | null, source: string, asOfMs: number, reason: string): MetricInput => (value === null || !Number.isFinite(value) ? none(reason) : { value, source, asOfMs });

/** Every metric's value now, or why it has none. */
async function measure(deps: JobDeps, nowSec: number): Promise<Record<string, MetricInput>> {
  const out: Record<string, MetricInput> = {};
  const chain = await deps.store.get(keys.chain);
  const mainnet = chain?.chain === 'main';
  const nodeMempool = mainnet ? await deps.store.get(keys.mempool) : undefined;
  const hashrate = await piece<{ currentHashrateHs: number }>(deps, 'mempool.hashrate');
  const tip = await piece<number>(deps, 'mempool.tip');
  const blocks = await piece<{ height: number; timeSec: number; totalFeeSats: number; txCount: number; segwitTxs?: number | null }[]>(deps, 'mempool.blocks');
  const price = await piece<{ usd: number }>(deps, 'market.price');
  const pools = await piece<{ pools: { blockCount: number }[] }>(deps, 'mempool.pools');
  const nodes = await piece<{ asnHhi: number; clients: { count: number }[]; sampledNodes: number }>(deps, 'bitnodes.latest');
  const mempool = await piece<{ vsize: number }>(deps, 'mempool.mempool');
  const stale = await piece<{ height: number }[]>(deps, 'forkmonitor.stale');
  const utxos = await piece<{ tsSec: number; utxos: number }[]>(deps, 'blockchain.utxos');
  const lightning = await piece<{ capacitySats: number; avgCapacitySats: number; medianCapacitySats: number | null }>(deps, 'mempool.lightning');
  const height = mainnet ? chain.height : typeof tip?.data === 'number' ? tip.data : null;

  // Security.
  const hrSeries = mainnet ? 'chain.hashrate_hs' : 'network.hashrate_hs';
  const hrDaily = await readPoints(deps.history, hrSeries, nowSec - 40 * DAY, nowSec, 'day');
  out.difficulty_momentum = from(momentumPct(hrDaily, nowSec), mainnet ? 'your node' : 'mempool.space', nowSec * 1000, `needs 37 days of network hashrate history (${plural(hrDaily.length, 'day')} so far)`);
  const nodeBlocks = mainnet ? (await deps.history.recentBlocks(144)).filter((b) => b.totalFeeSats !== null) : [];
  const feeBlocks = nodeBlocks.length > 0 ? nodeBlocks.map((b) => ({ height: b.height, totalFeeSats: b.totalFeeSats })) : (blocks?.data ?? []).map((b) => ({ height: b.height, totalFeeSats: b.totalFeeSats }));
  const feeSource = nodeBlocks.length > 0 ? 'your node' : 'mempool.space';
  const feeAsOf = nodeBlocks.length > 0 ? nowSec * 1000 : (blocks?.asOfMs ?? 0);
  out.fee_share = from(feeSharePct(feeBlocks), feeSource, feeAsOf, 'no recent blocks with their fees (your mainnet node or mempool.space)');
  const avgFees = feeBlocks.length > 0 ? feeBlocks.reduce((n, b) => n + (b.totalFeeSats ?? 0), 0) / feeBlocks.length : 0;
  const networkHs = mainnet ? chain.hashrateHs : (hashrate?.data.currentHashrateHs ?? null);
  out.hashprice =
    height === null || networkHs === null || !price
      ? none('needs the height, the network hashrate and a price')
      : from(hashpriceUsd(height, avgFees, networkHs, price.data.usd), 'market median', price.asOfMs, 'needs a price and the network hashrate');
  out.stale_incidence =
    stale && height !== null
      ? from(staleCount(stale.data, height), 'forkmonitor', stale.asOfMs, 'ForkMonitor lists only its three most recent stale blocks, all within these 30 days: the count could be higher')
      : none('needs ForkMonitor and the tip height');

  // Decentralization.
  out.pool_hhi = pools ? from(poolHhi(pools.data.pools), 'mempool.space', pools.asOfMs, 'no pool shares') : none('needs mempool.space (mining pools of the last week)');
  out.node_asn_hhi = nodes ? from(nodes.data.asnHhi, 'bitnodes', nodes.asOfMs, 'no ASN data') : none('needs the Bitnodes snapshot');
  out.client_diversity = nodes ? from(clientEntropy(nodes.data.clients, nodes.data.sampledNodes), 'bitnodes', nodes.asOfMs, 'no client data') : none('needs the Bitnodes snapshot');

  // Throughput.
  const vsize = nodeMempool?.vsize ?? mempool?.data.vsize ?? null;
  out.mempool_pressure = vsize === null ? none('needs your node or mempool.space') : { value: mempoolBlocks(vsize), source: nodeMempool ? 'your node' : 'mempool.space', asOfMs: nodeMempool?.asOfMs ?? mempool?.asOfMs ?? null };
  const [sizeSeries, feeSeries] = mainnet ? ['mempool.vsize', 'fees.next_block_median'] : ['network.mempool.vsize', 'network.fees.fastest'];
  const sizes = await readPoints(deps.history, sizeSeries, nowSec - 7 * DAY, nowSec, 'hour');
  const fees = await readPoints(deps.history, feeSeries, nowSec - 7 * DAY, nowSec, 'hour');
  out.fee_elasticity = from(elasticity(sizes, fees), mainnet ? 'your node' : 'mempool.space', nowSec * 1000, `needs a day of hourly mempool and fee history (${plural(Math.min(sizes.length, fees.length), 'hour')} so far)`);
  const times = nodeBlocks.length >= 3 ? (await deps.history.recentBlocks(144)).map((b) => b.timeSec) : (blocks?.data ?? []).map((b) => b.timeSec);
  out.confirmation_latency = from(meanIntervalMin(times), nodeBlocks.length >= 3 ? 'your node' : 'mempool.space', nodeBlocks.length >= 3 ? nowSec * 1000 : (blocks?.asOfMs ?? 0), 'needs recent blocks');

  // Adoption.
  // The chart's 30 days end at its newest point, which may be a day or two old.
  const utxoPoints = (utxos?.data ?? []).map((u) => ({ tsSec: u.tsSec, value: u.utxos }));
  const utxoEnd = utxoPoints.reduce((m, p) => Math.max(m, p.tsSec), 0);
  out.utxo_growth = utxos ? from(growthPct(utxoPoints, utxoEnd), 'blockchain.com', utxos.asOfMs, 'the UTXO chart does not reach back 30 days') : none('needs Blockchain.com (UTXO count)');
  out.segwit_usage = blocks ? from(segwitSharePct(blocks.data), 'mempool.space', blocks.asOfMs, 'the recent blocks do not report their SegWit transactions') : none('needs mempool.space (recent blocks)');
  out.rbf_activity = none('no source of replacement counts is configured');

  // Lightning.
  const capacity = await readPoints(deps.history, 'lightning.capacity_sats', nowSec - 35 * DAY, nowSec, 'day');
  out.ln_capacity_growth = from(growthPct(capacity, nowSec), 'mempool.space', lightning?.asOfMs ?? nowSec * 1000, `needs 30 days of Lightning capacity history (${plural(capacity.length, 'day')} so far)`);
  out.ln_node_concentration = lightning ? from(capacityConcentration(lightning.data.avgCapacitySats, lightning.data.medianCapacitySats), 'mempool.space', lightning.asOfMs, 'no median channel capacity') : none('needs mempool.space (Lightning statistics)');
  return out;
}
