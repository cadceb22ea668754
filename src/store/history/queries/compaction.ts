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

export async function compactPoints(db: SqlExecutor, nowSec: number, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<CompactionResult> {
  const hourEnd = Math.floor(nowSec / HOUR_SEC) * HOUR_SEC; // only complete hours
  const dayEnd = Math.floor(nowSec / DAY_SEC) * DAY_SEC;
  const result: CompactionResult = { hourlyUpserted: 0, dailyUpserted: 0, rawDeleted: 0, hourlyDeleted: 0 };

  const hourStart = await watermark(db, WATERMARK_HOURLY, () => minTs(db, 'points'));
  if (hourStart !== undefined && hourStart - HOUR_SEC < hourEnd) {
    const from = Math.floor(hourStart / HOUR_SEC) * HOUR_SEC - HOUR_SEC;
    result.hourlyUpserted = (
      await db.run(
        `INSERT INTO points_hourly (series, ts, avg, min, max, count)
         SELECT series, (ts / ${HOUR_SEC}) * ${HOUR_SEC} AS bucket, AVG(value), MIN(value), MAX(value), COUNT(*)
         FROM points WHERE ts >= ? AND ts < ? GROUP BY series, bucket
         ON CONFLICT (series, ts) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count`,
        [from, hourEnd],
      )
    ).changes;
    await upsertSetting(db, WATERMARK_HOURLY, JSON.stringify(hourEnd), nowSec);
  }

  const dayStart = await watermark(db, WATERMARK_DAILY, () => minTs(db, 'points_hourly'));
  if (dayStart !== undefined && dayStart - DAY_SEC < dayEnd) {
    const from = Math.floor(dayStart / DAY_SEC) * DAY_SEC - DAY_SEC;
    result.dailyUpserted = (
      await db.run(
        `INSERT INTO points_daily (series, ts, avg, min, max, count)
         SELECT series, (ts / ${DAY_SEC}) * ${DAY_SEC} AS bucket, SUM(avg * count) / SUM(count), MIN(min), MAX(max), SUM(count)
         FROM points_hourly WHERE ts >= ? AND ts < ? GROUP BY series, bucket
         ON CONFLICT (series, ts) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count`,
        [from, dayEnd],
      )
    ).changes;
    await upsertSetting(db, WATERMARK_DAILY, JSON.stringify(dayEnd), nowSec);
  }

  result.rawDeleted = (await db.run('DELETE FROM points WHERE ts < ?', [nowSec - policy.rawSec])).changes;
  result.hourlyDeleted = (await db.run('DELETE FROM points_hourly WHERE ts < ?', [nowSec - policy.hourlySec])).changes;
  return result;
}
