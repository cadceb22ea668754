// Shaping series for display: downsampling to what a chart can show, and the geometry of the
// mempool fee histogram. Pure, shared by the server (first paint, chart endpoints) and browser.

/**
 * Largest-Triangle-Three-Buckets: keeps `threshold` points that preserve the visual shape
 * (peaks survive, unlike averaging). Timestamps must be ascending.
 */
export function downsample(t: readonly number[], v: readonly number[], threshold: number): { t: number[]; v: number[] } {
  const n = t.length;
  if (threshold >= n || threshold < 3) return { t: [...t], v: [...v] };
  const outT = [t[0] as number];
  const outV = [v[0] as number];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgT = 0;
    let avgV = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgT += t[j] as number;
      avgV += v[j] as number;
    }
    const len = Math.max(1, nextEnd - nextStart);
    avgT /= len;
    avgV /= len;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs(((t[a] as number) - avgT) * ((v[j] as number) - (v[a] as number)) - ((t[a] as number) - (t[j] as number)) * (avgV - (v[a] as number)));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    outT.push(t[best] as number);
    outV.push(v[best] as number);
    a = best;
  }
  outT.push(t[n - 1] as number);
  outV.push(v[n - 1] as number);
  return { t: outT, v: outV };
}

/** The resolution a chart range is drawn at: minute points for a day, hourly for a week, daily beyond. */
export type Resolution = 'raw' | 'hour' | 'day';

export function resolutionFor(rangeSec: number): Resolution {
  return rangeSec <= 86_400 ? 'raw' : rangeSec <= 7 * 86_400 ? 'hour' : 'day';
}

/**
 * The mean of the points in each bucket of `bucketSec` (aligned to the epoch), stamped with the
 * bucket's start: how the newest points, not rolled up yet, join an hourly or daily line.
 */
export function bucketMeans(t: readonly number[], v: readonly number[], bucketSec: number): { t: number[]; v: number[] } {
  const out = { t: [] as number[], v: [] as number[] };
  let bucket = Number.NaN;
  let sum = 0;
  let n = 0;
  const flush = () => {
    if (n > 0) {
      out.t.push(bucket);
      out.v.push(sum / n);
    }
  };
  for (let i = 0; i < t.length; i++) {
    const b = Math.floor((t[i] as number) / bucketSec) * bucketSec;
    if (b !== bucket) {
      flush();
      bucket = b;
      sum = 0;
      n = 0;
    }
    sum += v[i] as number;
    n++;
  }
  flush();
  return out;
}

/**
 * A sparkline's polyline in a `width` × `height` box: time along x, the value's own span along y
 * (top is the highest). Points one unit apart in x at most, rounded to a tenth: a few hundred bytes.
 */
export function sparkPoints(t: readonly number[], v: readonly number[], width: number, height: number): string {
  if (t.length < 2) return '';
  const t0 = t[0] as number;
  const spanT = (t.at(-1) as number) - t0 || 1;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const spanV = max - min;
  const out: string[] = [];
  let lastX = -1;
  for (let i = 0; i < t.length; i++) {
    const x = Math.round((((t[i] as number) - t0) / spanT) * width * 10) / 10;
    const crowded = x - lastX < 1;
    if (crowded && i !== t.length - 1) continue;
    // The newest point always ends the line, in place of a point too close before it.
    if (crowded) out.pop();
    lastX = x;
    // A flat series is a line through the middle.
    const y = spanV === 0 ? height / 2 : Math.round((1 - ((v[i] as number) - min) / spanV) * height * 10) / 10;
    out.push(`${x},${y}`);
  }
  return out.join(' ');
}

/**
 * Breaks a line where data is missing: a null after any point followed by a gap longer than
 * `factor` steps (the resolution's bucket, or the median spacing of raw points), so a chart never
 * draws a straight line across months without data.
 */
export function withGaps(t: readonly number[], v: readonly number[], resolution: Resolution, factor = 2.5): { t: number[]; v: (number | null)[] } {
  let step: number;
  if (resolution === 'hour') step = 3600;
  else if (resolution === 'day') step = 86_400;
  else {
    const diffs = t.slice(1).map((x, i) => x - (t[i] as number)).sort((a, b) => a - b);
    step = diffs[Math.floor(diffs.length / 2)] ?? 60;
  }
  const out = { t: [] as number[], v: [] as (number | null)[] };
  for (let i = 0; i < t.length; i++) {
    const ti = t[i] as number;
    const prev = out.t.at(-1);
    if (prev !== undefined && ti - prev > factor * step) {
      out.t.push(prev + step);
      out.v.push(null);
    }
    out.t.push(ti);
    out.v.push(v[i] as number);
  }
  return out;
}
