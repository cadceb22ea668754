// Retention: raw points 7 days, hourly aggregates 2 years, daily aggregates forever.
// Rollups are recomputed from the finer table for every bucket since the last watermark (minus
// one bucket, for late points), so running compaction twice gives the same tables.
import type { SqlExecutor } from '../driver.ts';
import { selectSetting, upsertSetting } from './settings.ts';

export const HOUR_SEC = 3600;
export const DAY_SEC = 86_400;

export interface RetentionPolicy {
  rawSec: number;
  hourlySec: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { rawSec: 7 * DAY_SEC, hourlySec: 730 * DAY_SEC };

export interface CompactionResult {
  hourlyUpserted: number;
  dailyUpserted: number;
  rawDeleted: number;
  hourlyDeleted: number;
}

const WATERMARK_HOURLY = 'compaction.hourly_watermark_sec';
const WATERMARK_DAILY = 'compaction.daily_watermark_sec';

async function watermark(db: SqlExecutor, key: string, fallback: () => Promise<number | undefined>): Promise<number | undefined> {
  const stored = await selectSetting(db, key);
  return stored !== undefined ? Number(JSON.parse(stored)) : fallback();
}

async function minTs(db: SqlExecutor, table: string): Promise<number | undefined> {
  const [row] = await db.all<{ m: number | null }>(`SELECT MIN(ts) AS m FROM ${table}`);
  return row?.m === null || row?.m === undefined ? undefined : Number(row.m);
}

interface RollUp {
  watermarkKey: string;
  bucketSec: number;
  /** Only buckets that ended before this are rolled up. */
  endSec: number;
  from: 'points' | 'points_hourly';
  into: 'points_hourly' | 'points_daily';
  /** avg, min, max, count over the source rows of one bucket. */
  aggregates: string;
}

/** Recomputes the aggregates of every complete bucket since the watermark; returns rows written. */
async function rollUp(db: SqlExecutor, nowSec: number, r: RollUp): Promise<number> {
  const start = await watermark(db, r.watermarkKey, () => minTs(db, r.from));
  if (start === undefined || start - r.bucketSec >= r.endSec) return 0;
  const from = Math.floor(start / r.bucketSec) * r.bucketSec - r.bucketSec;
  const { changes } = await db.run(
    `INSERT INTO ${r.into} (series, ts, avg, min, max, count)
     SELECT series, (ts / ${r.bucketSec}) * ${r.bucketSec} AS bucket, ${r.aggregates}
     FROM ${r.from} WHERE ts >= ? AND ts < ? GROUP BY series, bucket
     ON CONFLICT (series, ts) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count`,
    [from, r.endSec],
  );
  await upsertSetting(db, r.watermarkKey, JSON.stringify(r.endSec), nowSec);
  return changes;
}

export async function compactPoints(db: SqlExecutor, nowSec: number, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<CompactionResult> {
  const hourEnd = Math.floor(nowSec / HOUR_SEC) * HOUR_SEC; // only complete hours
  const dayEnd = Math.floor(nowSec / DAY_SEC) * DAY_SEC;
  const result: CompactionResult = { hourlyUpserted: 0, dailyUpserted: 0, rawDeleted: 0, hourlyDeleted: 0 };

  result.hourlyUpserted = await rollUp(db, nowSec, {
    watermarkKey: WATERMARK_HOURLY,
    bucketSec: HOUR_SEC,
    endSec: hourEnd,
    from: 'points',
    into: 'points_hourly',
    aggregates: 'AVG(value), MIN(value), MAX(value), COUNT(*)',
  });
  result.dailyUpserted = await rollUp(db, nowSec, {
    watermarkKey: WATERMARK_DAILY,
    bucketSec: DAY_SEC,
    endSec: dayEnd,
    from: 'points_hourly',
    into: 'points_daily',
    // The day's mean is the hours' means weighted by their counts.
    aggregates: 'SUM(avg * count) / SUM(count), MIN(min), MAX(max), SUM(count)',
  });

  result.rawDeleted = (await db.run('DELETE FROM points WHERE ts < ?', [nowSec - policy.rawSec])).changes;
  result.hourlyDeleted = (await db.run('DELETE FROM points_hourly WHERE ts < ?', [nowSec - policy.hourlySec])).changes;
  return result;
}
