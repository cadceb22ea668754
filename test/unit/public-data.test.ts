import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pieceReply } from '../../src/server/routes/public-data.ts';
import type { SourceStatus } from '../../src/store/keys.ts';

const status = (over: Partial<SourceStatus>): SourceStatus => ({
  name: 'mempool', enabled: true, disabledReason: null, state: 'ok', lastOkAtMs: null, lastErrorAtMs: null, lastError: null, breaker: 'closed', counts: {}, rateLimit: null, lastRun: null, ...over,
});

test('pieceReply() marks stale only the piece that failed in the last run, with that failure in words', () => {
  const nowMs = 1_000_000;
  const degraded = status({
    state: 'degraded',
    lastErrorAtMs: nowMs - 1000,
    lastError: { code: 'UPSTREAM_HTTP', message: 'UPSTREAM_HTTP: mempool: HTTP 500', summary: 'mempool.space answered with an error (HTTP 500)' },
    lastRun: { job: 'public-mempool', atMs: nowMs - 1000, parts: 10, failed: 1, failedParts: ['mempool.lightning'] },
  });
  const statuses = new Map([['mempool', degraded]]);
  // Both pieces were stored before the run's verdict; only lightning failed in it.
  const fees = pieceReply({ source: 'mempool', asOfMs: nowMs - 2000, data: { fastestSatVb: 3 } }, 'mempool.fees', statuses, nowMs);
  assert.equal(fees.stale, false);
  assert.equal(fees.reason, undefined);
  const ln = pieceReply({ source: 'mempool', asOfMs: nowMs - 60_000, data: { channels: 1 } }, 'mempool.lightning', statuses, nowMs);
  assert.equal(ln.stale, true);
  assert.equal(ln.reason, 'mempool.space answered with an error (HTTP 500)');
  assert.equal(ln.detail, 'UPSTREAM_HTTP: mempool: HTTP 500');
  // A source that is down makes every piece of it stale.
  const down = new Map([['mempool', { ...degraded, state: 'down' as const, lastRun: { ...degraded.lastRun!, failed: 10 } }]]);
  assert.equal(pieceReply({ source: 'mempool', asOfMs: nowMs - 2000, data: 1 }, 'mempool.fees', down, nowMs).stale, true);
});
