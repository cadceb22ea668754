// Per-client fixed-window limit, counted in the store so that all web processes share it when
// Redis is used. With the memory store the count is taken synchronously (no promise per request).
// A store failure lets the request through: a dead Redis must not take the API down with it.
import type { Logger } from '../log.ts';
import { keys, type CounterKey } from '../store/keys.ts';
import { MemoryStore } from '../store/memory-store.ts';
import type { Store } from '../store/types.ts';

const WINDOW_SEC = 60;

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

  check(client: string): RateDecision | Promise<RateDecision> {
    const nowSec = this.now() / 1000;
    const windowStartSec = Math.floor(nowSec / WINDOW_SEC) * WINDOW_SEC;
    const key = this.key(client, windowStartSec);
    if (this.store instanceof MemoryStore) return this.decide(this.store.incrementNow(key), windowStartSec, nowSec);
    return this.store.increment(key).then(
      (count) => this.decide(count, windowStartSec, nowSec),
      (err: unknown) => {
        if (this.now() - this.lastWarnMs > 60_000) {
          this.lastWarnMs = this.now();
          this.log.warn('rate limit store unavailable; allowing requests', { err });
        }
        return this.allow;
      },
    );
  }
}
