// Pool mining, as pure functions: a worker's state and kind, the headline hashrate, and
// profitability (expected revenue from your share of the network, power cost, profit, break-even
// power price, hashprice, time to the next payout). Every figure comes with the inputs it used.
import { subsidySats } from './bitcoin.ts';

export const BLOCKS_PER_DAY = 144;
export const DAYS_PER_MONTH = 30;

export type WorkerState = 'online' | 'stale' | 'offline';
export type WorkerKind = 'asic' | 'small' | 'unknown';

/** The steady figure of a set of windows: 10 minutes where OCEAN gives it, else 5 minutes, else 60 s (shares, sorting, mini charts). */
export const steadyHashrate = (windowsHs: Record<string, number>): number => windowsHs['600'] ?? windowsHs['300'] ?? windowsHs['60'] ?? 0;

/** A worker whose last share is older than this (at the snapshot's time) is no longer online. */
export const WORKER_STALE_AFTER_SEC = 10 * 60;
/** …and offline once it is older than this, or when every window is zero. */
export const WORKER_OFFLINE_AFTER_SEC = 30 * 60;

/**
 * A worker's state by its last share relative to the snapshot time (OCEAN's clock, not ours):
 * online while shares arrive, stale when they stopped a while ago, offline after longer or when
 * it reports no hashrate at all.
 */
export function workerState(w: { windowsHs: Record<string, number>; lastShareSec: number | null }, snapSec: number): WorkerState {
  const rates = Object.values(w.windowsHs);
  const any = rates.some((r) => r > 0);
  const age = w.lastShareSec === null ? Infinity : snapSec - w.lastShareSec;
  if (!any || age > WORKER_OFFLINE_AFTER_SEC) return 'offline';
  if (age > WORKER_STALE_AFTER_SEC || !((w.windowsHs['60'] ?? w.windowsHs['300'] ?? 0) > 0)) return 'stale';
  return 'online';
}

const SMALL_NAMES = /bitaxe|nerd ?(q|axe|miner)|axe|lucky ?miner|nano ?3|compac|apollo|solo/i;
const ASIC_NAMES = /\b(s\d{1,2}[a-z]*|t\d{2}|l\d|antminer|whatsminer|m[1-6]\d[a-z+]*|avalon|a1\d{3}|auradine|teraflux|bitmain|canaan)\b|antminer|whatsminer|avalon/i;

/**
 * What a worker probably is: from its name where it says (an S19, a Bitaxe), else from its
 * hashrate (an ASIC does tens of TH/s; a Bitaxe-class miner a few TH/s or less).
 */
export function workerKind(name: string, hashrateHs: number): WorkerKind {
  const spaced = name.replace(/[-_.]/g, ' ');
  if (SMALL_NAMES.test(spaced)) return 'small';
  if (ASIC_NAMES.test(spaced)) return 'asic';
  const ths = hashrateHs / 1e12;
  if (ths >= 10) return 'asic';
  if (ths > 0 && ths < 5) return 'small';
  return 'unknown';
}

/** The window shown first: 60 s normally, 3 h below the low-hashrate threshold (a Bitaxe's 60 s figure jumps around). */
export function headlineWindow(windowsHs: Record<string, number>, lowHashrateThs: number): { windowSec: 60 | 10800; hashrateHs: number | null; lowHashrateMode: boolean } {
  const h60 = windowsHs['60'] ?? null;
  const h3h = windowsHs['10800'] ?? null;
  const reference = h3h ?? h60;
  const low = reference !== null && reference < lowHashrateThs * 1e12 && h3h !== null;
  return low ? { windowSec: 10800, hashrateHs: h3h, lowHashrateMode: true } : { windowSec: 60, hashrateHs: h60, lowHashrateMode: false };
}

export interface ProfitInputs {
  /** Your hashrate (24 h average where there is one), H/s. */
  hashrateHs: number;
  networkHashrateHs: number;
  /** The next block's height: its subsidy is what you would earn. */
  height: number;
  /** Average fees per block over the last blocks, sats. */
  avgFeesPerBlockSats: number;
  poolFeePct: number;
  /** BTC price in USD, when known. */
  priceUsd: number | null;
  powerWatts: number;
  powerPriceKwhUsd: number;
}

export interface Profitability {
  inputs: ProfitInputs & { subsidySats: number; shareOfNetwork: number };
  revenueSatsPerDay: number;
  revenueUsdPerDay: number | null;
  powerKwhPerDay: number;
  powerCostUsdPerDay: number;
  profitUsdPerDay: number | null;
  profitUsdPerMonth: number | null;
  /** The power price at which profit is zero (USD per kWh); null without power use or price. */
  breakEvenUsdPerKwh: number | null;
  /** Revenue per TH/s per day before the pool fee: sats and USD. */
  hashpriceSatsPerThDay: number;
  hashpriceUsdPerThDay: number | null;
}

/**
 * Expected revenue from your share of the network: hashrate / network × (subsidy at the height +
 * average fees per block) × 144 blocks a day, less the pool fee; then power and profit.
 */
export function profitability(i: ProfitInputs): Profitability {
  const subsidy = subsidySats(i.height);
  const reward = subsidy + Math.max(0, i.avgFeesPerBlockSats);
  const share = i.networkHashrateHs > 0 ? Math.max(0, i.hashrateHs) / i.networkHashrateHs : 0;
  const keep = 1 - Math.min(100, Math.max(0, i.poolFeePct)) / 100;
  const revenueSatsPerDay = share * reward * BLOCKS_PER_DAY * keep;
  const usd = (sats: number) => (i.priceUsd === null ? null : (sats / 1e8) * i.priceUsd);
  const powerKwhPerDay = (Math.max(0, i.powerWatts) / 1000) * 24;
  const powerCostUsdPerDay = powerKwhPerDay * Math.max(0, i.powerPriceKwhUsd);
  const revenueUsdPerDay = usd(revenueSatsPerDay);
  const profitUsdPerDay = revenueUsdPerDay === null ? null : revenueUsdPerDay - powerCostUsdPerDay;
  const hashpriceSatsPerThDay = i.networkHashrateHs > 0 ? (1e12 / i.networkHashrateHs) * reward * BLOCKS_PER_DAY : 0;
  return {
    inputs: { ...i, subsidySats: subsidy, shareOfNetwork: share },
    revenueSatsPerDay,
    revenueUsdPerDay,
    powerKwhPerDay,
    powerCostUsdPerDay,
    profitUsdPerDay,
    profitUsdPerMonth: profitUsdPerDay === null ? null : profitUsdPerDay * DAYS_PER_MONTH,
    breakEvenUsdPerKwh: revenueUsdPerDay !== null && powerKwhPerDay > 0 ? revenueUsdPerDay / powerKwhPerDay : null,
    hashpriceSatsPerThDay,
    hashpriceUsdPerThDay: usd(hashpriceSatsPerThDay),
  };
}

/** Days until the unpaid balance reaches the payout threshold at the current rate; 0 when it has, null when nothing accrues. */
export function daysToPayout(unpaidSats: number, thresholdSats: number, earnSatsPerDay: number): number | null {
  if (unpaidSats >= thresholdSats) return 0;
  if (!(earnSatsPerDay > 0)) return null;
  return (thresholdSats - unpaidSats) / earnSatsPerDay;
}

/** Your share of each block the pool found in the window: what you earned from it over its total reward. */
export function shareOfBlocks(blocks: readonly { hash: string; rewardSats: number | null }[], earnings: readonly { blockHash: string; earnedSats: number }[]): Map<string, { earnedSats: number; sharePct: number | null }> {
  const earned = new Map(earnings.map((e) => [e.blockHash, e.earnedSats]));
  const out = new Map<string, { earnedSats: number; sharePct: number | null }>();
  for (const b of blocks) {
    const e = earned.get(b.hash);
    if (e === undefined) continue;
    out.set(b.hash, { earnedSats: e, sharePct: b.rewardSats ? (e / b.rewardSats) * 100 : null });
  }
  return out;
}

/** Workers whose hashrate is kept in history (the busiest first): a mini chart each; more would only grow history. */
export const MAX_WORKER_SERIES = 200;
