// Runs the job table. Each due job runs on one lock holder at a time (SET NX PX with a random
// token, compare-and-delete release). The lock is a short lease renewed by a heartbeat while the
// job runs, so a killed holder is replaced within a lease; a run whose lock is lost is aborted.
// The shared job status in the store holds the next run time, so several workers together keep
// each job's interval rather than each running it once; when the store loses it (a Redis restart)
// it is recovered from what this process last saw, or from the runs recorded in history, so a
// restart never fires a long-interval job early. Runs that history could not record are kept and
// written when it is back. Timeouts abort the job's signal; failures back off exponentially; a
// watchdog restarts a loop that stopped ticking.
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SatscopeError, describeError, isSatscopeError } from './errors.ts';
import { summarizeFailure } from './sources/explain.ts';
import type { JobContext, JobDefinition } from './jobs/types.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { History } from './store/history/history.ts';
import { keys, type JobStatus } from './store/keys.ts';
import type { Store } from './store/types.ts';
import { holdLease } from './job-lease.ts';
import { RunRecorder } from './job-run-recorder.ts';
import { DEFAULT_LEASE_MS, backoffMs, holderAliveUntil, runId, statusFromRun, validateJobTable } from './job-status.ts';

export interface SchedulerOptions {
  jobs: readonly JobDefinition[];
  store: Store;
  history?: History;
  metrics: Metrics;
  log: Logger;
  tickMs?: number;
  /** A loop that has not ticked for this long is restarted. */
  stallMs?: number;
  holderId?: string;
  pollMs?: number;
  /** The lock's lease: renewed every third of it while a job runs. */
  leaseMs?: number;
  now?: () => number;
}


interface LocalJob {
  def: JobDefinition;
  running: Promise<void> | undefined;
  controller: AbortController | undefined;
  /** This process will not look at the job again before this time. */
  checkAtMs: number;
  /** The last shared status this process read or wrote: what it restores if the store loses it. */
  lastSeen: JobStatus | undefined;
}

export class Scheduler {
  readonly holderId: string;
  private readonly jobs = new Map<string, LocalJob>();
  private readonly tickMs: number;
  private readonly stallMs: number;
  /** How often a waiting job re-reads its shared status, so a run requested by any process is seen. */
  private readonly pollMs: number;
  private generation = 0;
  private lastTickAtMs = 0;
  private loopTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  readonly leaseMs: number;
  /** Finished runs on their way to history (kept while it is down). */
  private readonly recorder: RunRecorder | undefined;
  watchdogRestarts = 0;

  constructor(private readonly o: SchedulerOptions) {
    validateJobTable(o.jobs);
    this.tickMs = o.tickMs ?? 500;
    this.stallMs = o.stallMs ?? Math.max(10_000, this.tickMs * 20);
    this.pollMs = o.pollMs ?? 5_000;
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.recorder = o.history ? new RunRecorder(o.history, o.log, () => this.now()) : undefined;
    this.holderId = o.holderId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    for (const def of o.jobs) this.jobs.set(def.name, { def, running: undefined, controller: undefined, checkAtMs: 0, lastSeen: undefined });
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  get jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  /** The jobs this process is running now. */
  runningJobs(): string[] {
    return [...this.jobs.values()].filter((j) => j.running).map((j) => j.def.name);
  }

  start(): void {
    this.stopping = false;
    this.startLoop();
    this.watchdog = setInterval(() => {
      if (!this.stopping && this.now() - this.lastTickAtMs > this.stallMs) {
        this.watchdogRestarts++;
        this.o.metrics.schedulerRestarts.inc();
        this.o.log.warn('scheduler loop stalled; restarting it', { stalledMs: this.now() - this.lastTickAtMs });
        this.startLoop();
      }
    }, Math.min(this.stallMs, 5_000));
    this.watchdog.unref();
  }

  private startLoop(): void {
    const gen = ++this.generation;
    this.lastTickAtMs = this.now();
    if (this.loopTimer) clearTimeout(this.loopTimer);
    const loop = async () => {
      if (gen !== this.generation || this.stopping) return;
      this.lastTickAtMs = this.now();
      try {
        await this.tick();
      } catch (err) {
        this.o.log.error('scheduler tick failed', { err });
      }
      // A loop the watchdog replaced while it was stuck ends here instead of ticking twice.
      if (gen === this.generation && !this.stopping) this.loopTimer = setTimeout(loop, this.tickMs);
    };
    this.loopTimer = setTimeout(loop, 0);
  }

  /** One pass over the table: start every job that is due and whose lock this process gets. */
  async tick(): Promise<void> {
    this.recorder?.retryDue();
    for (const job of this.jobs.values()) {
      if (this.stopping) return;
      if (job.running || this.now() < job.checkAtMs) continue;
      await this.maybeStart(job).catch((err: unknown) => {
        job.checkAtMs = this.now() + Math.min(job.def.intervalMs, 5_000);
        // One line for every job while the store or history is down (the logger counts repeats).
        if (isSatscopeError(err, 'STORE_UNAVAILABLE') || isSatscopeError(err, 'HISTORY_UNAVAILABLE')) this.o.log.warn('jobs not started: a dependency is down', { err });
        else this.o.log.warn('job not started', { job: job.def.name, err });
      });
    }
  }

  /** The next run time, brought forward by a run request made since the last start (after the cooldown). */
  private async dueAtMs(def: JobDefinition, status: JobStatus | undefined): Promise<number> {
    if (!status) return 0;
    const request = await this.o.store.get(keys.jobRunRequest(def.name));
    if (request && request.requestedAtMs > (status.lastStartedAtMs ?? 0)) {
      return Math.min(status.nextRunAtMs, Math.max(request.requestedAtMs, (status.lastFinishedAtMs ?? 0) + def.cooldownMs));
    }
    return status.nextRunAtMs;
  }

  private holderAliveUntil(status: JobStatus): number {
    return holderAliveUntil(status, this.leaseMs);
  }

  /**
   * The shared status, or when the store has lost it (a Redis restart) the status recovered from
   * what this process last saw, else from the last run history recorded; written back so every
   * process agrees. Undefined only for a job that has never run.
   */
  private async readStatus(job: LocalJob): Promise<JobStatus | undefined> {
    const shared = await this.o.store.get(keys.jobStatus(job.def.name));
    if (shared) {
      job.lastSeen = shared;
      return shared;
    }
    const from = job.lastSeen ? 'this process' : 'history';
    const recovered = job.lastSeen ? { ...job.lastSeen } : await this.fromHistory(job.def);
    if (!recovered) return undefined;
    // A holder still running the job takes its vanished lock again and rewrites its status within a
    // lease: nothing starts here before that, and a run the status said was going is not repeated early.
    recovered.running = false;
    recovered.lockHolder = null;
    recovered.heartbeatAtMs = null;
    recovered.nextRunAtMs = Math.max(recovered.nextRunAtMs, this.now() + this.leaseMs);
    job.lastSeen = recovered;
    // Written back only if still absent when written (a live holder's own write wins).
    if (!(await this.o.store.get(keys.jobStatus(job.def.name)))) {
      await this.o.store.set(keys.jobStatus(job.def.name), recovered);
      this.o.log.info('job status recovered', { job: job.def.name, from, nextRunAt: new Date(recovered.nextRunAtMs).toISOString() });
    }
    return recovered;
  }

  /** A status rebuilt from the job's last recorded run; only a shared store can lose one. */
  private async fromHistory(def: JobDefinition): Promise<JobStatus | undefined> {
    if (this.o.store.kind !== 'redis' || !this.o.history) return undefined;
    const [last] = await this.o.history.jobRuns(def.name, 1);
    return last ? statusFromRun(def, last) : undefined;
  }

  private async maybeStart(job: LocalJob): Promise<void> {
    const { def } = job;
    const status = await this.readStatus(job);
    const dueAt = status?.running ? this.holderAliveUntil(status) : await this.dueAtMs(def, status);
    if (status && dueAt > this.now()) {
      job.checkAtMs = Math.min(dueAt, this.now() + this.pollMs);
      return;
    }
    const token = `${this.holderId}/${randomUUID()}`;
    const acquiredAtMs = this.now();
    if (!(await this.o.store.acquireLock(keys.jobLock(def.name), token, this.leaseMs))) {
      this.o.metrics.jobSkippedLocked.inc({ job: def.name });
      job.checkAtMs = this.now() + Math.min(this.tickMs * 4, def.intervalMs);
      return;
    }
    // Another process may have finished a run between our read and our lock: read again under the lock.
    const fresh = await this.o.store.get(keys.jobStatus(def.name));
    const freshDue = fresh?.running ? 0 : await this.dueAtMs(def, fresh);
    if (fresh && freshDue > this.now()) {
      job.lastSeen = fresh;
      job.checkAtMs = Math.min(freshDue, this.now() + this.pollMs);
      await this.o.store.releaseLock(keys.jobLock(def.name), token);
      return;
    }
    // Under our lock a status still marked running is a run whose holder died without finishing it.
    if (fresh?.running) this.o.log.warn('job taken over from a holder that stopped renewing its lock', { job: def.name, holder: fresh.lockHolder, lastHeartbeatAt: new Date(this.holderAliveUntil(fresh) - (fresh.leaseMs ?? this.leaseMs)).toISOString() });
    job.running = this.run(job, token, acquiredAtMs, fresh ?? status).finally(() => {
      job.running = undefined;
      job.controller = undefined;
    });
  }

  private async run(job: LocalJob, token: string, acquiredAtMs: number, previous: JobStatus | undefined): Promise<void> {
    const { def } = job;
    const log = this.o.log.child({ job: def.name });
    const startedAtMs = this.now();
    const controller = new AbortController();
    job.controller = controller;
    const lostPrevious = previous?.running ? previous.lockHolder : null;
    const status: JobStatus = {
      name: def.name,
      intervalMs: def.intervalMs,
      timeoutMs: def.timeoutMs,
      running: true,
      lockHolder: this.holderId,
      lastStartedAtMs: startedAtMs,
      lastFinishedAtMs: previous?.lastFinishedAtMs ?? null,
      lastDurationMs: previous?.lastDurationMs ?? null,
      lastOutcome: lostPrevious ? 'lost' : (previous?.lastOutcome ?? null),
      lastError: lostPrevious ? `${lostPrevious} stopped renewing its lock mid-run` : (previous?.lastError ?? null),
      lastErrorSummary: lostPrevious ? 'The process running it stopped (killed or cut off); another took over' : (previous?.lastErrorSummary ?? null),
      consecutiveFailures: previous?.consecutiveFailures ?? 0,
      nextRunAtMs: startedAtMs + def.intervalMs,
      runs: (previous?.runs ?? 0) + 1,
      progress: null,
      heartbeatAtMs: startedAtMs,
      leaseMs: this.leaseMs,
      lostHolder: lostPrevious,
    };
    job.lastSeen = status;
    if (lostPrevious && previous?.lastStartedAtMs) {
      this.recorder?.record({ id: runId(def.name, lostPrevious, previous.lastStartedAtMs), job: def.name, holder: lostPrevious, startedAtMs: previous.lastStartedAtMs, finishedAtMs: startedAtMs, outcome: 'lost', error: 'the holder stopped renewing its lock (killed or cut off from the store)' });
    }
    await this.o.store.set(keys.jobStatus(def.name), status).catch(() => undefined);
    let lost: string | undefined;
    let onLost: (why: string) => void = () => undefined;
    const lockLost = new Promise<'lost'>((resolve) => {
      onLost = (why) => {
        if (lost) return;
        lost = why;
        resolve('lost');
        controller.abort(new SatscopeError('LOCK_LOST', why));
      };
    });
    const stopHeartbeat = holdLease({
      store: this.o.store,
      lockKey: keys.jobLock(def.name),
      name: def.name,
      token,
      leaseMs: this.leaseMs,
      acquiredAtMs,
      now: () => this.now(),
      onRenewed: (atMs) => {
        status.heartbeatAtMs = atMs;
        if (status.running) this.o.store.set(keys.jobStatus(def.name), status).catch(() => undefined);
      },
      onLost: (why) => onLost(why),
    });
    const ctx: JobContext = {
      signal: controller.signal,
      log,
      progress: (done, total, note) => {
        status.progress = { done, total, ...(note ? { note } : {}) };
        if (!lost) this.o.store.set(keys.jobStatus(def.name), status).catch(() => undefined);
      },
    };
    let timer: NodeJS.Timeout | undefined;
    let didTimeOut = false;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        // Marked before aborting: a job that honours the signal may settle inside abort() itself.
        didTimeOut = true;
        resolve('timeout');
        controller.abort(new SatscopeError('JOB_TIMEOUT', `${def.name} exceeded ${def.timeoutMs} ms`));
      }, def.timeoutMs);
    });
    let outcome: 'ok' | 'error' | 'timeout' | 'lost' = 'ok';
    let error: string | null = null;
    let summary: string | null = null;
    const work = Promise.resolve().then(() => def.run(ctx));
    try {
      // A job that ignores its signal still ends its turn at the timeout or when its lock is lost.
      await Promise.race([work, timedOut, lockLost]);
    } catch (err) {
      outcome = 'error';
      error = describeError(err);
      summary = summarizeFailure(err);
    } finally {
      clearTimeout(timer);
    }
    // After a timeout the lock is released only once the job has really stopped; the heartbeat
    // keeps a job that ignores its signal locked for one more lease, so no second copy starts
    // while it winds down.
    let stopped = true;
    if (didTimeOut && !lost) {
      outcome = 'timeout';
      error = `exceeded its timeout of ${def.timeoutMs} ms`;
      summary = `The run took longer than its ${Math.round(def.timeoutMs / 100) / 10} s limit and was stopped`;
      let grace: NodeJS.Timeout | undefined;
      stopped = await Promise.race([
        work.then(() => true, () => true),
        new Promise<boolean>((r) => (grace = setTimeout(() => r(false), Math.min(1000, this.leaseMs)))),
      ]);
      clearTimeout(grace);
    }
    if (lost) {
      outcome = 'lost';
      error = lost;
      summary = 'The run lost its lock and was stopped, so that no second copy runs';
      stopHeartbeat();
    }
    const finishedAtMs = this.now();
    status.running = false;
    status.lockHolder = null;
    status.heartbeatAtMs = null;
    status.lastFinishedAtMs = finishedAtMs;
    status.lastDurationMs = finishedAtMs - startedAtMs;
    status.lastOutcome = outcome;
    status.lastError = error;
    status.lastErrorSummary = summary;
    status.lostHolder = null;
    status.consecutiveFailures = outcome === 'ok' ? 0 : status.consecutiveFailures + 1;
    const delay = outcome === 'ok' ? Math.max(def.intervalMs - status.lastDurationMs, 0) : backoffMs(def, status.consecutiveFailures);
    status.nextRunAtMs = Math.max(finishedAtMs + delay, finishedAtMs + def.cooldownMs);
    // A run requested while this one was running is honoured once the cooldown has passed.
    const request = await this.o.store.get(keys.jobRunRequest(def.name)).catch(() => undefined);
    if (request && request.requestedAtMs > startedAtMs) status.nextRunAtMs = Math.min(status.nextRunAtMs, finishedAtMs + def.cooldownMs);
    job.checkAtMs = Math.min(status.nextRunAtMs, finishedAtMs + this.pollMs);
    this.o.metrics.jobRuns.inc({ job: def.name, outcome });
    this.o.metrics.jobDuration.observe({ job: def.name }, status.lastDurationMs / 1000);
    if (outcome === 'ok') this.o.metrics.jobLastSuccess.set({ job: def.name }, Math.floor(finishedAtMs / 1000));
    else log.warn('job failed', { outcome, error, retryInMs: status.nextRunAtMs - finishedAtMs });
    job.lastSeen = status;
    // A lost lock may be someone else's now: their status and their lock are left alone.
    if (!lost) {
      // Status first, then the lock: whoever takes the lock next sees this run's next-run time.
      if (stopped) stopHeartbeat();
      await this.o.store.set(keys.jobStatus(def.name), status).catch((err: unknown) => log.warn('job status not saved', { err }));
      if (stopped) await this.o.store.releaseLock(keys.jobLock(def.name), token).catch(() => undefined);
    }
    this.recorder?.record({ id: runId(def.name, this.holderId, startedAtMs), job: def.name, holder: this.holderId, startedAtMs, finishedAtMs, outcome, error });
    if (!stopped) {
      // Renewed until the job really ends, at most one lease past its timeout.
      let cap: NodeJS.Timeout | undefined;
      await Promise.race([work.catch(() => undefined), new Promise((r) => (cap = setTimeout(r, this.leaseMs)))]);
      clearTimeout(cap);
      stopHeartbeat();
      await this.o.store.releaseLock(keys.jobLock(def.name), token).catch(() => undefined);
    }
    // This process never starts a second copy of a job that ignores its abort: it stays busy here
    // until the work really ends (another process may run it once the lock is gone).
    if (!(await settlesWithin(work, 1000))) {
      log.warn('job ignores its abort signal; it is not started again here until it ends', { outcome });
      await work.catch(() => undefined);
    }
  }

  /** Runs history has not recorded yet (it was down). */
  get unrecordedRuns(): number {
    return this.recorder?.pending ?? 0;
  }

  /** Stops starting jobs, aborts the running ones and waits for them, at most their timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.generation++;
    if (this.loopTimer) clearTimeout(this.loopTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    const running = [...this.jobs.values()].filter((j) => j.running);
    for (const j of running) j.controller?.abort(new SatscopeError('SHUTTING_DOWN', 'shutting down'));
    const longest = Math.max(0, ...running.map((j) => j.def.timeoutMs));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running.map((j) => j.running)), new Promise((r) => (timer = setTimeout(r, longest)))]);
    clearTimeout(timer);
    // The runs just ended (and any history could not take earlier) are written before history closes.
    await this.recorder?.drain(3_000);
    await Promise.allSettled([...this.jobs.values()].map((j) => j.def.dispose?.()));
  }
}

/** True when the promise settles (either way) within ms. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return settled;
}
