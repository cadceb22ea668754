// A per-host token bucket. A 429 blocks the whole host until its Retry-After has passed, so every
// source on that host waits, not just the call that was refused.
import { SatscopeError } from '../../errors.ts';

export interface BucketOptions {
  capacity: number;
  refillPerSec: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;
  private blockedUntilMs = 0;

  constructor(
    readonly opts: BucketOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = opts.capacity;
    this.updatedAtMs = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.opts.capacity, this.tokens + ((t - this.updatedAtMs) / 1000) * this.opts.refillPerSec);
    this.updatedAtMs = t;
  }

  /** Milliseconds until a token may be taken (0: now). */
  waitMs(): number {
    this.refill();
    const blocked = Math.max(0, this.blockedUntilMs - this.now());
    const forToken = this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.opts.refillPerSec) * 1000;
    return Math.ceil(Math.max(blocked, forToken));
  }

  /** Waits for a token; refuses at once when the wait would exceed maxWaitMs. */
  async take(maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.waitMs();
      if (wait === 0) {
        this.tokens -= 1;
        return;
      }
      if (wait > maxWaitMs) {
        throw new SatscopeError('UPSTREAM_RATE_LIMITED', `rate limit: next request allowed in ${wait} ms`, { details: { waitMs: wait } });
      }
      await sleep(wait, signal);
    }
  }

  blockUntil(untilMs: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, untilMs);
  }

  state(): { tokens: number; capacity: number; blockedUntilMs: number | null } {
    this.refill();
    return { tokens: Math.floor(this.tokens * 100) / 100, capacity: this.opts.capacity, blockedUntilMs: this.blockedUntilMs > this.now() ? this.blockedUntilMs : null };
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
