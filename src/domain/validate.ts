// Range and consistency checks on upstream values. A value that fails is rejected (counted per
// source as UPSTREAM_OUT_OF_RANGE) and the last good value stays.
import { SatscopeError } from '../errors.ts';

export const PRICE_USD_RANGE = [100, 10_000_000] as const;
export const MAX_SUPPLY_SATS = 21_000_000 * 100_000_000;
/** Deeper than any reorg seen since 2013: a tip further back than this is an upstream fault. */
export const MAX_REORG_DEPTH = 6;

export function checkRange(what: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SatscopeError('UPSTREAM_OUT_OF_RANGE', `${what} ${value} is outside ${min}..${max}`, { details: { what, value, min, max } });
  }
  return value;
}

export const checkPriceUsd = (what: string, usd: number) => checkRange(what, usd, PRICE_USD_RANGE[0], PRICE_USD_RANGE[1]);
export const checkFeeRate = (what: string, satVb: number) => checkRange(what, satVb, 0, 100_000);
export const checkSupplySats = (what: string, sats: number) => checkRange(what, sats, 0, MAX_SUPPLY_SATS);

/** A height may go up by any amount, but down only within a reorg's depth. */
export function checkHeight(what: string, height: number, previous: number | undefined): number {
  checkRange(what, height, 0, 100_000_000);
  if (previous !== undefined && height < previous - MAX_REORG_DEPTH) {
    throw new SatscopeError('UPSTREAM_OUT_OF_RANGE', `${what} went back from ${previous} to ${height}`, { details: { what, value: height, previous } });
  }
  return height;
}
