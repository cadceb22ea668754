import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { backoffMs, validateJobTable } from '../../src/job-status.ts';

const job = (over: Partial<JobDefinition> = {}): JobDefinition => ({
  name: 'j',
  intervalMs: 30_000,
  timeoutMs: 10_000,
  cooldownMs: 0,
  run: async () => undefined,
  ...over,
});

test('validateJobTable() rejects a job defined twice and a non-positive interval or timeout', () => {
  assert.throws(() => validateJobTable([job({ timeoutMs: 0 })]), /positive/);
  assert.throws(() => validateJobTable([job({ intervalMs: -1 })]), /positive/);
  assert.throws(() => validateJobTable([job(), job()]), /twice/);
  assert.doesNotThrow(() => validateJobTable([job()]));
});

test('backoffMs() doubles from the base up to the cap, within ±10% jitter', () => {
  const mid = () => 0.5;
  const cases: [number, number][] = [
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [5, 480_000],
    [6, 600_000],
    [20, 600_000],
  ];
  for (const [failures, expected] of cases) assert.equal(backoffMs(job(), failures, mid), expected, `failures=${failures}`);
  assert.equal(backoffMs(job(), 1, () => 0), 27_000);
  assert.equal(backoffMs(job(), 1, () => 1), 33_000);
  // An hourly job retries after a minute, not an hour.
  assert.equal(backoffMs(job({ intervalMs: 3_600_000 }), 1, mid), 60_000);
});
