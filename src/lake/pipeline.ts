// The stream pipeline: `satscope stream`, or part of `satscope start` with LAKE=on. One process at
// a time holds its lock (renewed while it runs; another takes over when it dies). Every few
// seconds it reads the state the jobs keep, takes the real changes into the durable buffer, and
// flushes the buffer into Parquet by size or time; each minute it seals closed hours, applies
// retention and uploads sealed files when LAKE_S3_URL is set. Its figures go to the store
// (keys.lakeStatus) for /api/v1/lake and the Status page of every web process.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config.ts';
import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { keys, type LakeStatus } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { LakeEngine } from './engine-client.ts';
import { changedRows, EXTRACTED_KEYS, readSnapshot } from './extract.ts';
import { Lake } from './lake.ts';
import { LakeUploader, s3Target } from './s3.ts';
import { HOUR_MS, hourOf } from './tables.ts';

const LOCK_TTL_MS = 30_000;
const RENEW_MS = 10_000;
/** State is read when one of the keys the stream reads was written, and at least this often. */
const EXTRACT_MS = 60_000;
const MAINTAIN_MS = 60_000;
const STATUS_MS = 30_000;
const TICK_MS = 1_000;
const MAX_ERRORS = 10;
/** The manifest is checked against the folders this often (files another tool added, e.g. `stream --test`). */
const RECONCILE_MS = 3_600_000;
/** A failing flush is tried again after 5 s, doubling up to 5 minutes. */
const flushBackoffMs = (failures: number) => Math.min(300_000, 5_000 * 2 ** Math.max(0, failures - 1));

export interface PipelineOptions {
  config: Config;
  store: Store;
  log: Logger;
  /** Tests shorten the loops. */
  extractMs?: number;
  maintainMs?: number;
  engine?: LakeEngine;
}

export class LakePipeline {
  readonly engine: LakeEngine;
  readonly lake: Lake;
  readonly uploader: LakeUploader | undefined;
  private readonly token = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private holding = false;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private lastExtractMs = 0;
  private lastMaintainMs = 0;
  private lastRenewMs = 0;
  private lastReconcileMs = 0;
  private flushFailures = 0;
  private nextFlushMs = 0;
  private lastStatusMs = 0;
  private lastSeal: { atMs: number; files: number } | null = null;
  private accepted = 0;
  private readonly errors: LakeStatus['errors'] = [];
  private closed = false;
  private dirty = true;
  /** One of the keys the stream reads was written since the last extraction. */
  private stateMoved = true;
  private unwatch: (() => Promise<void>) | undefined;

  constructor(private readonly o: PipelineOptions) {
    this.engine = o.engine ?? new LakeEngine({ log: o.log.child({ component: 'lake-engine' }) });
    this.lake = new Lake(o.config.lake, this.engine, o.log);
    this.uploader = o.config.lake.s3 ? new LakeUploader(o.config.lake.dir, o.config.lake.s3) : undefined;
  }

  get isHolder(): boolean {
    return this.holding;
  }

  start(): void {
    const watched = new Set(EXTRACTED_KEYS.map((k) => k.name));
    this.o.store
      .watchChanges((c) => {
        if (watched.has(c.name)) this.stateMoved = true;
      })
      .then(
        (unwatch) => {
          if (this.closed) void unwatch();
          else this.unwatch = unwatch;
        },
        (err: unknown) => this.fail('watch', err),
      );
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  private tick(): void {
    if (this.busy || this.closed) return;
    this.busy = this.step()
      .catch((err: unknown) => this.fail('pipeline', err))
      .finally(() => {
        this.busy = undefined;
      });
  }

  private async step(): Promise<void> {
    const now = Date.now();
    if (!this.holding) {
      if (now - this.lastRenewMs < RENEW_MS && this.lastRenewMs !== 0) return;
      this.lastRenewMs = now;
      this.holding = await this.o.store.acquireLock(keys.lakeLock, this.token, LOCK_TTL_MS);
      if (!this.holding) return;
      this.o.log.info('lake stream started', { lake: this.o.config.lake.dir, flushSec: this.o.config.lake.flushMs / 1000, flushRows: this.o.config.lake.flushRows });
      this.lastReconcileMs = now;
      await this.lake.reconcile(() => this.renew()).catch((err: unknown) => this.fail('reconcile', err));
      this.dirty = true;
    } else if (now - this.lastRenewMs >= RENEW_MS) {
      await this.renew();
      if (!this.holding) return;
    }
    if (this.stateMoved || now - this.lastExtractMs >= (this.o.extractMs ?? EXTRACT_MS)) {
      this.lastExtractMs = now;
      this.stateMoved = false;
      await this.extract().catch((err: unknown) => this.fail('extract', err));
    }
    if (now >= this.nextFlushMs && this.flushDue(now)) {
      try {
        await this.flush();
        this.flushFailures = 0;
      } catch (err) {
        this.flushFailures++;
        this.nextFlushMs = Date.now() + flushBackoffMs(this.flushFailures);
        this.fail('flush', err);
      }
    }
    if (now - this.lastReconcileMs >= RECONCILE_MS) {
      this.lastReconcileMs = now;
      await this.lake.reconcile(() => this.renew()).catch((err: unknown) => this.fail('reconcile', err));
    }
    if (now - this.lastMaintainMs >= (this.o.maintainMs ?? MAINTAIN_MS)) {
      this.lastMaintainMs = now;
      await this.maintain().catch((err: unknown) => this.fail('seal', err));
    }
    if (this.dirty || now - this.lastStatusMs >= STATUS_MS) await this.publish().catch((err: unknown) => this.o.log.debug('lake status not published', { err: describeError(err) }));
  }

  /** Extends the lock (also between the steps of a long task); a lost lock stops this process's pipeline. */
  private async renew(): Promise<void> {
    if (!this.holding) return;
    this.lastRenewMs = Date.now();
    if (!(await this.o.store.extendLock(keys.lakeLock, this.token, LOCK_TTL_MS).catch(() => false))) {
      this.holding = false;
      this.o.log.warn('lake stream lock lost: another process runs the stream now');
      throw new Error('the lake stream lock was lost');
    }
  }

  private flushDue(now: number): boolean {
    if (this.lake.buffer.unfinishedFlush()) return true;
    const p = this.lake.buffer.pending();
    return p.rows >= this.o.config.lake.flushRows || (p.oldestAcceptedMs !== null && now - p.oldestAcceptedMs >= this.o.config.lake.flushMs);
  }

  /** Reads the state once and takes its changes into the buffer; returns the rows taken. */
  async extract(): Promise<number> {
    const snap = await readSnapshot(this.o.store);
    const { rows, lastValues } = changedRows(snap, this.lake.buffer.lastValues(), { currencies: this.o.config.fiatCurrencies, minChangePct: this.o.config.lake.minChangePct });
    if (rows.length === 0) return 0;
    const n = this.lake.buffer.accept(rows, lastValues);
    this.accepted += n;
    this.dirty = true;
    this.o.log.debug('lake rows accepted', { rows: n });
    return n;
  }

  async flush(): Promise<void> {
    const results = await this.lake.flushAll();
    await this.renew().catch(() => undefined);
    if (results.length) {
      this.dirty = true;
      this.o.log.info('lake flush', { rows: results.reduce((s, r) => s + r.rows, 0), files: results.reduce((s, r) => s + r.files.length, 0), redone: results.some((r) => r.redone) || undefined });
    }
  }

  async maintain(nowMs = Date.now()): Promise<void> {
    const sealed = await this.lake.seal(nowMs);
    await this.renew();
    if (sealed.length) {
      this.lastSeal = { atMs: Date.now(), files: sealed.length };
      this.dirty = true;
    }
    const removed = this.lake.applyRetention(nowMs);
    if (removed.length) {
      this.dirty = true;
      this.o.log.info('lake retention removed files', { files: removed.length });
    }
    if (this.uploader) {
      await this.renew();
      const r = await this.uploader.uploadDue(this.lake.buffer, nowMs);
      if (r.uploaded || r.failed) this.dirty = true;
      if (r.failed) this.fail('upload', new Error(this.uploader.lastError?.message ?? 'upload failed'));
    }
  }

  private fail(what: string, err: unknown): void {
    const message = describeError(err);
    this.errors.unshift({ atMs: Date.now(), what, message });
    this.errors.length = Math.min(this.errors.length, MAX_ERRORS);
    this.dirty = true;
    this.o.log.warn(`lake ${what} failed`, { err: message });
  }

  status(nowMs = Date.now()): LakeStatus {
    const b = this.lake.buffer;
    const cfg = this.o.config.lake;
    const perHour = new Map<number, number>();
    for (const r of b.rowsPerHour(hourOf(nowMs) - 47 * HOUR_MS)) perHour.set(r.hourMs, (perHour.get(r.hourMs) ?? 0) + r.rows);
    const up = this.uploader;
    const pend = up?.pending(b);
    return {
      asOfMs: nowMs,
      holder: this.token.split(':').slice(0, 2).join(':'),
      tables: b.tableFigures().map((t) => ({ ...t, firstHourMs: t.firstHourMs ?? null, lastHourMs: t.lastHourMs ?? null })),
      buffer: b.pending(),
      accepted: this.accepted,
      lastFlush: b.lastFlush() ?? null,
      lastSeal: this.lastSeal,
      s3: up && pend ? { target: s3Target(up.s3), pending: pend.pending, failing: pend.failing.length, lastUpload: up.lastUpload ?? null, lastError: up.lastError ?? null } : null,
      engine: { running: this.engine.running, starts: this.engine.starts, lastError: this.engine.lastError ?? null },
      errors: [...this.errors],
      rowsPerHour: [...perHour].sort((a, b2) => a[0] - b2[0]).map(([hourMs, rows]) => ({ hourMs, rows })),
      settings: { flushSec: cfg.flushMs / 1000, flushRows: cfg.flushRows, minChangePct: cfg.minChangePct, retentionDays: { ...cfg.retentionDays } },
    };
  }

  private async publish(): Promise<void> {
    if (!this.holding) return;
    this.dirty = false;
    this.lastStatusMs = Date.now();
    await this.o.store.set(keys.lakeStatus, this.status());
  }

  /** Stops the loops, writes what the buffer holds (a clean stop leaves nothing behind), releases the lock. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.unwatch?.().catch(() => undefined);
    await this.busy;
    if (this.holding) {
      await this.flush().catch((err: unknown) => this.fail('flush', err));
      await this.publish().catch(() => undefined);
      await this.o.store.releaseLock(keys.lakeLock, this.token).catch(() => undefined);
      this.holding = false;
    }
    await this.engine.close();
    this.lake.close();
  }
}
