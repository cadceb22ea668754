import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from '../../src/sources/http/circuit-breaker.ts';
import { TokenBucket, parseRetryAfterMs } from '../../src/sources/http/token-bucket.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('CircuitBreaker opens after five failures, half-opens after openMs, and lets one trial through', () => {
  const c = clock();
  const b = new CircuitBreaker({ failureThreshold: 5, openMs: 10_000 }, c.now);
  for (let i = 0; i < 4; i++) b.onFailure();
  assert.equal(b.state, 'closed');
  b.onFailure();
  assert.equal(b.state, 'open');
  assert.equal(b.tryAcquire(), false);
  assert.equal(b.retryInMs(), 10_000);
  c.advance(10_000);
  assert.equal(b.state, 'half-open');
  assert.equal(b.tryAcquire(), true);
  assert.equal(b.tryAcquire(), false, 'only one trial at a time');
  b.onFailure();
  assert.equal(b.state, 'open', 'a failed trial reopens for a full period');
  c.advance(10_000);
  assert.equal(b.tryAcquire(), true);
  b.onSuccess();
  assert.equal(b.state, 'closed');
});

test('CircuitBreaker resets its count on success', () => {
  const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
  b.onFailure();
  b.onFailure();
  b.onSuccess();
  b.onFailure();
  b.onFailure();
  assert.equal(b.state, 'closed');
});

test('TokenBucket refills at its rate and honours a block', () => {
  const c = clock();
  const bucket = new TokenBucket({ capacity: 2, refillPerSec: 1 }, c.now);
  assert.equal(bucket.waitMs(), 0);
  void bucket.take(0);
  void bucket.take(0);
  assert.equal(bucket.waitMs(), 1000);
  c.advance(500);
  assert.equal(bucket.waitMs(), 500);
  c.advance(500);
  assert.equal(bucket.waitMs(), 0);
  bucket.blockUntil(c.now() + 2000);
  assert.equal(bucket.waitMs(), 2000);
  assert.ok(bucket.state().blockedUntilMs);
});

test('TokenBucket.take() refuses at once when the wait exceeds the budget', async () => {
  const bucket = new TokenBucket({ capacity: 1, refillPerSec: 0.001 });
  await bucket.take(0);
  await assert.rejects(bucket.take(100), (e: { code?: string }) => e.code === 'UPSTREAM_RATE_LIMITED');
});

test('parseRetryAfterMs() reads seconds and HTTP dates', () => {
  assert.equal(parseRetryAfterMs('2'), 2000);
  assert.equal(parseRetryAfterMs('0.5'), 500);
  assert.equal(parseRetryAfterMs(new Date(61_000).toUTCString(), 1000), 60_000);
  assert.equal(parseRetryAfterMs(null), undefined);
  assert.equal(parseRetryAfterMs('soon'), undefined);
});
