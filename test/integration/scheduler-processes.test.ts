// Several scheduler processes on one real Redis: never two runs of a job at once, and a lock
// holder killed with SIGKILL is replaced once its lease runs out, long before the job's timeout.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { hasRedis, startRedis } from '../helpers/redis.ts';
import { requireService } from '../helpers/services.ts';
import { waitFor } from '../helpers/ports.ts';

const WORKER = new URL('../helpers/scheduler-worker.ts', import.meta.url).pathname;

async function worker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.match(chunk.toString(), /ready/);
  return child;
}

function runs(list: string[]) {
  return list.map((l) => {
    const [kind, holder, at] = l.split(' ');
    return { kind, holder, at: Number(at) };
  });
}

test('two scheduler processes sharing Redis never run the same job at once', async (t) => {
  if (!requireService(t, 'redis-server', hasRedis())) return;
  const redis = await startRedis();
  const probe = new Redis(redis.url);
  const env = { REDIS_URL: redis.url, PROBE_PREFIX: 'overlap', JOB_MS: '120', INTERVAL_MS: '50', TIMEOUT_MS: '2000', LEASE_MS: '300' };
  const a = await worker(env);
  const b = await worker(env);
  try {
    await waitFor('ten runs between them', async () => (runs(await probe.lrange('overlap:runs', 0, -1)).filter((r) => r.kind === 'start').length >= 10 ? true : undefined), 30_000, 100);
  } finally {
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([once(a, 'exit'), once(b, 'exit')]);
  }
  const overlaps = await probe.lrange('overlap:overlaps', 0, -1);
  const starts = runs(await probe.lrange('overlap:runs', 0, -1)).filter((r) => r.kind === 'start');
  probe.disconnect();
  await redis.stop();
  assert.deepEqual(overlaps, [], 'overlapping runs');
  assert.ok(starts.length >= 10, `only ${starts.length} runs`);
});

test('when the lock holder is killed with SIGKILL mid-run, another process takes the job over within its lease', async (t) => {
  if (!requireService(t, 'redis-server', hasRedis())) return;
  const redis = await startRedis();
  const probe = new Redis(redis.url);
  const leaseMs = 1500;
  const timeoutMs = 60_000;
  const env = { REDIS_URL: redis.url, PROBE_PREFIX: 'kill', JOB_MS: '60000', INTERVAL_MS: '100', TIMEOUT_MS: String(timeoutMs), LEASE_MS: String(leaseMs) };
  const a = await worker(env);
  const firstStart = await waitFor('first run', async () => runs(await probe.lrange('kill:runs', 0, -1)).find((r) => r.kind === 'start'));
  const b = await worker(env);
  try {
    assert.equal(firstStart.holder, String(a.pid));
    // Past several renewals: without the heartbeat the lease would have ended and b taken over.
    await new Promise((r) => setTimeout(r, leaseMs * 3));
    assert.equal(runs(await probe.lrange('kill:runs', 0, -1)).filter((r) => r.kind === 'start').length, 1, 'the renewed lock kept the run to one holder');
    const killedAtMs = Date.now();
    a.kill('SIGKILL');
    await once(a, 'exit');
    const takeover = await waitFor(
      'takeover',
      async () => runs(await probe.lrange('kill:runs', 0, -1)).find((r) => r.kind === 'start' && r.holder === String(b.pid)),
      leaseMs + 5000,
      50,
    );
    const after = takeover.at - killedAtMs;
    // The last renewal came at most a third of a lease before the kill: the lock lived on up to a lease after it.
    assert.ok(after >= (leaseMs * 2) / 3 - 100, `took over ${after} ms after the kill, before the lease could have ended`);
    assert.ok(after <= leaseMs + 2000, `took over ${after} ms after the kill: the lease is ${leaseMs} ms, the job's timeout ${timeoutMs} ms`);
    const all = runs(await probe.lrange('kill:runs', 0, -1));
    assert.equal(all.filter((r) => r.kind === 'end' && r.holder === String(a.pid)).length, 0, 'the killed holder never ended its run, so it never released the lock');
  } finally {
    b.kill('SIGTERM');
    await once(b, 'exit');
    probe.disconnect();
    await redis.stop();
  }
});
