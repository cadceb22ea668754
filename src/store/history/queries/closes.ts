import type { SqlExecutor } from '../driver.ts';

export interface DailyClose {
  daySec: number;
  openUsd: number;
  highUsd: number;
  lowUsd: number;
  closeUsd: number;
  volumeBtc: number;
  source: string;
}

/** Idempotent per day: a day fetched again is overwritten, never duplicated. */
export async function upsertCloses(db: SqlExecutor, rows: readonly DailyClose[], nowMs: number): Promise<void> {
  for (const r of rows) {
    await db.run(
      `INSERT INTO btc_daily_closes (day_sec, open_usd, high_usd, low_usd, close_usd, volume_btc, source, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (day_sec) DO UPDATE SET open_usd = excluded.open_usd, high_usd = excluded.high_usd, low_usd = excluded.low_usd, close_usd = excluded.close_usd,
         volume_btc = excluded.volume_btc, source = excluded.source, updated_at_ms = excluded.updated_at_ms`,
      [r.daySec, r.openUsd, r.highUsd, r.lowUsd, r.closeUsd, r.volumeBtc, r.source, nowMs],
    );
  }
}

export async function selectCloses(db: SqlExecutor, fromSec: number, toSec: number): Promise<DailyClose[]> {
  const rows = await db.all<Record<string, unknown>>(
    'SELECT day_sec, open_usd, high_usd, low_usd, close_usd, volume_btc, source FROM btc_daily_closes WHERE day_sec >= ? AND day_sec <= ? ORDER BY day_sec',
    [fromSec, toSec],
  );
  return rows.map((r) => ({
    daySec: Number(r.day_sec),
    openUsd: Number(r.open_usd),
    highUsd: Number(r.high_usd),
    lowUsd: Number(r.low_usd),
    closeUsd: Number(r.close_usd),
    volumeBtc: Number(r.volume_btc),
    source: String(r.source),
  }));
}

export async function selectCloseDays(db: SqlExecutor, fromSec: number, toSec: number): Promise<Set<number>> {
  const rows = await db.all<{ day_sec: number }>('SELECT day_sec FROM btc_daily_closes WHERE day_sec >= ? AND day_sec <= ?', [fromSec, toSec]);
  return new Set(rows.map((r) => Number(r.day_sec)));
}
