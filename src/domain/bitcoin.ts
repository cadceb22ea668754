// Consensus arithmetic and unit conversions. Pure: no I/O, no clock (callers pass `nowSec`).

export const SATS_PER_BTC = 100_000_000;
export const HALVING_INTERVAL = 210_000;
export const RETARGET_INTERVAL = 2016;
export const TARGET_BLOCK_SEC = 600;
const INITIAL_SUBSIDY_SATS = 50 * SATS_PER_BTC;

/** BTC as a JSON number with up to 8 decimals -> integer sats (rounded, so 0.1 + 0.2 drift is gone). */
export function btcToSats(btc: number): number {
  return Math.round(btc * SATS_PER_BTC);
}

/** Bitcoin Core and Electrum fee rates are BTC per 1000 vB; 0.00001 BTC/kvB = 1 sat/vB. */
export function btcPerKvbToSatPerVb(btcPerKvb: number): number {
  return Math.round(btcPerKvb * 100_000 * 1000) / 1000;
}

/** Blocks between halvings: 210,000 on every chain but regtest, where Core and bcoin use 150. */
export function halvingInterval(chain: string): number {
  return chain === 'regtest' ? 150 : HALVING_INTERVAL;
}

export function subsidySats(height: number, interval: number = HALVING_INTERVAL): number {
  const era = Math.floor(height / interval);
  // After 64 halvings the shift would wrap; Core returns 0 from there.
  return era >= 64 ? 0 : Math.floor(INITIAL_SUBSIDY_SATS / 2 ** era);
}

/**
 * Circulating supply at a tip height, in sats, by the convention Blockchain.com's totalbc and
 * most explorers use: the subsidies of `height` blocks, 0..height-1 (19,687,500 BTC at the
 * 840,000 halving; 20,039,321.875 BTC at 952583). Keeping it lets node and public values agree.
 */
export function supplySats(height: number, interval: number = HALVING_INTERVAL): number {
  let total = 0;
  let remaining = height;
  for (let era = 0; remaining > 0 && era < 64; era++) {
    const blocks = Math.min(remaining, interval);
    total += blocks * subsidySats(era * interval, interval);
    remaining -= blocks;
  }
  return total;
}

export interface HalvingInfo {
  nextHeight: number;
  blocksLeft: number;
  estimatedAtSec: number;
  subsidyNowSats: number;
  subsidyAfterSats: number;
}

export function nextHalving(height: number, nowSec: number, avgBlockSec = TARGET_BLOCK_SEC, interval: number = HALVING_INTERVAL): HalvingInfo {
  const nextHeight = (Math.floor(height / interval) + 1) * interval;
  const blocksLeft = nextHeight - height;
  return {
    nextHeight,
    blocksLeft,
    estimatedAtSec: Math.round(nowSec + blocksLeft * avgBlockSec),
    subsidyNowSats: subsidySats(height, interval),
    subsidyAfterSats: subsidySats(nextHeight, interval),
  };
}

export interface RetargetInfo {
  epochStartHeight: number;
  nextHeight: number;
  blocksLeft: number;
  progressPct: number;
  avgBlockSec: number;
  estimatedAtSec: number;
  /** Expected difficulty change at the retarget, percent, within Core's ×4 / ÷4 clamp. */
  estimatedChangePct: number;
}

/**
 * The next difficulty adjustment, from the tip and the first block of the current epoch.
 * With no block yet past the epoch start the target spacing is assumed.
 */
export function nextRetarget(tipHeight: number, tipTimeSec: number, epochStartTimeSec: number, nowSec: number): RetargetInfo {
  const epochStartHeight = Math.floor(tipHeight / RETARGET_INTERVAL) * RETARGET_INTERVAL;
  const nextHeight = epochStartHeight + RETARGET_INTERVAL;
  const mined = tipHeight - epochStartHeight;
  const avgBlockSec = mined > 0 ? Math.max(1, (tipTimeSec - epochStartTimeSec) / mined) : TARGET_BLOCK_SEC;
  const blocksLeft = nextHeight - tipHeight;
  const ratio = Math.min(4, Math.max(0.25, TARGET_BLOCK_SEC / avgBlockSec));
  return {
    epochStartHeight,
    nextHeight,
    blocksLeft,
    progressPct: Math.round((mined / RETARGET_INTERVAL) * 10_000) / 100,
    avgBlockSec: Math.round(avgBlockSec * 10) / 10,
    estimatedAtSec: Math.round(nowSec + blocksLeft * avgBlockSec),
    estimatedChangePct: Math.round((ratio - 1) * 10_000) / 100,
  };
}

/** Network hashrate implied by a difficulty at the target spacing: D × 2^32 / 600 s, in H/s. */
export function hashrateFromDifficulty(difficulty: number, blockSec = TARGET_BLOCK_SEC): number {
  return (difficulty * 2 ** 32) / blockSec;
}

/** Compact `bits` as Core prints it (hex string) or as bcoin does (a number) -> 8-digit hex. */
export function normalizeBits(bits: string | number): string {
  return typeof bits === 'number' ? bits.toString(16).padStart(8, '0') : bits.toLowerCase();
}

/** Nearest-rank percentiles of `values` (any order); empty input gives nulls. */
export function percentiles(values: readonly number[], ps: readonly number[]): (number | null)[] {
  if (values.length === 0) return ps.map(() => null);
  const sorted = [...values].sort((a, b) => a - b);
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null);
}
