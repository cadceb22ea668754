// A series at a resolution: raw points, or hourly or daily means. The newest buckets are not
// rolled up yet (compaction closes whole hours and days): they are made from the finer data after
// the last rollup, so the series reaches now at one resolution. Charts and the health score read
// history through this.
import { bucketMeans, type Resolution } from '../../domain/charts.ts';
import type { History } from './history.ts';

const BUCKET_SEC = { hour: 3600, day: 86_400 } as const;
const RAW_KEPT_SEC = 7 * 86_400;

export async function readSeries(history: History, series: string, fromSec: number, toSec: number, resolution: Resolution): Promise<{ t: number[]; v: number[] }> {
  if (resolution === 'raw') {
    const pts = await history.rawPoints(series, fromSec, toSec);
    return { t: pts.map((p) => p.tsSec), v: pts.map((p) => p.value) };
  }
  const agg = await history.aggregates(resolution, series, fromSec, toSec);
  const t = agg.map((p) => p.tsSec);
  const v = agg.map((p) => p.avg);
  const after = (agg.at(-1)?.tsSec ?? fromSec - BUCKET_SEC[resolution]) + BUCKET_SEC[resolution];
  const tail: { t: number[]; v: number[] } = { t: [], v: [] };
  let rawFrom = after;
  if (resolution === 'day') {
    const hours = await history.aggregates('hour', series, after, toSec);
    for (const h of hours) {
      tail.t.push(h.tsSec);
      tail.v.push(h.avg);
    }
    rawFrom = Math.max(rawFrom, (hours.at(-1)?.tsSec ?? after - 3600) + 3600);
  }
  const raw = await history.rawPoints(series, Math.max(rawFrom, toSec - RAW_KEPT_SEC), toSec);
  for (const p of raw) {
    tail.t.push(p.tsSec);
    tail.v.push(p.value);
  }
  const joined = bucketMeans(tail.t, tail.v, BUCKET_SEC[resolution]);
  return { t: [...t, ...joined.t], v: [...v, ...joined.v] };
}

/** The same as points. */
export async function readPoints(history: History, series: string, fromSec: number, toSec: number, resolution: Resolution): Promise<{ tsSec: number; value: number }[]> {
  const s = await readSeries(history, series, fromSec, toSec, resolution);
  return s.t.map((t, i) => ({ tsSec: t, value: s.v[i] as number }));
}
