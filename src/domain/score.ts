// The network health score: each metric scored by its percentile rank within its own history (a
// rolling 365 days of daily values), in the direction declared beside it; a pillar is the weighted
// mean of its metrics that have enough history, the overall score the weighted mean of the pillars
// that have any. A metric with too little history is left out and says so: never guessed.
import { z } from 'zod';

export type Direction = { kind: 'higher' } | { kind: 'lower' } | { kind: 'band'; low: number; high: number };

export const PILLARS = {
  security: { weight: 0.3, title: 'Security and mining economics' },
  decentralization: { weight: 0.25, title: 'Decentralization' },
  throughput: { weight: 0.15, title: 'Throughput and mempool' },
  adoption: { weight: 0.15, title: 'Adoption' },
  lightning: { weight: 0.15, title: 'Lightning' },
} as const;
export type PillarId = keyof typeof PILLARS;
export const PILLAR_IDS = Object.keys(PILLARS) as PillarId[];

/** Days of history a metric needs before it is scored. */
export const MIN_HISTORY_DAYS = 30;
/** The window its percentile is taken over. */
export const WINDOW_DAYS = 365;

export const HEALTHY_AT = 75;
export const DEGRADED_AT = 50;
export type ScoreStatus = 'healthy' | 'degraded' | 'critical';

export function scoreStatus(score: number): ScoreStatus {
  return score >= HEALTHY_AT ? 'healthy' : score >= DEGRADED_AT ? 'degraded' : 'critical';
}

/**
 * Where `value` falls among `sample`, 0–100: the share of values below it, with ties counted
 * half (the mid-rank), so a value equal to every sample is at 50 and the extremes approach 0 and 100.
 */
export function percentileRank(sample: readonly number[], value: number): number {
  if (sample.length === 0) return 50;
  let below = 0;
  let equal = 0;
  for (const s of sample) {
    if (s < value) below++;
    else if (s === value) equal++;
  }
  return ((below + equal / 2) / sample.length) * 100;
}

/** How far a value lies outside a band (0 inside it). */
export const bandDistance = (value: number, low: number, high: number) => (value < low ? low - value : value > high ? value - high : 0);

/**
 * A metric's score, 0–100, from its percentile within its history: higher-better scores the
 * rank itself, lower-better its complement; a target band scores 100 inside it and, outside,
 * by how the distance to the band ranks among the history's own distances (further is worse).
 */
export function metricScore(history: readonly number[], value: number, direction: Direction): { percentile: number; score: number } {
  const percentile = percentileRank(history, value);
  if (direction.kind === 'higher') return { percentile, score: percentile };
  if (direction.kind === 'lower') return { percentile, score: 100 - percentile };
  const d = bandDistance(value, direction.low, direction.high);
  if (d === 0) return { percentile, score: 100 };
  const distances = history.map((h) => bandDistance(h, direction.low, direction.high));
  return { percentile, score: 100 - percentileRank(distances, d) };
}

/** The weighted mean of the items that have a score, weights renormalized over them; null when none has. */
export function weightedMean(items: readonly { score: number | null; weight: number }[]): number | null {
  let sum = 0;
  let weight = 0;
  for (const i of items) {
    if (i.score === null || !Number.isFinite(i.score) || !(i.weight > 0)) continue;
    sum += i.score * i.weight;
    weight += i.weight;
  }
  return weight > 0 ? sum / weight : null;
}

/** Shannon entropy in bits of a distribution given by counts. */
export function entropyBits(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + Math.max(0, b), 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const c of counts) {
    if (c <= 0) continue;
    const p = c / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Herfindahl–Hirschman index of shares given as counts, 0–10,000 (10,000: one holder of everything). */
export function hhi(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + Math.max(0, b), 0);
  if (total <= 0) return 0;
  return counts.reduce((sum, c) => sum + ((Math.max(0, c) / total) * 100) ** 2, 0);
}

/** Pearson correlation of two equally long series; null with fewer than 3 pairs or no variance. */
export function correlation(x: readonly number[], y: readonly number[]): number | null {
  const n = Math.min(x.length, y.length);
  if (n < 3) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

export interface SeriesStats {
  min: number;
  max: number;
  mean: number;
  median: number;
  std_dev: number;
  latest: number;
}

/** Statistics of a series (population standard deviation); null when it is empty. */
export function seriesStats(values: readonly number[]): SeriesStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  return { min: sorted[0] as number, max: sorted[n - 1] as number, mean, median, std_dev: Math.sqrt(variance), latest: values[n - 1] as number };
}

/** Linear interpolation percentile (0–100) of a sample, as spreadsheets compute it. */
export function percentileOf(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}


export const metricResultSchema = z.object({
  value: z.number().nullable(),
  unit: z.string(),
  percentile: z.number().nullable(),
  score: z.number().nullable(),
  direction: z.enum(['higher-better', 'lower-better', 'target-band']),
  band: z.tuple([z.number(), z.number()]).optional(),
  weight: z.number(),
  historyDays: z.number(),
  asOf: z.string().nullable(),
  source: z.string().nullable(),
  reason: z.string().optional(),
});
export type MetricResult = z.infer<typeof metricResultSchema>;

export const scoreSnapshotSchema = z.object({
  asOfMs: z.number(),
  overall: z.number().nullable(),
  status: z.enum(['healthy', 'degraded', 'critical', 'unknown']),
  pillars: z.record(z.object({ title: z.string(), score: z.number().nullable(), weight: z.number(), status: z.enum(['healthy', 'degraded', 'critical', 'unknown']), metrics: z.record(metricResultSchema) })),
  /** When each input source last gave data (ms). */
  freshness: z.record(z.number()),
});
export type ScoreSnapshot = z.infer<typeof scoreSnapshotSchema>;

export const directionName = (d: Direction): MetricResult['direction'] => (d.kind === 'higher' ? 'higher-better' : d.kind === 'lower' ? 'lower-better' : 'target-band');
