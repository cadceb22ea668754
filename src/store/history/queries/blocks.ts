import type { BlockRecord } from '../../../domain/snapshots.ts';
import type { SqlExecutor } from '../driver.ts';

const COLUMNS = 'hash, height, time_sec, tx_count, size_bytes, weight, total_fee_sats, fee_rate_percentiles, subsidy_sats, reward_sats, interval_sec, pool, orphaned, source';

function toRecord(r: Record<string, unknown>): BlockRecord {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    hash: String(r.hash),
    height: Number(r.height),
    timeSec: Number(r.time_sec),
    txCount: Number(r.tx_count),
    sizeBytes: Number(r.size_bytes),
    weight: Number(r.weight),
    totalFeeSats: n(r.total_fee_sats),
    feeRatePercentiles: r.fee_rate_percentiles ? (JSON.parse(String(r.fee_rate_percentiles)) as (number | null)[]) : null,
    subsidySats: Number(r.subsidy_sats),
    rewardSats: n(r.reward_sats),
    intervalSec: n(r.interval_sec),
    pool: r.pool === null ? null : String(r.pool),
    orphaned: Number(r.orphaned) === 1,
    source: String(r.source),
  };
}

/** Idempotent: the same block seen again updates its row (it is back in the main chain if it was orphaned). */
export async function upsertBlock(db: SqlExecutor, b: BlockRecord, seenAtMs: number): Promise<void> {
  await db.run(
    `INSERT INTO blocks (${COLUMNS}, seen_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (hash) DO UPDATE SET orphaned = excluded.orphaned, interval_sec = excluded.interval_sec, total_fee_sats = excluded.total_fee_sats,
       fee_rate_percentiles = excluded.fee_rate_percentiles, reward_sats = excluded.reward_sats, pool = excluded.pool`,
    [
      b.hash, b.height, b.timeSec, b.txCount, b.sizeBytes, b.weight, b.totalFeeSats,
      b.feeRatePercentiles ? JSON.stringify(b.feeRatePercentiles) : null,
      b.subsidySats, b.rewardSats, b.intervalSec, b.pool, b.orphaned ? 1 : 0, b.source, seenAtMs,
    ],
  );
}

/** Marks the other main-chain blocks at `height` as orphaned; returns how many. */
export async function orphanRivals(db: SqlExecutor, height: number, keepHash: string): Promise<number> {
  return (await db.run('UPDATE blocks SET orphaned = 1 WHERE height = ? AND hash <> ? AND orphaned = 0', [height, keepHash])).changes;
}

/** Marks every main-chain block above `height` as orphaned (the chain was reorganised below them). */
export async function orphanAbove(db: SqlExecutor, height: number): Promise<number> {
  return (await db.run('UPDATE blocks SET orphaned = 1 WHERE height > ? AND orphaned = 0', [height])).changes;
}

export async function selectRecentBlocks(db: SqlExecutor, limit: number, includeOrphaned: boolean): Promise<BlockRecord[]> {
  const rows = await db.all(`SELECT ${COLUMNS} FROM blocks ${includeOrphaned ? '' : 'WHERE orphaned = 0'} ORDER BY height DESC, orphaned ASC LIMIT ?`, [limit]);
  return rows.map(toRecord);
}

export async function selectBlock(db: SqlExecutor, hashOrHeight: string | number): Promise<BlockRecord[]> {
  const rows =
    typeof hashOrHeight === 'number'
      ? await db.all(`SELECT ${COLUMNS} FROM blocks WHERE height = ? ORDER BY orphaned ASC`, [hashOrHeight])
      : await db.all(`SELECT ${COLUMNS} FROM blocks WHERE hash = ?`, [hashOrHeight]);
  return rows.map(toRecord);
}

export async function selectTipBlock(db: SqlExecutor): Promise<BlockRecord | undefined> {
  const [row] = await db.all(`SELECT ${COLUMNS} FROM blocks WHERE orphaned = 0 ORDER BY height DESC LIMIT 1`);
  return row ? toRecord(row) : undefined;
}
