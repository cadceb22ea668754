// The health score's metrics: what each measures, in which unit, which way is better, and how its
// value is worked out from data Satscope already collects (pure functions over parsed inputs).
import { subsidySats } from './bitcoin.ts';
import { bandDistance, correlation, directionName, entropyBits, hhi, metricScore, MIN_HISTORY_DAYS, PILLAR_IDS, PILLARS, scoreStatus, weightedMean, type Direction, type MetricResult, type PillarId, type ScoreSnapshot } from './score.ts';

export interface MetricDef {
  id: string;
  pillar: PillarId;
  /** Its weight within the pillar. */
  weight: number;
  title: string;
  unit: string;
  direction: Direction;
  /** In plain words: what it is and where it comes from. */
  method: string;
}

const higher: Direction = { kind: 'higher' };
const lower: Direction = { kind: 'lower' };

export const METRICS: readonly MetricDef[] = [
  { id: 'difficulty_momentum', pillar: 'security', weight: 0.3, title: 'Difficulty momentum', unit: '%', direction: higher, method: 'How much the network hashrate (which difficulty follows) changed over 30 days, week-average against week-average. More hashrate joining is more security.' },
  { id: 'fee_share', pillar: 'security', weight: 0.25, title: 'Fee share of miner revenue', unit: '%', direction: higher, method: 'Fees as a share of what miners earn (subsidy at each height plus fees), over recent blocks. Fees must carry security as the subsidy halves.' },
  { id: 'hashprice', pillar: 'security', weight: 0.25, title: 'Hashprice', unit: 'USD/TH/day', direction: higher, method: 'What 1 TH/s earns a day: (the subsidy at the current height + average fees a block) × 144 ÷ the network hashrate, at the market price.' },
  { id: 'stale_incidence', pillar: 'security', weight: 0.2, title: 'Stale blocks (30 days)', unit: 'blocks', direction: lower, method: 'Heights in the last 30 days (4,320 blocks) where ForkMonitor saw competing blocks.' },
  { id: 'pool_hhi', pillar: 'decentralization', weight: 0.4, title: 'Mining pool concentration (HHI, 1 week)', unit: 'HHI', direction: lower, method: "The Herfindahl–Hirschman index of the pools' shares of last week's blocks (0–10,000), from mempool.space." },
  { id: 'node_asn_hhi', pillar: 'decentralization', weight: 0.3, title: 'Node hosting concentration (ASN HHI)', unit: 'HHI', direction: lower, method: 'The HHI of reachable nodes across the networks (ASNs) that host them, from the Bitnodes snapshot.' },
  { id: 'client_diversity', pillar: 'decentralization', weight: 0.3, title: 'Client diversity', unit: 'bits', direction: higher, method: 'The Shannon entropy of the node software versions reachable nodes run (Bitnodes): higher means no single release dominates.' },
  { id: 'mempool_pressure', pillar: 'throughput', weight: 0.4, title: 'Mempool pressure', unit: 'blocks', direction: lower, method: 'The transactions waiting, in blocks of 1,000,000 vB: your node\'s mempool, else mempool.space\'s.' },
  { id: 'fee_elasticity', pillar: 'throughput', weight: 0.3, title: 'Fee elasticity (7 days)', unit: 'r', direction: higher, method: 'The correlation of the mempool size with the next-block fee over 7 days of hourly means: a fee market that answers demand.' },
  { id: 'confirmation_latency', pillar: 'throughput', weight: 0.3, title: 'Block interval', unit: 'min', direction: { kind: 'band', low: 9, high: 11 }, method: 'The mean time between recent blocks; 9–11 minutes is on target (10 minutes by design).' },
  { id: 'utxo_growth', pillar: 'adoption', weight: 0.5, title: 'UTXO growth (30 days)', unit: '%', direction: higher, method: 'How much the number of unspent outputs grew over 30 days (Blockchain.com).' },
  { id: 'segwit_usage', pillar: 'adoption', weight: 0.3, title: 'SegWit usage', unit: '%', direction: higher, method: "The share of transactions in recent blocks that carry witness data (they spend SegWit or Taproot outputs), from mempool.space's block statistics." },
  { id: 'rbf_activity', pillar: 'adoption', weight: 0.2, title: 'RBF activity', unit: '%', direction: { kind: 'band', low: 1, high: 10 }, method: 'The share of transactions replaced by fee (1–10 % is a healthy band).' },
  { id: 'ln_capacity_growth', pillar: 'lightning', weight: 0.6, title: 'Lightning capacity growth (30 days)', unit: '%', direction: higher, method: "The change in public Lightning capacity over 30 days (mempool.space's statistics)." },
  { id: 'ln_node_concentration', pillar: 'lightning', weight: 0.4, title: 'Lightning capacity concentration', unit: '×', direction: lower, method: 'How far the mean channel is above the median channel: capacity held in a few large channels makes it high.' },
];

export const metricById = new Map(METRICS.map((m) => [m.id, m]));

/** The history series a metric's values are kept in. */
export const metricSeries = (id: string) => `score.metric.${id}`;
export const pillarSeries = (id: string) => `score.pillar.${id}`;
export const OVERALL_SERIES = 'score.overall';

// ---- The computations: each returns null when its inputs are missing. ----

/** Percent change of the mean of the last 7 daily values against the 7 ending 30 days earlier. */
export function momentumPct(daily: readonly { tsSec: number; value: number }[], nowSec: number): number | null {
  const mean = (from: number, to: number) => {
    const v = daily.filter((p) => p.tsSec >= from && p.tsSec < to).map((p) => p.value);
    return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const day = 86_400;
  const now = mean(nowSec - 7 * day, nowSec + day);
  const then = mean(nowSec - 37 * day, nowSec - 30 * day + day);
  return now === null || then === null || then <= 0 ? null : (now / then - 1) * 100;
}

export function feeSharePct(blocks: readonly { height: number; totalFeeSats: number | null }[]): number | null {
  let fees = 0;
  let subsidy = 0;
  for (const b of blocks) {
    if (b.totalFeeSats === null) continue;
    fees += b.totalFeeSats;
    subsidy += subsidySats(b.height);
  }
  return fees + subsidy > 0 ? (fees / (fees + subsidy)) * 100 : null;
}

/** USD a TH/s earns a day at the height, fees, network hashrate and price. */
export function hashpriceUsd(height: number, avgFeesSats: number, networkHashrateHs: number, priceUsd: number): number | null {
  if (!(networkHashrateHs > 0) || !(priceUsd > 0)) return null;
  return (((subsidySats(height) + Math.max(0, avgFeesSats)) * 144) / (networkHashrateHs / 1e12) / 1e8) * priceUsd;
}

/** ForkMonitor's index lists at most this many stale candidates, the most recent (SOURCES.md §6). */
export const STALE_LIST_CAP = 3;

/**
 * Stale candidates within the 4,320 heights (30 days) up to `tip`, or null when the count cannot be
 * known: a full list (the cap) whose oldest entry is inside the window may leave older ones out.
 */
export function staleCount(candidates: readonly { height: number }[], tip: number): number | null {
  const oldest = Math.min(...candidates.map((c) => c.height));
  if (candidates.length >= STALE_LIST_CAP && oldest > tip - 4320) return null;
  return candidates.filter((c) => c.height > tip - 4320 && c.height <= tip).length;
}

export function poolHhi(pools: readonly { blockCount: number }[]): number | null {
  return pools.length > 0 ? hhi(pools.map((p) => p.blockCount)) : null;
}

/** Entropy of the client mix: the listed clients and the rest as one more group. */
export function clientEntropy(clients: readonly { count: number }[], sampled: number): number | null {
  if (clients.length === 0) return null;
  const listed = clients.reduce((n, c) => n + c.count, 0);
  return entropyBits([...clients.map((c) => c.count), Math.max(0, sampled - listed)]);
}

export const mempoolBlocks = (vsize: number) => vsize / 1_000_000;

/** Correlation of two hourly series over the hours both have. */
export function elasticity(a: readonly { tsSec: number; value: number }[], b: readonly { tsSec: number; value: number }[]): number | null {
  const byHour = new Map(b.map((p) => [Math.floor(p.tsSec / 3600), p.value]));
  const x: number[] = [];
  const y: number[] = [];
  for (const p of a) {
    const other = byHour.get(Math.floor(p.tsSec / 3600));
    if (other === undefined) continue;
    x.push(p.value);
    y.push(other);
  }
  return x.length >= 24 ? correlation(x, y) : null;
}

/** The mean block interval in minutes over blocks given by time (any order); null with fewer than 3. */
export function meanIntervalMin(times: readonly number[]): number | null {
  if (times.length < 3) return null;
  const sorted = [...times].sort((a, b) => a - b);
  return ((sorted[sorted.length - 1] as number) - (sorted[0] as number)) / (sorted.length - 1) / 60;
}

/** Percent change from the first to the last value of a series spanning about 30 days. */
export function growthPct(points: readonly { tsSec: number; value: number }[], nowSec: number, days = 30): number | null {
  const from = nowSec - days * 86_400;
  const inWindow = points.filter((p) => p.tsSec >= from - 2 * 86_400 && p.tsSec <= nowSec).sort((a, b) => a.tsSec - b.tsSec);
  const first = inWindow[0];
  const last = inWindow.at(-1);
  // The window must reach back close to its start: a week of data is not a 30-day growth.
  if (!first || !last || first.tsSec > from + 3 * 86_400 || !(first.value > 0)) return null;
  return (last.value / first.value - 1) * 100;
}

/** Percent of the blocks' transactions with witness data, over the blocks that report it. */
export function segwitSharePct(blocks: readonly { txCount: number; segwitTxs?: number | null }[]): number | null {
  let txs = 0;
  let segwit = 0;
  for (const b of blocks) {
    if (b.segwitTxs === null || b.segwitTxs === undefined || !(b.txCount > 0)) continue;
    txs += b.txCount;
    segwit += Math.min(b.segwitTxs, b.txCount);
  }
  return txs > 0 ? (segwit / txs) * 100 : null;
}

export function capacityConcentration(avgCapacitySats: number, medianCapacitySats: number | null): number | null {
  return medianCapacitySats && medianCapacitySats > 0 ? avgCapacitySats / medianCapacitySats : null;
}

export { bandDistance };

/** A metric's value now, with where it came from, or why there is none. */
export interface MetricInput {
  value: number | null;
  source: string | null;
  asOfMs: number | null;
  reason?: string;
}

/**
 * The scorecard from each metric's value now and its daily history (the days before today within
 * the window): metrics with fewer than MIN_HISTORY_DAYS days are shown and left out of the weights.
 */
export function assembleScore(inputs: Record<string, MetricInput>, history: Record<string, readonly number[]>, nowMs: number, freshness: Record<string, number> = {}): ScoreSnapshot {
  const pillars: ScoreSnapshot['pillars'] = {};
  for (const pid of PILLAR_IDS) {
    const metrics: Record<string, MetricResult> = {};
    for (const def of METRICS.filter((m) => m.pillar === pid)) {
      const input = inputs[def.id] ?? { value: null, source: null, asOfMs: null, reason: 'not measured' };
      const past = history[def.id] ?? [];
      const base = {
        value: input.value,
        unit: def.unit,
        direction: directionName(def.direction),
        ...(def.direction.kind === 'band' ? { band: [def.direction.low, def.direction.high] as [number, number] } : {}),
        weight: def.weight,
        historyDays: past.length,
        asOf: input.asOfMs === null ? null : new Date(input.asOfMs).toISOString(),
        source: input.source,
      };
      if (input.value === null) metrics[def.id] = { ...base, percentile: null, score: null, reason: input.reason ?? 'no data' };
      else if (past.length < MIN_HISTORY_DAYS) metrics[def.id] = { ...base, percentile: null, score: null, reason: `${past.length} day${past.length === 1 ? '' : 's'} of history; ${MIN_HISTORY_DAYS} needed before it is scored` };
      else {
        const { percentile, score } = metricScore(past, input.value, def.direction);
        metrics[def.id] = { ...base, percentile, score };
      }
    }
    const score = weightedMean(Object.values(metrics).map((m) => ({ score: m.score, weight: m.weight })));
    pillars[pid] = { title: PILLARS[pid].title, score, weight: PILLARS[pid].weight, status: score === null ? 'unknown' : scoreStatus(score), metrics };
  }
  const overall = weightedMean(PILLAR_IDS.map((p) => ({ score: pillars[p]?.score ?? null, weight: PILLARS[p].weight })));
  return { asOfMs: nowMs, overall, status: overall === null ? 'unknown' : scoreStatus(overall), pillars, freshness };
}
