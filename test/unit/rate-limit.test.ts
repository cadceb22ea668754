import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { RateLimiter } from '../../src/server/rate-limit.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/types.ts';

// A fake clock shared by the store and the limiter: the minute window is under the test's control.
function clock(startMs: number) {
  let t = startMs;
  return { now: () => t, set: (ms: number) => (t = ms) };
}

test('RateLimiter allows the limit per client per minute, then answers with the seconds left in the window', () => {
  const c = clock(Date.UTC(2026, 10, 30, 12, 0, 10)); // 10 s into a minute
  const limiter = new RateLimiter(new MemoryStore(c.now), 3, silentLogger, c.now);
  const d = () => limiter.check('1.2.3.4') as { allowed: boolean; retryAfterSec: number };
  assert.deepEqual([d().allowed, d().allowed, d().allowed], [true, true, true]);
  assert.deepEqual(d(), { allowed: false, retryAfterSec: 50 });
  c.set(Date.UTC(2026, 10, 30, 12, 0, 59, 500));
  assert.deepEqual(d(), { allowed: false, retryAfterSec: 1 }, 'never 0: at least a second');
  assert.equal((limiter.check('5.6.7.8') as { allowed: boolean }).allowed, true, 'another client has its own count');
  c.set(Date.UTC(2026, 10, 30, 12, 1, 0));
  assert.equal(d().allowed, true, 'a new minute starts a new count');
});

test('with a shared store that fails, the limiter keeps limiting by its own count and never waits on the store', async () => {
  const c = clock(Date.UTC(2026, 10, 30, 12, 0, 10));
  let calls = 0;
  const dead = { increment: async () => {
    calls++;
    throw new Error('redis down');
  } } as unknown as Store;
  const limiter = new RateLimiter(dead, 60, silentLogger, c.now);
  const allowed = () => {
    const d = limiter.check('1.2.3.4');
    assert.ok(!(d instanceof Promise), 'decided at once');
    return d.allowed;
  };
  let yes = 0;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 30; i++) if (allowed()) yes++;
    await limiter.flush();
  }
  limiter.close();
  assert.ok(calls > 0, 'the store was tried');
  assert.equal(yes, 60, 'the limit holds across failed flushes: counts are not dropped');
});
