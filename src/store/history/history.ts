// History: time series, settings and job runs over SQLite (default) or PostgreSQL, through one
// query layer. test/integration/history-contract.test.ts runs the same suite against both.
import { join } from 'node:path';
import type { z } from 'zod';
import { SatscopeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { SqlDriver } from './driver.ts';
import { migrate } from './migrate.ts';
import type { BlockRecord } from '../../domain/snapshots.ts';
import { orphanAbove, orphanRivals, selectBlock, selectRecentBlocks, selectTipBlock, upsertBlock } from './queries/blocks.ts';
import { deleteResolvedBefore, insertFiring, resolveFiring, selectChannelLatest, selectFiringsByIds, selectDeliveries, selectDueDeliveries, selectLastFired, selectOpenFirings, selectRecentFirings, updateDelivery, type AlertDelivery, type AlertFiring } from './queries/alerts.ts';
import { selectCloseDays, selectCloses, upsertCloses, type DailyClose } from './queries/closes.ts';
import { compactPoints, DEFAULT_RETENTION, type CompactionResult, type RetentionPolicy } from './queries/compaction.ts';
import { deleteJobRunsBefore, insertJobRun, selectJobRuns, type JobRun } from './queries/job-runs.ts';
import { insertDailyPoints, selectAggregates, selectLatestPoint, selectRawPoints, upsertPoints, type AggregatePoint, type Point } from './queries/points.ts';
import { selectSetting, upsertSetting } from './queries/settings.ts';
import { SqliteDriver } from './sqlite-driver.ts';

export type { AlertDelivery, AlertFiring };
export type { AggregatePoint, CompactionResult, DailyClose, JobRun, Point, RetentionPolicy };

const MAX_ROWS = 100_000;
const ALERTS_KEPT_SEC = 365 * 86_400;

export class History {
  constructor(readonly db: SqlDriver) {}

  get kind(): 'sqlite' | 'postgres' {
    return this.db.dialect;
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SatscopeError) throw err;
      throw new SatscopeError('HISTORY_UNAVAILABLE', `history ${what} failed`, { cause: err });
    }
  }

  migrate(): Promise<number[]> {
    return this.guard('migrate', () => migrate(this.db));
  }

  upsertPoints(points: readonly Point[]): Promise<void> {
    for (const p of points) {
      if (!Number.isFinite(p.value) || !Number.isInteger(p.tsSec)) {
        throw new SatscopeError('BAD_REQUEST', `point ${p.series}@${p.tsSec} is not a finite value at an integer second`);
      }
    }
    return this.guard('upsert points', () => this.db.transaction((tx) => upsertPoints(tx, points)));
  }

  /** Backfilled daily values (one per series and UTC day); days already held are kept. Returns rows added. */
  insertDailyPoints(points: readonly Point[]): Promise<number> {
    for (const p of points) {
      if (!Number.isFinite(p.value) || !Number.isInteger(p.tsSec)) {
        throw new SatscopeError('BAD_REQUEST', `point ${p.series}@${p.tsSec} is not a finite value at an integer second`);
      }
    }
    return this.guard('insert daily points', () => this.db.transaction((tx) => insertDailyPoints(tx, points)));
  }

  rawPoints(series: string, fromSec: number, toSec: number): Promise<Point[]> {
    return this.guard('read points', () => selectRawPoints(this.db, series, fromSec, toSec, MAX_ROWS));
  }

  aggregates(resolution: 'hour' | 'day', series: string, fromSec: number, toSec: number): Promise<AggregatePoint[]> {
    return this.guard('read aggregates', () => selectAggregates(this.db, resolution, series, fromSec, toSec, MAX_ROWS));
  }

  latestPoint(series: string): Promise<Point | undefined> {
    return this.guard('read latest point', () => selectLatestPoint(this.db, series));
  }

  async getSetting<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const raw = await this.guard('read setting', () => selectSetting(this.db, key));
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  setSetting(key: string, value: unknown, nowSec = Math.floor(Date.now() / 1000)): Promise<void> {
    return this.guard('write setting', () => upsertSetting(this.db, key, JSON.stringify(value), nowSec));
  }

  /** A rule's firing with its pending notifications (one per channel), in one transaction. */
  openFiring(firing: AlertFiring, channels: readonly string[]): Promise<void> {
    return this.guard('open alert', () => this.db.transaction((tx) => insertFiring(tx, firing, channels)));
  }

  resolveFiring(firingId: string, atMs: number, message: string, notify: boolean): Promise<boolean> {
    return this.guard('resolve alert', () => this.db.transaction((tx) => resolveFiring(tx, firingId, atMs, message, notify)));
  }

  firingsByIds(ids: readonly string[]): Promise<AlertFiring[]> {
    return this.guard('read alerts', () => selectFiringsByIds(this.db, ids.slice(0, 500)));
  }

  openFirings(): Promise<AlertFiring[]> {
    return this.guard('read alerts', () => selectOpenFirings(this.db));
  }

  recentFirings(limit = 50): Promise<AlertFiring[]> {
    return this.guard('read alerts', () => selectRecentFirings(this.db, Math.min(limit, 1000)));
  }

  lastFiredByRule(): Promise<Map<string, number>> {
    return this.guard('read alerts', () => selectLastFired(this.db));
  }

  dueDeliveries(nowMs: number, limit = 50): Promise<AlertDelivery[]> {
    return this.guard('read deliveries', () => selectDueDeliveries(this.db, nowMs, limit));
  }

  recordDelivery(d: AlertDelivery): Promise<void> {
    return this.guard('record delivery', () => updateDelivery(this.db, d));
  }

  channelStatus(): Promise<AlertDelivery[]> {
    return this.guard('read deliveries', () => selectChannelLatest(this.db));
  }

  deliveriesOf(firingId: string): Promise<AlertDelivery[]> {
    return this.guard('read deliveries', () => selectDeliveries(this.db, firingId));
  }

  recordJobRun(run: JobRun): Promise<void> {
    return this.guard('record job run', () => insertJobRun(this.db, run));
  }

  jobRuns(job?: string, limit = 50): Promise<JobRun[]> {
    return this.guard('read job runs', () => selectJobRuns(this.db, job, limit));
  }

  /** Stores a main-chain block; another block held at its height is marked orphaned (a reorg). */
  saveBlock(block: BlockRecord, seenAtMs = Date.now()): Promise<{ orphaned: number }> {
    return this.guard('save block', () =>
      this.db.transaction(async (tx) => {
        const orphaned = await orphanRivals(tx, block.height, block.hash);
        await upsertBlock(tx, { ...block, orphaned: false }, seenAtMs);
        return { orphaned };
      }),
    );
  }

  /** After a reorg to a fork at `height`: the blocks above it are no longer in the main chain. */
  orphanBlocksAbove(height: number): Promise<number> {
    return this.guard('orphan blocks', () => orphanAbove(this.db, height));
  }

  recentBlocks(limit: number, includeOrphaned = false): Promise<BlockRecord[]> {
    return this.guard('read blocks', () => selectRecentBlocks(this.db, limit, includeOrphaned));
  }

  /** The block with that hash, or the blocks at that height (main chain first). */
  findBlocks(hashOrHeight: string | number): Promise<BlockRecord[]> {
    return this.guard('read block', () => selectBlock(this.db, hashOrHeight));
  }

  tipBlock(): Promise<BlockRecord | undefined> {
    return this.guard('read tip block', () => selectTipBlock(this.db));
  }

  saveCloses(rows: readonly DailyClose[], nowMs = Date.now()): Promise<void> {
    return this.guard('save closes', () => this.db.transaction((tx) => upsertCloses(tx, rows, nowMs)));
  }

  closes(fromSec: number, toSec: number): Promise<DailyClose[]> {
    return this.guard('read closes', () => selectCloses(this.db, fromSec, toSec));
  }

  closeDays(fromSec: number, toSec: number): Promise<Set<number>> {
    return this.guard('read close days', () => selectCloseDays(this.db, fromSec, toSec));
  }

  /** Roll up and expire points; job runs are kept for the raw-point window too. */
  compact(nowSec: number, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<CompactionResult & { jobRunsDeleted: number; alertsDeleted: number }> {
    return this.guard('compact', () =>
      this.db.transaction(async (tx) => {
        const r = await compactPoints(tx, nowSec, policy);
        const jobRunsDeleted = await deleteJobRunsBefore(tx, (nowSec - policy.rawSec) * 1000);
        // Resolved alerts are kept a year for the Health page's history and the API.
        const alertsDeleted = await deleteResolvedBefore(tx, (nowSec - ALERTS_KEPT_SEC) * 1000);
        return { ...r, jobRunsDeleted, alertsDeleted };
      }),
    );
  }

  async ping(): Promise<void> {
    await this.guard('ping', () => this.db.all('SELECT 1 AS ok'));
  }

  /** SQLite's integrity check; PostgreSQL reports 'ok' (it has no equivalent cheap check). */
  async integrityCheck(): Promise<string> {
    return this.db instanceof SqliteDriver ? this.db.integrityCheck() : 'ok';
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'satscope.db');
}

/** Opens the configured database and applies pending migrations. */
export async function openHistory(opts: { databaseUrl: string | undefined; dataDir: string; log: Logger }): Promise<History> {
  // pg is loaded only when configured: it costs several MB of memory.
  const driver: SqlDriver = opts.databaseUrl
    ? new (await import('./postgres-driver.ts')).PostgresDriver(opts.databaseUrl, (err) => opts.log.warn('postgres idle client error', { err }))
    : new SqliteDriver(sqliteFile(opts.dataDir));
  const history = new History(driver);
  try {
    const applied = await history.migrate();
    if (applied.length > 0) opts.log.info('history migrated', { kind: history.kind, applied: applied.join(',') });
  } catch (err) {
    await history.close().catch(() => undefined);
    throw err;
  }
  return history;
}
