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
