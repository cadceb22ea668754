// Fee tiles as mempool.space shows them (no priority, low, medium, high), from your node's
// estimates or mempool.space's recommendation, with what a typical transaction costs at each rate;
// and the fee histogram's model (bars per fee band, axes, colour by the block they would fit in),
// the same on the server and in the browser.
import { FEE_BUCKETS } from './mempool.ts';

/** Virtual sizes of typical transactions: a 1-input 2-output P2WPKH payment, and a 2-in-2-out one. */
export const TYPICAL_TX_VB = [
  { id: 'simple', label: '1-in 2-out segwit', vbytes: 140 },
  { id: 'two', label: '2-in 2-out segwit', vbytes: 209 },
] as const;

export type TierId = 'none' | 'low' | 'medium' | 'high';

export interface FeeTier {
  id: TierId;
  label: string;
  /** What the rate aims at, e.g. "next block", "within 6 blocks". */
  aim: string;
  satVb: number | null;
  /** The live path (SSE "type.path") the rate comes from. */
  live: string;
  /** Why there is no rate (the node's own words). */
  note?: string;
  /** The rate is read from the mempool's projected blocks (the node has no estimate for it yet). */
  fromMempool?: boolean;
}

/**
 * The rate a transaction needs to be in projected block `index` (0 = the next): beat the lowest
 * rate in that block while the blocks up to it are full (a later block exists), else the mempool's
 * minimum is enough. As mempool.space reads its recommendation from its projected blocks.
 */
export function rateForBlock(projected: readonly { minFeeRate: number }[], index: number, floorSatVb: number): number {
  const block = projected[index];
  return block !== undefined && projected.length > index + 1 ? Math.max(floorSatVb, block.minFeeRate) : floorSatVb;
}

/**
 * Tiers from your node's estimatesmartfee targets (1, 3, 6, 144 blocks). A target the node has no
 * estimate for yet (a fresh node, a quiet chain) is read from your mempool's projected blocks
 * when they are given, and marked so.
 */
export function tiersFromNode(
  estimates: readonly { targetBlocks: number; feeRateSatVb: number | null; note?: string | null }[],
  mempoolMinSatVb: number | null,
  projected?: readonly { minFeeRate: number }[],
): FeeTier[] {
  const blockOf: Record<number, number> = { 1: 0, 3: 2, 6: 5 };
  const at = (target: number) => {
    const i = estimates.findIndex((e) => e.targetBlocks === target);
    const e = estimates[i];
    const block = blockOf[target];
    if ((e?.feeRateSatVb ?? null) === null && projected && block !== undefined) {
      return { satVb: rateForBlock(projected, block, mempoolMinSatVb ?? 1), live: '', fromMempool: true, note: `from your mempool: ${e?.note ?? 'the node has no estimate yet'}` };
    }
    return { satVb: e?.feeRateSatVb ?? null, live: i === -1 ? '' : `fees.estimates.${i}.feeRateSatVb`, ...(e?.note ? { note: e.note } : {}) };
  };
  const day = at(144);
  return [
    { id: 'none', label: 'No priority', aim: 'within a day', ...(day.satVb === null && mempoolMinSatVb !== null ? { satVb: mempoolMinSatVb, live: 'fees.mempoolMinSatVb' } : day) },
    { id: 'low', label: 'Low priority', aim: 'within 6 blocks', ...at(6) },
    { id: 'medium', label: 'Medium priority', aim: 'within 3 blocks', ...at(3) },
    { id: 'high', label: 'High priority', aim: 'next block', ...at(1) },
  ];
}

/** Tiers from mempool.space's /v1/fees/recommended, as its own tiles map them. */
export function tiersFromPublic(f: { fastestSatVb?: number; halfHourSatVb?: number; hourSatVb?: number; economySatVb?: number } | null | undefined): FeeTier[] {
  const live = (k: string) => `public-mempool.fees.${k}`;
  return [
    { id: 'none', label: 'No priority', aim: 'when blocks have room', satVb: f?.economySatVb ?? null, live: live('economySatVb') },
    { id: 'low', label: 'Low priority', aim: 'within an hour', satVb: f?.hourSatVb ?? null, live: live('hourSatVb') },
    { id: 'medium', label: 'Medium priority', aim: 'within half an hour', satVb: f?.halfHourSatVb ?? null, live: live('halfHourSatVb') },
    { id: 'high', label: 'High priority', aim: 'next block', satVb: f?.fastestSatVb ?? null, live: live('fastestSatVb') },
  ];
}

/** The fee of a transaction of `vbytes` at `satVb`, in satoshis (rounded up, as wallets pay). */
export function txFeeSats(satVb: number, vbytes: number): number {
  return Math.ceil(satVb * vbytes);
}

/** Public histograms come as [rate, vsize] steps, highest rate first: summed into the node's fee bands. */
export function bucketize(steps: readonly { feeRate: number; vsize: number }[], buckets: readonly number[] = FEE_BUCKETS): { feeRate: number; vsize: number }[] {
  // From 0, as the node's histogram: a rate below the first bound is not lumped into it.
  const bounds = buckets[0] === 0 ? buckets : [0, ...buckets];
  const out = bounds.map((feeRate) => ({ feeRate, vsize: 0 }));
  for (const s of steps) {
    if (!(s.vsize > 0) || !Number.isFinite(s.feeRate)) continue;
    let i = bounds.length - 1;
    while (i > 0 && s.feeRate < (bounds[i] as number)) i--;
    (out[i] as { vsize: number }).vsize += s.vsize;
  }
  return out;
}

export type Band = 'next' | 'soon' | 'later';

export interface HistogramModel {
  /** One bar per fee band from the lowest to the highest rate that has any vsize (gaps kept, so the axis reads evenly). */
  bars: { feeRate: number; upTo: number | null; vsize: number; band: Band; x: number; y: number; w: number; h: number }[];
  /** Top of the y axis (a round number of vB); on the square-root scale, half the height is yMax / 4. */
  yMax: number;
  totalVsize: number;
}

/** A round axis top at or above v: 1, 2 or 5 times a power of ten. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Bars in a width × height box. Colour by the block a band would be mined in, filling blocks of
 * `blockVsize` from the highest rate down: the next block, the two after it, or later.
 */
export function histogramModel(buckets: readonly { feeRate: number; vsize: number }[], width: number, height: number, blockVsize = 1_000_000): HistogramModel {
  const sorted = [...buckets].sort((a, b) => a.feeRate - b.feeRate);
  const first = sorted.findIndex((b) => b.vsize > 0);
  let last = sorted.length - 1;
  while (last >= 0 && !((sorted[last] as { vsize: number }).vsize > 0)) last--;
  const shown = first === -1 ? [] : sorted.slice(first, last + 1);
  const totalVsize = shown.reduce((n, b) => n + b.vsize, 0);
  // Headroom above the tallest bar, so no bar looks cut off at the top of the axis.
  const yMax = niceCeil(Math.max(0, ...shown.map((b) => b.vsize)) * 1.05);
  const w = shown.length ? width / shown.length : 0;
  // Higher rates are mined first: a band is coloured by the block its middle would land in.
  let above = 0;
  const bands = new Map<number, Band>();
  for (const b of [...shown].reverse()) {
    const mid = above + b.vsize / 2;
    bands.set(b.feeRate, mid < blockVsize ? 'next' : mid < 3 * blockVsize ? 'soon' : 'later');
    above += b.vsize;
  }
  return {
    yMax,
    totalVsize,
    bars: shown.map((b, i) => {
      // A square-root scale: one huge low-fee band does not flatten the others (the axis says so).
      const h = b.vsize > 0 ? Math.max(1, Math.round(Math.sqrt(b.vsize / yMax) * height * 10) / 10) : 0;
      return { feeRate: b.feeRate, upTo: shown[i + 1]?.feeRate ?? null, vsize: b.vsize, band: bands.get(b.feeRate) ?? 'later', x: Math.round(i * w * 10) / 10, y: Math.round((height - h) * 10) / 10, w: Math.max(1, Math.round((w - 2) * 10) / 10), h };
    }),
  };
}
