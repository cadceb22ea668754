// The lake's answers to the price endpoints: an hourly series and statistics over a window, read
// from only the hours asked (partition pruning), each event once. The lake answers when it covers
// the window: files from the window's first hour or earlier, every hour of it present but for an
// hour a day, and rows up to within a flush (plus two minutes) of its end; for windows up to 90
// days (longer ones are history's hourly aggregates). Otherwise, or when the lake does not answer
// within 3 s, the caller answers from history. Queries run one at a time: a burst of different
// windows queues instead of piling onto the engine that also writes the lake.
import type { LakeConfig } from '../config.ts';
import { SatscopeError } from '../errors.ts';
import type { LakeEngine } from './engine-client.ts';
import { filesForWindow, firstHour } from './lake.ts';
import { hourOf } from './tables.ts';

export interface LakeQueryStats {
  queries: number;
  answered: number;
  notCovered: number;
  errors: number;
  lastMs: number | null;
  totalMs: number;
  lastError: string | null;
}

export interface HourRow {
  hourSec: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

const r4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);
/** Queries keep the engine a minute: pages ask again. */
const QUERY_KEEPALIVE_MS = 60_000;
/** A reply waits this long for the lake, then history answers. */
const QUERY_DEADLINE_MS = 3_000;
/** Longer windows are answered from history's hourly aggregates. */
export const LAKE_MAX_HOURS = 90 * 24;

export class LakeReader {
  readonly stats: LakeQueryStats = { queries: 0, answered: 0, notCovered: 0, errors: 0, lastMs: null, totalMs: 0, lastError: null };
  private first: { atMs: number; hourMs: number | undefined } | undefined;
  /** The query running now: the next waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: LakeConfig,
    private readonly engine: LakeEngine,
  ) {}

  /** The earliest hour of price ticks, re-read at most once a minute. */
  private firstPriceHour(nowMs: number): number | undefined {
    if (!this.first || nowMs - this.first.atMs > 60_000) this.first = { atMs: nowMs, hourMs: firstHour(this.config.dir, 'price_ticks') };
    return this.first.hourMs;
  }

  private async window(hours: number, nowMs: number) {
    if (hours > LAKE_MAX_HOURS) return undefined;
    const fromMs = nowMs - hours * 3_600_000;
    const first = this.firstPriceHour(nowMs);
    if (first === undefined || first > hourOf(fromMs)) return undefined;
    const w = await filesForWindow(this.config.dir, 'price_ticks', fromMs, nowMs);
    // A gap (the lake was off for a while) leaves the window to history, which has it.
    if (w.files.length === 0 || w.hoursWithFiles < w.hours - Math.max(1, Math.floor(w.hours / 24))) return undefined;
    return { fromMs, toMs: nowMs, files: w.files };
  }

  private fresh(lastMs: number | null, nowMs: number): boolean {
    return lastMs !== null && nowMs - lastMs <= this.config.flushMs + 120_000;
  }

  private async timed<T>(run: () => Promise<T | undefined>): Promise<T | undefined> {
    const turn = this.queue.then(() => undefined);
    const mine = turn.then(() => this.measure(run));
    this.queue = mine.catch(() => undefined);
    // Waiting in line counts too: past twice the deadline the reply goes to history.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SatscopeError('LAKE_UNAVAILABLE', 'the lake is busy: answered from history')), 2 * QUERY_DEADLINE_MS);
    });
    return Promise.race([mine, late]).finally(() => clearTimeout(timer));
  }

  private async measure<T>(run: () => Promise<T | undefined>): Promise<T | undefined> {
    const t0 = performance.now();
    this.stats.queries++;
    try {
      const out = await run();
      if (out === undefined) this.stats.notCovered++;
      else this.stats.answered++;
      return out;
    } catch (err) {
      this.stats.errors++;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      const ms = performance.now() - t0;
      this.stats.lastMs = Math.round(ms * 10) / 10;
      this.stats.totalMs += ms;
    }
  }

  /** Hourly avg/min/max/count of the USD median, or undefined when the lake does not cover the window. */
  hourly(hours: number, nowMs = Date.now()): Promise<{ rows: HourRow[]; lastMs: number } | undefined> {
    return this.timed(async () => {
      const w = await this.window(hours, nowMs);
      if (!w) return undefined;
      const rows = await this.engine.call<{ hour_ms: number; avg: number; min: number; max: number; count: number; last_ms: number }[]>({ op: 'hourly', files: w.files, currency: 'USD', source: 'median', fromMs: w.fromMs, toMs: w.toMs }, QUERY_KEEPALIVE_MS, QUERY_DEADLINE_MS);
      const last = rows.at(-1);
      if (!last || !this.fresh(last.last_ms, nowMs)) return undefined;
      return { rows: rows.map((r) => ({ hourSec: r.hour_ms / 1000, avg: r4(r.avg) as number, min: r.min, max: r.max, count: r.count })), lastMs: last.last_ms };
    });
  }

  /** Count, avg, min, max, median and standard deviation of the USD median's ticks, or undefined when not covered. */
  statistics(hours: number, nowMs = Date.now()): Promise<{ count: number; avg: number | null; min: number | null; max: number | null; median: number | null; std: number | null; lastMs: number } | undefined> {
    return this.timed(async () => {
      const w = await this.window(hours, nowMs);
      if (!w) return undefined;
      const s = await this.engine.call<{ count: number; avg: number | null; min: number | null; max: number | null; median: number | null; std: number | null; last_ms: number | null }>(
        { op: 'stats', files: w.files, currency: 'USD', source: 'median', fromMs: w.fromMs, toMs: w.toMs },
        QUERY_KEEPALIVE_MS,
        QUERY_DEADLINE_MS,
      );
      if (s.count === 0 || !this.fresh(s.last_ms, nowMs)) return undefined;
      return { count: s.count, avg: r4(s.avg), min: s.min, max: s.max, median: r4(s.median), std: r4(s.std), lastMs: s.last_ms as number };
    });
  }
}
