// Per-client fixed-window limit, counted in the store so that all web processes share it when
// Redis is used. The decision never waits on the store: with the memory store the count is taken
// synchronously; with Redis each process counts locally and adds its counts to the shared counter
// every FLUSH_MS, learning the total the other processes have added (so the limit is shared with at
// most FLUSH_MS of lag). A store failure lets requests through: a dead Redis must not take the API
// down with it.
import type { Logger } from '../log.ts';
import { keys, type CounterKey } from '../store/keys.ts';
import { MemoryStore } from '../store/memory-store.ts';
import type { Store } from '../store/types.ts';

const WINDOW_SEC = 60;
/** How often a process adds its local counts to the shared ones (Redis). */
export const FLUSH_MS = 100;
const MAX_TALLIES = 100_000;

interface Tally {
  windowStartSec: number;
  /** The shared total as of the last flush (this process's counts included). */
  shared: number;
  /** Counted here since the last flush. */
  pending: number;
  /** Counted here in this window: what limits when the shared count cannot be reached. */
  mine: number;
  lastSeenMs: number;
}

/** A client near its limit is kept in step with the other processes while it was seen this recently. */
const ACTIVE_MS = 1000;

export interface RateDecision {
  allowed: boolean;
  retryAfterSec: number;
}

export class RateLimiter {
  private windowStartSec = 0;
  // Key objects for the current window, so a request does not build one.
  private keyCache = new Map<string, CounterKey>();
  private readonly allow: RateDecision = { allowed: true, retryAfterSec: 0 };
  private lastWarnMs = 0;
  private readonly tallies = new Map<string, Tally>();
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private flushing = false;

  constructor(
    private readonly store: Store,
    readonly limitPerWindow: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private key(client: string, windowStartSec: number): CounterKey {
    if (windowStartSec !== this.windowStartSec) {
      this.windowStartSec = windowStartSec;
      this.keyCache = new Map();
    }
    let k = this.keyCache.get(client);
    if (!k) {
      k = keys.rateLimit(client, windowStartSec);
      if (this.keyCache.size < 100_000) this.keyCache.set(client, k);
    }
    return k;
  }

  private decide(count: number, windowStartSec: number, nowSec: number): RateDecision {
    return count <= this.limitPerWindow ? this.allow : { allowed: false, retryAfterSec: Math.max(1, windowStartSec + WINDOW_SEC - Math.floor(nowSec)) };
  }

  check(client: string): RateDecision {
    const nowMs = this.now();
    const nowSec = nowMs / 1000;
    const windowStartSec = Math.floor(nowSec / WINDOW_SEC) * WINDOW_SEC;
    if (this.store instanceof MemoryStore) return this.decide(this.store.incrementNow(this.key(client, windowStartSec)), windowStartSec, nowSec);
    let t = this.tallies.get(client);
    if (!t || t.windowStartSec !== windowStartSec) {
      if (this.tallies.size >= MAX_TALLIES) this.tallies.clear();
      t = { windowStartSec, shared: 0, pending: 0, mine: 0, lastSeenMs: nowMs };
      this.tallies.set(client, t);
    }
    t.pending++;
    t.mine++;
    t.lastSeenMs = nowMs;
    if (!this.flushTimer && !this.flushing) this.schedule();
    return this.decide(t.shared + t.pending, windowStartSec, nowSec);
  }

  /** Adds each client's local count to the shared counter and learns the shared total; one flush at a time. */
  async flush(): Promise<void> {
    this.flushTimer = undefined;
    this.flushing = true;
    const nowMs = this.now();
    const windowNow = Math.floor(nowMs / 1000 / WINDOW_SEC) * WINDOW_SEC;
    // Clients past half their limit and seen within ACTIVE_MS are kept in step with the other
    // processes' counts; the rest only when they have new counts to add.
    const watched = (t: Tally) => t.pending > 0 || (t.windowStartSec === windowNow && t.shared * 2 >= this.limitPerWindow && nowMs - t.lastSeenMs < ACTIVE_MS);
    const batch = [...this.tallies].filter(([, t]) => watched(t));
    try {
      await Promise.all(
        batch.map(async ([client, t]) => {
          const by = t.pending;
          t.pending = 0;
          try {
            const total = await this.store.increment(keys.rateLimit(client, t.windowStartSec), by);
            t.shared = Math.max(t.shared, total);
          } catch (err) {
            // Open, not closed: the shared count is unknown, so what this process counted limits.
            t.shared = t.mine - t.pending;
            if (this.now() - this.lastWarnMs > 60_000) {
              this.lastWarnMs = this.now();
              this.log.warn('rate limit store unavailable; counting in this process only', { err });
            }
          }
        }),
      );
    } finally {
      this.flushing = false;
    }
    // Windows that ended are forgotten.
    for (const [client, t] of this.tallies) if (t.windowStartSec < windowNow && t.pending === 0) this.tallies.delete(client);
    const now = this.now();
    if (!this.closed && !this.flushTimer && [...this.tallies.values()].some((t) => t.pending > 0 || (t.shared * 2 >= this.limitPerWindow && now - t.lastSeenMs < ACTIVE_MS))) this.schedule();
  }

  private schedule(): void {
    this.flushTimer = setTimeout(() => void this.flush(), FLUSH_MS);
    this.flushTimer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.flushTimer);
  }
}
