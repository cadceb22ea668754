import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { Scheduler } from '../../src/scheduler.ts';
import { readJobStatuses, requestJobRun } from '../../src/job-status.ts';
import { openHistory } from '../../src/store/history/history.ts';
import { keys } from '../../src/store/keys.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/types.ts';
import { waitFor } from '../helpers/ports.ts';

const job = (over: Partial<JobDefinition> & Pick<JobDefinition, 'run'>): JobDefinition => ({
  name: 'probe',
  intervalMs: 100,
  timeoutMs: 1000,
  cooldownMs: 0,
  ...over,
});

function scheduler(store: Store, jobs: JobDefinition[], extra: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) {
  return new Scheduler({ store, jobs, metrics: createMetrics(), log: silentLogger, tickMs: 20, pollMs: 50, ...extra });
}

test('Scheduler runs a due job, keeps its status in the store and its runs in history', async () => {
  const store = new MemoryStore();
  const history = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-sch-')), log: silentLogger });
  let runs = 0;
  const s = scheduler(store, [job({ run: async () => void runs++ })], { history });
  s.start();
  await waitFor('two runs', async () => (runs >= 2 ? true : undefined), 3000);
  await s.stop();
  const [status] = await readJobStatuses(store, [{ name: 'probe', intervalMs: 100, timeoutMs: 1000 }]);
  assert.equal(status?.lastOutcome, 'ok');
  assert.equal(status?.running, false);
  assert.ok((status?.runs ?? 0) >= 2);
  assert.ok((status?.nextRunAtMs ?? 0) > (status?.lastStartedAtMs ?? 0));
  const recorded = await history.jobRuns('probe');
  assert.ok(recorded.length >= 2 && recorded.every((r) => r.outcome === 'ok'));
  assert.equal(await store.lockHolder(keys.jobLock('probe')), undefined, 'the lock is released');
  await history.close();
});

test('two schedulers on one store never run the same job at once', async () => {
  const store = new MemoryStore();
  let active = 0;
  let overlaps = 0;
  let runs = 0;
  const def = job({
    intervalMs: 10,
    run: async () => {
      if (++active > 1) overlaps++;
      runs++;
      await sleep(30);
      active--;
    },
  });
  const a = scheduler(store, [def]);
  const b = scheduler(store, [def]);
  a.start();
  b.start();
  await waitFor('twenty runs', async () => (runs >= 20 ? true : undefined), 20_000, 10);
  await Promise.all([a.stop(), b.stop()]);
  assert.equal(overlaps, 0);
});

test('a job past its timeout is aborted and recorded as a timeout', async () => {
  const store = new MemoryStore();
  let aborted: unknown;
  const s = scheduler(store, [
    job({
      timeoutMs: 100,
      intervalMs: 60_000,
      run: (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            resolve();
          });
        }),
    }),
  ]);
  s.start();
  const status = await waitFor('timeout', async () => {
    const st = await store.get(keys.jobStatus('probe'));
    return st?.lastOutcome ? st : undefined;
  });
  await s.stop();
  assert.equal(status.lastOutcome, 'timeout');
  assert.equal(status.consecutiveFailures, 1);
  assert.equal((aborted as { code?: string }).code, 'JOB_TIMEOUT');
});

test('failures back off exponentially and a success resets the count', async () => {
  const store = new MemoryStore();
  let calls = 0;
  let release: () => void = () => undefined;
  const fourthMayFinish = new Promise<void>((r) => (release = r));
  const s = scheduler(store, [
    job({
      intervalMs: 20,
      maxBackoffMs: 10_000,
      run: async () => {
        calls++;
        if (calls <= 3) throw new Error(`failure ${calls}`);
        await fourthMayFinish; // holds the "3 failures" status until the test has read it
      },
    }),
  ]);
  s.start();
  const st = await waitFor('three failures', async () => {
    const x = await store.get(keys.jobStatus('probe'));
    return x?.consecutiveFailures === 3 ? x : undefined;
  });
  // After the 3rd failure the wait is base(20) * 2^2 = 80 ms, ±10%. On a busy machine the poll may
  // only see the status once the 4th run has started: its start then shows the wait was kept.
  if (st.running) {
    const waited = (st.lastStartedAtMs ?? 0) - (st.lastFinishedAtMs ?? 0);
    assert.ok(waited >= 72, `started again after ${waited} ms`);
  } else {
    const wait = st.nextRunAtMs - (st.lastFinishedAtMs ?? 0);
    assert.ok(wait >= 72 && wait <= 88, `waited ${wait} ms`);
  }
  assert.match(st.lastError ?? '', /failure 3/);
  release();
  const ok = await waitFor('recovery', async () => {
    const x = await store.get(keys.jobStatus('probe'));
    return x?.lastOutcome === 'ok' ? x : undefined;
  });
  await s.stop();
  assert.equal(ok.consecutiveFailures, 0);
});

test('the watchdog restarts a scheduler loop that stalled', async () => {
  const store = new MemoryStore();
  const realGet = store.get.bind(store);
  let hung = false;
  // The first status read never answers: the loop stalls inside its tick.
  store.get = ((key: Parameters<Store['get']>[0]) => {
    if (!hung) {
      hung = true;
      return new Promise(() => undefined);
    }
    return realGet(key);
  }) as Store['get'];
  let runs = 0;
  const s = scheduler(store, [job({ run: async () => void runs++ })], { stallMs: 200 });
  s.start();
  await waitFor('a run after the restart', async () => (runs > 0 ? true : undefined), 5000);
  await s.stop();
  assert.ok(s.watchdogRestarts >= 1);
});

test('requestJobRun() from another process makes a waiting job run, after its cooldown', async () => {
  const store = new MemoryStore();
  let runs = 0;
  const def = job({ intervalMs: 3_600_000, cooldownMs: 0, run: async () => void runs++ });
  const s = scheduler(store, [def]);
  s.start();
  await waitFor('first run', async () => (runs === 1 ? true : undefined));
  const st = await waitFor('the run recorded', async () => {
    const x = await store.get(keys.jobStatus('probe'));
    return x?.lastFinishedAtMs ? x : undefined;
  });
  assert.ok(st.nextRunAtMs - (st.lastFinishedAtMs ?? 0) >= 3_599_000, 'an hourly job is next due in an hour');
  await requestJobRun(store, [def], 'probe');
  await waitFor('requested run', async () => (runs === 2 ? true : undefined), 2000);
  await s.stop();
  await assert.rejects(requestJobRun(store, [def], 'nope'), (e: { code?: string }) => e.code === 'JOB_UNKNOWN');
});

test('stop() aborts a running job and waits for it to end', async () => {
  const store = new MemoryStore();
  let ended = false;
  const s = scheduler(store, [
    job({
      timeoutMs: 10_000,
      run: (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            ended = true;
            resolve();
          }),
        ),
    }),
  ]);
  s.start();
  await waitFor('running', async () => ((await store.get(keys.jobStatus('probe')))?.running ? true : undefined));
  const started = Date.now();
  await s.stop();
  assert.ok(ended);
  assert.ok(Date.now() - started < 1000);
});

test('the lock is a lease renewed while the job runs: a second scheduler never starts a long run twice', async () => {
  const store = new MemoryStore();
  let active = 0;
  let overlaps = 0;
  let runs = 0;
  const def = job({
    intervalMs: 50,
    timeoutMs: 5000,
    run: async () => {
      if (++active > 1) overlaps++;
      runs++;
      await sleep(700); // more than three leases
      active--;
    },
  });
  const a = scheduler(store, [def], { leaseMs: 200 });
  const b = scheduler(store, [def], { leaseMs: 200 });
  a.start();
  b.start();
  const seen: number[] = [];
  await waitFor('three runs', async () => {
    const st = await store.get(keys.jobStatus('probe'));
    if (st?.running && st.heartbeatAtMs) seen.push(st.heartbeatAtMs);
    return runs >= 3 ? true : undefined;
  }, 10_000, 20);
  await Promise.all([a.stop(), b.stop()]);
  assert.equal(overlaps, 0, 'two runs at once');
  assert.ok(new Set(seen).size >= 3, `the heartbeat was written while running (${new Set(seen).size} distinct)`);
});

test('a run whose lock is taken by another holder is aborted with LOCK_LOST and leaves the new holder\'s status alone', async () => {
  const store = new MemoryStore();
  let reason: unknown;
  const s = scheduler(store, [
    job({
      intervalMs: 60_000,
      timeoutMs: 10_000,
      run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((reason = ctx.signal.reason), resolve()))),
    }),
  ], { leaseMs: 150 });
  s.start();
  await waitFor('running', async () => ((await store.get(keys.jobStatus('probe')))?.running ? true : undefined));
  // Another process takes the lock (as if this one had been cut off past its lease).
  const lockKey = keys.jobLock('probe');
  const holder = await store.lockHolder(lockKey);
  assert.ok(holder?.startsWith(s.holderId), 'the lock token names its holder');
  await store.releaseLock(lockKey, holder!);
  assert.ok(await store.acquireLock(lockKey, 'other-process/1', 10_000));
  const other = { ...(await store.get(keys.jobStatus('probe')))!, lockHolder: 'other-process', heartbeatAtMs: Date.now() };
  await store.set(keys.jobStatus('probe'), other);
  await waitFor('aborted', async () => (reason ? true : undefined), 3000);
  assert.equal((reason as { code?: string }).code, 'LOCK_LOST');
  await sleep(100);
  await s.stop();
  assert.equal(await store.lockHolder(lockKey), 'other-process/1', 'the other holder keeps its lock');
  assert.equal((await store.get(keys.jobStatus('probe')))?.lockHolder, 'other-process', 'and its status');
});

test('a status whose holder stopped renewing is shown as lost, not running, and the job is due again', async () => {
  const store = new MemoryStore();
  const now = Date.now();
  await store.set(keys.jobStatus('probe'), {
    name: 'probe', intervalMs: 10_000, timeoutMs: 90_000, running: true, lockHolder: 'dead-host:1', lastStartedAtMs: now - 30_000,
    lastFinishedAtMs: now - 40_000, lastDurationMs: 5, lastOutcome: 'ok', lastError: null, consecutiveFailures: 0, nextRunAtMs: now - 20_000,
    runs: 7, progress: null, heartbeatAtMs: now - 25_000, leaseMs: 10_000,
  });
  const [seen] = await readJobStatuses(store, [{ name: 'probe', intervalMs: 10_000, timeoutMs: 90_000 }], now);
  assert.equal(seen?.running, false);
  assert.equal(seen?.lockHolder, null);
  assert.equal(seen?.lostHolder, 'dead-host:1');
  assert.equal(seen?.lastOutcome, 'lost');
  // A scheduler takes it over at once (no lock is held), and records the lost run.
  let runs = 0;
  const history = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-sch-')), log: silentLogger });
  const s = scheduler(store, [job({ intervalMs: 10_000, timeoutMs: 90_000, run: async () => void runs++ })], { history });
  s.start();
  await waitFor('taken over', async () => (runs === 1 ? true : undefined), 2000);
  await s.stop();
  const recorded = await waitFor('runs recorded', async () => {
    const r = await history.jobRuns('probe', 10);
    return r.length === 2 ? r : undefined;
  });
  assert.deepEqual(recorded.map((r) => [r.holder, r.outcome]).sort(), [['dead-host:1', 'lost'], [s.holderId, 'ok']].sort());
  await history.close();
});

test('when the store loses the job status (a Redis restart), a long-interval job is not run early', async () => {
  const history = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-sch-')), log: silentLogger });
  let runs = 0;
  const def = job({ intervalMs: 3_600_000, cooldownMs: 0, run: async () => void runs++ });
  // This process saw the status: it restores it.
  const store = new MemoryStore();
  const a = scheduler(store, [def], { history });
  a.start();
  await waitFor('first run', async () => (runs === 1 ? true : undefined));
  await sleep(50);
  await store.delete(keys.jobStatus('probe'));
  await sleep(400);
  assert.equal(runs, 1, 'not run again after the status vanished');
  const restored = await store.get(keys.jobStatus('probe'));
  assert.ok(restored && restored.nextRunAtMs - (restored.lastFinishedAtMs ?? 0) >= 3_599_000, 'restored with its next run an hour on');
  await a.stop();
  // A process that never saw it (a fresh worker on a restarted Redis) rebuilds it from history.
  const shared = new MemoryStore();
  Object.defineProperty(shared, 'kind', { value: 'redis' });
  const b = scheduler(shared, [def], { history });
  b.start();
  await sleep(400);
  await b.stop();
  assert.equal(runs, 1, 'not run by a fresh scheduler either');
  const rebuilt = await shared.get(keys.jobStatus('probe'));
  assert.equal(rebuilt?.lastOutcome, 'ok');
  assert.ok(rebuilt && rebuilt.nextRunAtMs > Date.now() + 3_500_000);
  await history.close();
});

test('runs that history could not record are kept and written when it answers again', async () => {
  const real = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-sch-')), log: silentLogger });
  let down = true;
  const history = Object.assign(Object.create(real) as typeof real, {
    recordJobRun: (run: Parameters<typeof real.recordJobRun>[0]) => (down ? Promise.reject(new Error('ECONNREFUSED')) : real.recordJobRun(run)),
  });
  let runs = 0;
  const store = new MemoryStore();
  const s = scheduler(store, [job({ intervalMs: 30, run: async () => void runs++ })], { history });
  s.start();
  await waitFor('five runs while history is down', async () => (runs >= 5 ? true : undefined));
  assert.ok(s.unrecordedRuns >= 4, `kept ${s.unrecordedRuns}`);
  down = false;
  await waitFor('recorded', async () => (s.unrecordedRuns === 0 ? true : undefined));
  await s.stop();
  await sleep(50);
  const recorded = await real.jobRuns('probe', 500);
  assert.ok(recorded.length >= runs - 1 && recorded.length >= 5, `${recorded.length} of ${runs} runs recorded`);
  assert.equal(new Set(recorded.map((r) => r.id)).size, recorded.length);
  await real.close();
});

test('a holder that cannot renew its lease stops before another process may start the job (no overlap)', async () => {
  const store = new MemoryStore();
  // Holder A's renewals hang (cut off from the store); B's store works.
  let cutOff = false;
  const aStore = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'extendLock' || prop === 'acquireLock') {
        return (...args: unknown[]) => (cutOff ? new Promise(() => undefined) : (Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<boolean>).apply(target, args));
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const events: [string, string, number][] = [];
  const def = (who: string) =>
    job({
      intervalMs: 60_000,
      timeoutMs: 30_000,
      run: (ctx) =>
        new Promise<void>((resolve) => {
          events.push([who, 'start', Date.now()]);
          ctx.signal.addEventListener('abort', () => {
            events.push([who, `abort:${(ctx.signal.reason as { code?: string }).code}`, Date.now()]);
            resolve();
          });
        }),
    });
  const a = scheduler(aStore, [def('a')], { leaseMs: 600 });
  a.start();
  await waitFor('a running', async () => (events.some((e) => e[0] === 'a') ? true : undefined));
  cutOff = true;
  const b = scheduler(store, [def('b')], { leaseMs: 600 });
  b.start();
  await waitFor('b takes over', async () => (events.some((e) => e[0] === 'b' && e[1] === 'start') ? true : undefined), 5000);
  const aborted = events.find((e) => e[0] === 'a' && e[1].startsWith('abort'));
  const bStart = events.find((e) => e[0] === 'b' && e[1] === 'start')!;
  assert.equal(aborted?.[1], 'abort:LOCK_LOST');
  assert.ok(aborted![2] <= bStart[2], `a stopped at ${aborted![2]}, b started at ${bStart[2]}`);
  cutOff = false;
  await Promise.all([a.stop(), b.stop()]);
});

test('a job that ignores its abort is never run twice at once by one process', async () => {
  const store = new MemoryStore();
  let active = 0;
  let most = 0;
  let runs = 0;
  const s = scheduler(store, [
    job({
      intervalMs: 20,
      timeoutMs: 150,
      run: async () => {
        runs++;
        most = Math.max(most, ++active);
        await sleep(900); // ignores ctx.signal
        active--;
      },
    }),
  ], { leaseMs: 200 });
  s.start();
  await waitFor('two runs', async () => (runs >= 2 ? true : undefined), 5000);
  await s.stop();
  assert.equal(most, 1, 'copies at once');
});

test('stop() writes the runs history has not taken yet before it returns', async () => {
  const history = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-sch-')), log: silentLogger });
  let runs = 0;
  const s = scheduler(new MemoryStore(), [job({ intervalMs: 10, run: async () => void runs++ })], { history });
  s.start();
  await waitFor('runs', async () => (runs >= 5 ? true : undefined));
  await s.stop();
  assert.equal((await history.jobRuns('probe', 500)).length, runs);
  await history.close();
});
