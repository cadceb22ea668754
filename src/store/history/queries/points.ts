import type { SqlExecutor } from '../driver.ts';

export interface Point {
  series: string;
  tsSec: number;
  value: number;
}

export interface AggregatePoint {
  tsSec: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

export type Resolution = 'raw' | 'hour' | 'day';

const BATCH = 200;

/** Idempotent: a point written twice (a job rerun after a crash) keeps one row with the last value. */
export async function upsertPoints(db: SqlExecutor, points: readonly Point[]): Promise<void> {
  for (let i = 0; i < points.length; i += BATCH) {
    const chunk = points.slice(i, i + BATCH);
    const values = chunk.map(() => '(?, ?, ?)').join(', ');
    const params = chunk.flatMap((p) => [p.series, Math.trunc(p.tsSec), p.value]);
    await db.run(`INSERT INTO points (series, ts, value) VALUES ${values} ON CONFLICT (series, ts) DO UPDATE SET value = excluded.value`, params);
  }
}

/**
 * Daily values from a backfill, straight into the daily table (raw points older than the rollup
 * watermark would never be rolled up). A day already held, rolled up from real points, is kept.
 */
export async function insertDailyPoints(db: SqlExecutor, points: readonly Point[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < points.length; i += BATCH) {
    const chunk = points.slice(i, i + BATCH);
    const values = chunk.map(() => '(?, ?, ?, ?, ?, 1)').join(', ');
    const params = chunk.flatMap((p) => [p.series, Math.floor(p.tsSec / 86_400) * 86_400, p.value, p.value, p.value]);
    const { changes } = await db.run(`INSERT INTO points_daily (series, ts, avg, min, max, count) VALUES ${values} ON CONFLICT (series, ts) DO NOTHING`, params);
    inserted += changes;
  }
  return inserted;
}

export async function selectRawPoints(db: SqlExecutor, series: string, fromSec: number, toSec: number, limit: number): Promise<Point[]> {
  const rows = await db.all<{ ts: number; value: number }>('SELECT ts, value FROM points WHERE series = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?', [
    series,
    fromSec,
    toSec,
    limit,
  ]);
  return rows.map((r) => ({ series, tsSec: Number(r.ts), value: Number(r.value) }));
}

export async function selectAggregates(db: SqlExecutor, resolution: 'hour' | 'day', series: string, fromSec: number, toSec: number, limit: number): Promise<AggregatePoint[]> {
  const table = resolution === 'hour' ? 'points_hourly' : 'points_daily';
  const rows = await db.all<{ ts: number; avg: number; min: number; max: number; count: number }>(
    `SELECT ts, avg, min, max, count FROM ${table} WHERE series = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?`,
    [series, fromSec, toSec, limit],
  );
  return rows.map((r) => ({ tsSec: Number(r.ts), avg: Number(r.avg), min: Number(r.min), max: Number(r.max), count: Number(r.count) }));
}

export async function selectLatestPoint(db: SqlExecutor, series: string): Promise<Point | undefined> {
  const [row] = await db.all<{ ts: number; value: number }>('SELECT ts, value FROM points WHERE series = ? ORDER BY ts DESC LIMIT 1', [series]);
  return row ? { series, tsSec: Number(row.ts), value: Number(row.value) } : undefined;
}
