// mempool.space REST (or your own instance). Units: sat/vB fee rates, sats amounts, H/s, unix
// seconds except the difficulty-adjustment fields in milliseconds (test/fixtures/SOURCES.md §2).
import { z } from 'zod';
import type { UpstreamClient } from '../http/upstream-client.ts';

const n = z.number();
const truthy = z.union([z.boolean(), z.number()]).transform((v) => Boolean(v));

export const recommendedFeesSchema = z
  .object({ fastestFee: n, halfHourFee: n, hourFee: n, economyFee: n, minimumFee: n })
  .transform((f) => ({ fastestSatVb: f.fastestFee, halfHourSatVb: f.halfHourFee, hourSatVb: f.hourFee, economySatVb: f.economyFee, minimumSatVb: f.minimumFee }));

export const mempoolBlocksSchema = z.array(
  z.object({ blockSize: n, blockVSize: n, nTx: n, totalFees: n, medianFee: n, feeRange: z.array(n) }).transform((b) => ({
    txCount: b.nTx,
    vsize: Math.round(b.blockVSize),
    sizeBytes: b.blockSize,
    totalFeeSats: Math.round(b.totalFees),
    medianFeeRate: Math.round(b.medianFee * 100) / 100,
    feeRange: b.feeRange.map((x) => Math.round(x * 100) / 100),
  })),
);

export const mempoolSchema = z
  .object({ count: n, vsize: n, total_fee: n, fee_histogram: z.array(z.tuple([n, n])) })
  .transform((m) => ({ txCount: m.count, vsize: m.vsize, totalFeeSats: Math.round(m.total_fee), histogram: m.fee_histogram.map(([feeRate, vsize]) => ({ feeRate, vsize })) }));

export const blocksSchema = z.array(
  z
    .object({
      id: z.string(),
      height: n,
      timestamp: n,
      tx_count: n,
      size: n,
      weight: n,
      difficulty: n,
      stale: truthy.optional(),
      extras: z
        .object({ totalFees: n, reward: n, medianFee: n, segwitTotalTxs: n.nullish(), pool: z.object({ name: z.string(), slug: z.string().optional() }).passthrough().nullish() })
        .passthrough(),
    })
    .transform((b) => ({
      hash: b.id,
      height: b.height,
      timeSec: b.timestamp,
      txCount: b.tx_count,
      sizeBytes: b.size,
      weight: b.weight,
      totalFeeSats: b.extras.totalFees,
      rewardSats: b.extras.reward,
      medianFeeRate: b.extras.medianFee,
      /** Transactions with witness data (SegWit or Taproot spends); null from instances without it. */
      segwitTxs: b.extras.segwitTotalTxs ?? null,
      pool: b.extras.pool?.name ?? null,
      stale: b.stale ?? false,
    })),
);

export const difficultyAdjustmentSchema = z
  .object({
    progressPercent: n,
    difficultyChange: n,
    estimatedRetargetDate: n,
    remainingBlocks: n,
    remainingTime: n,
    previousRetarget: n,
    nextRetargetHeight: n,
    timeAvg: n,
  })
  .transform((d) => ({
    progressPct: d.progressPercent,
    estimatedChangePct: d.difficultyChange,
    // milliseconds upstream, seconds here
    estimatedAtSec: Math.round(d.estimatedRetargetDate / 1000),
    remainingBlocks: d.remainingBlocks,
    remainingSec: Math.round(d.remainingTime / 1000),
    previousChangePct: d.previousRetarget,
    nextHeight: d.nextRetargetHeight,
    avgBlockSec: Math.round(d.timeAvg / 100) / 10,
  }));

export const hashrateSchema = z
  .object({
    hashrates: z.array(z.object({ timestamp: n, avgHashrate: n })),
    difficulty: z.array(z.object({ time: n, height: n, difficulty: n, adjustment: n })),
    currentHashrate: n,
    currentDifficulty: n,
  })
  .transform((h) => ({
    currentHashrateHs: h.currentHashrate,
    currentDifficulty: h.currentDifficulty,
    points: h.hashrates.map((p) => ({ tsSec: p.timestamp, hashrateHs: p.avgHashrate })),
    adjustments: h.difficulty.map((d) => ({ tsSec: d.time, height: d.height, difficulty: d.difficulty, changePct: Math.round((d.adjustment - 1) * 1e6) / 1e4 })),
  }));

export const poolsSchema = z
  .object({
    pools: z.array(z.object({ name: z.string(), slug: z.string(), blockCount: n, rank: n }).passthrough()),
    blockCount: n,
    lastEstimatedHashrate: n,
  })
  .transform((p) => ({
    blockCount: p.blockCount,
    estimatedHashrateHs: p.lastEstimatedHashrate,
    pools: p.pools.map((x) => ({ rank: x.rank, name: x.name, slug: x.slug, blockCount: x.blockCount, sharePct: Math.round((x.blockCount / p.blockCount) * 10_000) / 100 })),
  }));

const lightningRow = z.object({ channel_count: n, node_count: n, total_capacity: n, tor_nodes: n, clearnet_nodes: n, unannounced_nodes: n, avg_capacity: n, med_capacity: n.nullish(), med_fee_rate: n, added: z.string() });
export const lightningSchema = z.object({ latest: lightningRow, previous: lightningRow.nullish() }).transform(({ latest, previous }) => ({
  asOfDate: latest.added.slice(0, 10),
  channels: latest.channel_count,
  nodes: latest.node_count,
  capacitySats: latest.total_capacity,
  torNodes: latest.tor_nodes,
  clearnetNodes: latest.clearnet_nodes,
  unannouncedNodes: latest.unannounced_nodes,
  avgCapacitySats: latest.avg_capacity,
  medianCapacitySats: latest.med_capacity ?? null,
  medianFeeRatePpm: latest.med_fee_rate,
  weekChange: previous
    ? { channels: latest.channel_count - previous.channel_count, nodes: latest.node_count - previous.node_count, capacitySats: latest.total_capacity - previous.total_capacity }
    : null,
}));

/** A year of weekly pool shares (0–1), one row per pool per week. */
export const poolSharesSchema = z.array(z.object({ timestamp: n, share: n.min(0).max(1), poolName: z.string() }).passthrough()).transform((rows) => rows.map((r) => ({ tsSec: r.timestamp, share: r.share, pool: r.poolName })));

/** `added` is unix seconds in the interval statistics (UNIX_TIMESTAMP(added)); an ISO string is accepted too. */
const addedSec = z.union([n, z.string().datetime({ offset: true }).transform((s) => Date.parse(s) / 1000)]);
export const lightningHistorySchema = z
  .array(z.object({ added: addedSec, total_capacity: n, avg_capacity: n, med_capacity: n.nullish() }).passthrough())
  .transform((rows) => rows.map((r) => ({ tsSec: Math.floor(r.added), capacitySats: r.total_capacity, avgCapacitySats: r.avg_capacity, medianCapacitySats: r.med_capacity ?? null })).sort((a, b) => a.tsSec - b.tsSec));

/** Whole units of fiat per BTC; -1 (a currency the instance cannot price) becomes absent. */
export const pricesSchema = z
  .object({ time: n })
  .catchall(n)
  .transform(({ time, ...rest }) => ({ tsSec: time, fiat: Object.fromEntries(Object.entries(rest).filter(([, v]) => v > 0)) as Record<string, number> }));

export const tipHeightSchema = z.number().int().nonnegative();

export function mempoolSpace(client: UpstreamClient, signal?: AbortSignal) {
  const o = { signal };
  return {
    tipHeight: () => client.getJson('/blocks/tip/height', tipHeightSchema, o),
    fees: () => client.getJson('/v1/fees/recommended', recommendedFeesSchema, o),
    projectedBlocks: () => client.getJson('/v1/fees/mempool-blocks', mempoolBlocksSchema, o),
    mempool: () => client.getJson('/mempool', mempoolSchema, o),
    blocks: () => client.getJson('/v1/blocks', blocksSchema, o),
    difficultyAdjustment: () => client.getJson('/v1/difficulty-adjustment', difficultyAdjustmentSchema, o),
    hashrate: () => client.getJson('/v1/mining/hashrate/3d', hashrateSchema, o),
    hashrateYear: () => client.getJson('/v1/mining/hashrate/1y', hashrateSchema, o),
    poolSharesYear: () => client.getJson('/v1/mining/hashrate/pools/1y', poolSharesSchema, o),
    lightningYear: () => client.getJson('/v1/lightning/statistics/1y', lightningHistorySchema, o),
    pools: () => client.getJson('/v1/mining/pools/1w', poolsSchema, o),
    lightning: () => client.getJson('/v1/lightning/statistics/latest', lightningSchema, o),
    prices: () => client.getJson('/v1/prices', pricesSchema, o),
  };
}
