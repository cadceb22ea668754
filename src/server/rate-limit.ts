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

interface Tally {
  windowStartSec: number;
  /** The shared total as of the last flush (this process's counts included). */
  shared: number;
  /** Counted here since the last flush. */
  pending: number;
}

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
    const nowSec = this.now() / 1000;
    const windowStartSec = Math.floor(nowSec / WINDOW_SEC) * WINDOW_SEC;
    const key = this.key(client, windowStartSec);
    if (this.store instanceof MemoryStore) return this.decide(this.store.incrementNow(key), windowStartSec, nowSec);
    let t = this.tallies.get(client);
    if (!t || t.windowStartSec !== windowStartSec) {
      if (this.tallies.size >= 100_000) this.tallies.clear();
      t = { windowStartSec, shared: 0, pending: 0 };
      this.tallies.set(client, t);
    }
    t.pending++;
    if (!this.flushTimer) this.schedule();
    return this.decide(t.shared + t.pending, windowStartSec, nowSec);
  }

  /** Adds each client's local count to the shared counter and learns the shared total. */
  async flush(): Promise<void> {
    this.flushTimer = undefined;
    const windowNow = Math.floor(this.now() / 1000 / WINDOW_SEC) * WINDOW_SEC;
    // Clients past half their limit are kept in step with the other processes' counts even when
    // quiet here; the rest only when they have new counts to add.
    const watched = (t: Tally) => t.pending > 0 || (t.windowStartSec === windowNow && t.shared * 2 >= this.limitPerWindow);
    const batch = [...this.tallies].filter(([, t]) => watched(t));
    await Promise.all(
      batch.map(async ([client, t]) => {
        const by = t.pending;
        t.pending = 0;
        try {
          const total = await this.store.increment(keys.rateLimit(client, t.windowStartSec), by);
          t.shared = Math.max(t.shared, total);
        } catch (err) {
          // Open, not closed: the shared count is unknown, so only what this process counts from now on limits.
          t.shared = 0;
          if (this.now() - this.lastWarnMs > 60_000) {
            this.lastWarnMs = this.now();
            this.log.warn('rate limit store unavailable; counting in this process only', { err });
          }
        }
      }),
    );
    // Windows that ended are forgotten.
    for (const [client, t] of this.tallies) if (t.windowStartSec < windowNow && t.pending === 0) this.tallies.delete(client);
    if (!this.closed && !this.flushTimer && [...this.tallies.values()].some(watched)) this.schedule();
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
