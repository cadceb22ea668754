// A job lock held as a lease: renewed every third of it while the job runs, and given up (onLost)
// before it could end unrenewed, so no other process can start the job while this one still runs it.
import type { LockKey } from './store/keys.ts';
import type { Store } from './store/types.ts';

export interface LeaseOptions {
  store: Store;
  lockKey: LockKey;
  /** What the messages call it (the job's name). */
  name: string;
  token: string;
  leaseMs: number;
  /** When the request that took the lock was sent. */
  acquiredAtMs: number;
  now: () => number;
  onRenewed(atMs: number): void;
  onLost(why: string): void;
}

/**
 * Renews the lock every third of the lease until the returned stop is called. The lock is ours
 * until the send time of the last renewal that succeeded plus the lease (the store set its expiry
 * after that); a local deadline a margin before then calls onLost whatever call is in flight, so a
 * holder cut off from the store, or stalled, stops before another may start. A lock that vanished
 * while our lease still ran (the store restarted) is taken again; one held by another token is lost.
 */
export function holdLease(o: LeaseOptions): () => void {
  const { store, lockKey, name, token, leaseMs, now } = o;
  const margin = Math.min(1000, Math.floor(leaseMs / 5));
  let validUntilMs = o.acquiredAtMs + leaseMs;
  let busy = false;
  let stopped = false;
  let deadline: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(deadline);
  };
  const lose = (why: string) => {
    if (stopped) return;
    stop();
    o.onLost(why);
  };
  const arm = () => {
    clearTimeout(deadline);
    deadline = setTimeout(() => lose(`the lock of ${name} could not be renewed within its ${leaseMs} ms lease (store unreachable, or this process stalled)`), Math.max(0, validUntilMs - margin - now()));
    deadline.unref();
  };
  const timer = setInterval(() => {
    if (busy || stopped) return;
    if (now() >= validUntilMs - margin) return lose(`the lock of ${name} was not renewed within its ${leaseMs} ms lease (this process stalled)`);
    busy = true;
    const sentAtMs = now();
    void (async () => {
      try {
        let kept = await store.extendLock(lockKey, token, leaseMs);
        // Before our lease ends nobody else can have taken the key: if it is gone, the store lost it.
        if (!kept && !stopped && now() < validUntilMs - margin) kept = await store.acquireLock(lockKey, token, leaseMs);
        if (stopped) return;
        if (!kept) return lose(`another process holds the lock of ${name}`);
        validUntilMs = sentAtMs + leaseMs;
        arm();
        o.onRenewed(now());
      } catch {
        // The store did not answer: the deadline decides.
      } finally {
        busy = false;
      }
    })();
  }, Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  arm();
  return stop;
}
