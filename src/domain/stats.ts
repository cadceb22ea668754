// Summary statistics of a series. Pure.

export interface Summary {
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  median: number | null;
  /** Population standard deviation. */
  std: number | null;
}

const r = (x: number) => Math.round(x * 1e4) / 1e4;

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, avg: null, min: null, max: null, median: null, std: null };
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const avg = sorted.reduce((s, v) => s + v, 0) / n;
  const mid = Math.floor(n / 2);
  const median = n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const std = Math.sqrt(sorted.reduce((s, v) => s + (v - avg) ** 2, 0) / n);
  return { count: n, avg: r(avg), min: sorted[0] as number, max: sorted[n - 1] as number, median: r(median), std: r(std) };
}

/** Points grouped into hours: avg, min, max and count per hour, oldest first. */
export function hourly(points: readonly { tsSec: number; value: number }[]): { hourSec: number; avg: number; min: number; max: number; count: number }[] {
  const byHour = new Map<number, number[]>();
  for (const p of points) {
    const h = Math.floor(p.tsSec / 3600) * 3600;
    const list = byHour.get(h) ?? [];
    list.push(p.value);
    byHour.set(h, list);
  }
  return [...byHour].sort((a, b) => a[0] - b[0]).map(([hourSec, vs]) => ({ hourSec, avg: r(vs.reduce((s, v) => s + v, 0) / vs.length), min: Math.min(...vs), max: Math.max(...vs), count: vs.length }));
}
