// The health score's metrics worked out for each past day from public history, so a fresh install
// has the year of daily values percentile ranks need. Pure functions: each takes parsed upstream
// series and returns one value per UTC day, only for days its inputs cover (never a guess).
import { assembleScore, growthPct, momentumPct, staleCount, type MetricInput } from './score-metrics.ts';
import { hhi } from './score.ts';

export const DAY_SEC = 86_400;

export interface DayValue {
  daySec: number;
  value: number;
}

interface Pt {
  tsSec: number;
  value: number;
}

const dayOf = (tsSec: number) => Math.floor(tsSec / DAY_SEC) * DAY_SEC;

/** One value per day: the mean of the points that fall on it. */
export function daily(points: readonly Pt[]): DayValue[] {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const d = dayOf(p.tsSec);
    const s = sums.get(d) ?? { sum: 0, n: 0 };
    s.sum += p.value;
    s.n++;
    sums.set(d, s);
  }
  return [...sums].map(([daySec, s]) => ({ daySec, value: s.sum / s.n })).sort((a, b) => a.daySec - b.daySec);
}

const asPoints = (days: readonly DayValue[]): Pt[] => days.map((d) => ({ tsSec: d.daySec, value: d.value }));
const finite = (days: readonly { daySec: number; value: number | null }[]): DayValue[] => days.filter((d): d is DayValue => d.value !== null && Number.isFinite(d.value));

/** Difficulty momentum on each day the 37 days before it are covered (the live metric's own formula). */
export function momentumByDay(hashrate: readonly DayValue[]): DayValue[] {
  const pts = asPoints(hashrate);
  return finite(hashrate.map((d) => ({ daySec: d.daySec, value: momentumPct(pts, d.daySec) })));
}

/** Growth over the 30 days ending on each day (the live metric's own formula). */
export function growthByDay(values: readonly DayValue[], days = 30): DayValue[] {
  const pts = asPoints(values);
  return finite(values.map((d) => ({ daySec: d.daySec, value: growthPct(pts, d.daySec, days) })));
}

/** Two day series joined on their days through `f`. */
export function combineByDay(a: readonly DayValue[], b: readonly DayValue[], f: (a: number, b: number) => number | null): DayValue[] {
  const byDay = new Map(b.map((d) => [d.daySec, d.value]));
  return finite(a.map((d) => ({ daySec: d.daySec, value: byDay.has(d.daySec) ? f(d.value, byDay.get(d.daySec) as number) : null })));
}

/** Fees as a percentage of miner revenue (both in USD a day). */
export const feeShareByDay = (feesUsd: readonly DayValue[], revenueUsd: readonly DayValue[]) => combineByDay(feesUsd, revenueUsd, (f, r) => (r > 0 && f >= 0 && f <= r ? (f / r) * 100 : null));

/** Hashprice: a day's miner revenue in USD over the network hashrate in TH/s. */
export const hashpriceByDay = (revenueUsd: readonly DayValue[], hashrateHs: readonly DayValue[]) => combineByDay(revenueUsd, hashrateHs, (r, h) => (h > 0 ? r / (h / 1e12) : null));

/** Retargets (time, height) in time order; the height at a time by linear interpolation between them. */
export function heightAt(retargets: readonly { tsSec: number; height: number }[], tsSec: number): number | null {
  for (let i = 0; i + 1 < retargets.length; i++) {
    const a = retargets[i] as { tsSec: number; height: number };
    const b = retargets[i + 1] as { tsSec: number; height: number };
    if (tsSec >= a.tsSec && tsSec < b.tsSec) return Math.round(a.height + ((b.height - a.height) * (tsSec - a.tsSec)) / (b.tsSec - a.tsSec));
  }
  return null;
}

/** The mean block interval (minutes) of the retarget period each day falls in, for days inside a whole period. */
export function intervalByDay(retargets: readonly { tsSec: number; height: number }[], days: readonly number[]): DayValue[] {
  const sorted = [...retargets].sort((a, b) => a.tsSec - b.tsSec);
  const out: DayValue[] = [];
  for (const daySec of days) {
    const noon = daySec + DAY_SEC / 2;
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i] as { tsSec: number; height: number };
      const b = sorted[i + 1] as { tsSec: number; height: number };
      if (noon >= a.tsSec && noon < b.tsSec && b.height > a.height) out.push({ daySec, value: (b.tsSec - a.tsSec) / (b.height - a.height) / 60 });
    }
  }
  return out;
}

/** Stale heights within the 4,320 heights before each day's height (the live metric's window), for the days the list covers in full. */
export function staleByDay(retargets: readonly { tsSec: number; height: number }[], staleHeights: readonly number[], days: readonly number[]): DayValue[] {
  const sorted = [...retargets].sort((a, b) => a.tsSec - b.tsSec);
  return finite(
    days.map((daySec) => {
      const h = heightAt(sorted, daySec + DAY_SEC - 1);
      return { daySec, value: h === null ? null : staleCount(staleHeights.map((height) => ({ height })), h) };
    }),
  );
}

/**
 * Pool HHI from weekly shares: each week's index on the seven days it covers (the live metric is a
 * one-week figure too), and no further than that.
 */
export function poolHhiByDay(rows: readonly { tsSec: number; share: number }[]): DayValue[] {
  const weeks = new Map<number, number[]>();
  for (const r of rows) weeks.set(r.tsSec, [...(weeks.get(r.tsSec) ?? []), r.share]);
  const out = new Map<number, number>();
  for (const [tsSec, shares] of [...weeks].sort((a, b) => a[0] - b[0])) {
    if (shares.reduce((a, b) => a + b, 0) <= 0) continue;
    for (let d = 0; d < 7; d++) out.set(dayOf(tsSec) + d * DAY_SEC, hhi(shares));
  }
  return [...out].map(([daySec, value]) => ({ daySec, value })).sort((a, b) => a.daySec - b.daySec);
}

/**
 * The score each past day would have had: that day's metric values ranked against the year before
 * it, by the same method as the live score (assembleScore). Only days with at least one metric
 * scored get a value.
 */
export function reconstructScores(metricDays: Record<string, readonly DayValue[]>, days: readonly number[], windowDays: number): { overall: DayValue[]; pillars: Record<string, DayValue[]> } {
  const overall: DayValue[] = [];
  const pillars: Record<string, DayValue[]> = {};
  const byDay = Object.fromEntries(Object.entries(metricDays).map(([id, list]) => [id, new Map(list.map((d) => [d.daySec, d.value]))]));
  for (const daySec of days) {
    const inputs: Record<string, MetricInput> = {};
    const history: Record<string, number[]> = {};
    for (const [id, list] of Object.entries(metricDays)) {
      const value = byDay[id]?.get(daySec);
      inputs[id] = value === undefined ? { value: null, source: null, asOfMs: null, reason: 'no value that day' } : { value, source: 'history', asOfMs: daySec * 1000 };
      history[id] = list.filter((d) => d.daySec < daySec && d.daySec >= daySec - windowDays * DAY_SEC).map((d) => d.value);
    }
    const s = assembleScore(inputs, history, daySec * 1000);
    if (s.overall === null) continue;
    overall.push({ daySec, value: s.overall });
    for (const [pid, p] of Object.entries(s.pillars)) if (p.score !== null) (pillars[pid] ??= []).push({ daySec, value: p.score });
  }
  return { overall, pillars };
}
