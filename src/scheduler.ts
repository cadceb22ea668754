// Runs the job table. Each due job runs on one lock holder at a time (SET NX PX with a random
// token, compare-and-delete release); the shared job status in the store holds the next run time,
// so several workers together keep each job's interval rather than each running it once.
// Timeouts abort the job's signal; failures back off exponentially; a watchdog restarts a loop
// that stopped ticking.
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SatscopeError, describeError } from './errors.ts';
import { summarizeFailure } from './sources/explain.ts';
import type { JobContext, JobDefinition } from './jobs/types.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { History } from './store/history/history.ts';
import { keys, type JobStatus, type JsonKey } from './store/keys.ts';
import type { Store } from './store/types.ts';

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
  now?: () => number;
}

interface LocalJob {
  def: JobDefinition;
  running: Promise<void> | undefined;
  controller: AbortController | undefined;
  /** This process will not look at the job again before this time. */
  checkAtMs: number;
}

export function validateJobTable(jobs: readonly JobDefinition[]): void {
  const names = new Set<string>();
  for (const j of jobs) {
    if (names.has(j.name)) throw new Error(`job ${j.name} is defined twice`);
    names.add(j.name);
    if (!(j.lockTtlMs > j.timeoutMs)) throw new Error(`job ${j.name}: lockTtlMs (${j.lockTtlMs}) must exceed timeoutMs (${j.timeoutMs})`);
    if (!(j.intervalMs > 0 && j.timeoutMs > 0 && j.cooldownMs >= 0)) throw new Error(`job ${j.name}: interval and timeout must be positive`);
  }
}

/** Delay before the next try after `failures` failures in a row: doubling, capped, with ±10% jitter. */
export function backoffMs(def: JobDefinition, failures: number, random: () => number = Math.random): number {
  const base = Math.min(def.intervalMs, 60_000);
  const cap = def.maxBackoffMs ?? Math.max(def.intervalMs, 10 * 60_000);
  const raw = Math.min(cap, base * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.9 + 0.2 * random()));
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
  watchdogRestarts = 0;

  constructor(private readonly o: SchedulerOptions) {
    validateJobTable(o.jobs);
    this.tickMs = o.tickMs ?? 500;
    this.stallMs = o.stallMs ?? Math.max(10_000, this.tickMs * 20);
    this.pollMs = o.pollMs ?? 5_000;
    this.holderId = o.holderId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    for (const def of o.jobs) this.jobs.set(def.name, { def, running: undefined, controller: undefined, checkAtMs: 0 });
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  get jobNames(): string[] {
    return [...this.jobs.keys()];
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
    for (const job of this.jobs.values()) {
      if (this.stopping) return;
      if (job.running || this.now() < job.checkAtMs) continue;
      await this.maybeStart(job).catch((err: unknown) => {
        job.checkAtMs = this.now() + Math.min(job.def.intervalMs, 5_000);
        this.o.log.warn('job not started: store unavailable', { job: job.def.name, err });
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

  private async maybeStart(job: LocalJob): Promise<void> {
    const { def } = job;
    const status = await this.o.store.get(keys.jobStatus(def.name));
    const dueAt = status?.running ? status.nextRunAtMs : await this.dueAtMs(def, status);
    if (status && dueAt > this.now()) {
      job.checkAtMs = Math.min(dueAt, this.now() + this.pollMs);
      return;
    }
    const token = randomUUID();
    if (!(await this.o.store.acquireLock(keys.jobLock(def.name), token, def.lockTtlMs))) {
      this.o.metrics.jobSkippedLocked.inc({ job: def.name });
      job.checkAtMs = this.now() + Math.min(this.tickMs * 4, def.intervalMs);
      return;
    }
    // Another process may have finished a run between our read and our lock: read again under the lock.
    const fresh = await this.o.store.get(keys.jobStatus(def.name));
    const freshDue = await this.dueAtMs(def, fresh);
    if (fresh && freshDue > this.now()) {
      job.checkAtMs = Math.min(freshDue, this.now() + this.pollMs);
      await this.o.store.releaseLock(keys.jobLock(def.name), token);
      return;
    }
    job.running = this.run(job, token, fresh).finally(() => {
      job.running = undefined;
      job.controller = undefined;
    });
  }

  private async run(job: LocalJob, token: string, previous: JobStatus | undefined): Promise<void> {
    const { def } = job;
    const log = this.o.log.child({ job: def.name });
    const startedAtMs = this.now();
    const controller = new AbortController();
    job.controller = controller;
    const status: JobStatus = {
      name: def.name,
      intervalMs: def.intervalMs,
      timeoutMs: def.timeoutMs,
      running: true,
      lockHolder: this.holderId,
      lastStartedAtMs: startedAtMs,
      lastFinishedAtMs: previous?.lastFinishedAtMs ?? null,
      lastDurationMs: previous?.lastDurationMs ?? null,
      lastOutcome: previous?.lastOutcome ?? null,
      lastError: previous?.lastError ?? null,
      lastErrorSummary: previous?.lastErrorSummary ?? null,
      consecutiveFailures: previous?.consecutiveFailures ?? 0,
      nextRunAtMs: startedAtMs + def.lockTtlMs,
      runs: (previous?.runs ?? 0) + 1,
      progress: null,
    };
    await this.o.store.set(keys.jobStatus(def.name), status).catch(() => undefined);
    const ctx: JobContext = {
      signal: controller.signal,
      log,
      progress: (done, total, note) => {
        status.progress = { done, total, ...(note ? { note } : {}) };
        this.o.store.set(keys.jobStatus(def.name), status).catch(() => undefined);
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
    let outcome: 'ok' | 'error' | 'timeout' = 'ok';
    let error: string | null = null;
    let summary: string | null = null;
    const work = Promise.resolve().then(() => def.run(ctx));
    try {
      // A job that ignores its signal still ends its turn at the timeout; its lock then expires by TTL.
      await Promise.race([work, timedOut]);
    } catch (err) {
      outcome = 'error';
      error = describeError(err);
      summary = summarizeFailure(err);
    } finally {
      clearTimeout(timer);
    }
    // After a timeout the lock is released only if the job has really stopped; a job that ignores
    // its signal keeps the lock until the TTL, so no other process starts a second copy.
    let stopped = true;
    if (didTimeOut) {
      outcome = 'timeout';
      error = `exceeded its timeout of ${def.timeoutMs} ms`;
      summary = `The run took longer than its ${Math.round(def.timeoutMs / 100) / 10} s limit and was stopped`;
      let grace: NodeJS.Timeout | undefined;
      stopped = await Promise.race([
        work.then(() => true, () => true),
        new Promise<boolean>((r) => (grace = setTimeout(() => r(false), Math.min(1000, def.lockTtlMs - def.timeoutMs)))),
      ]);
      clearTimeout(grace);
    }
    const finishedAtMs = this.now();
    status.running = false;
    status.lockHolder = null;
    status.lastFinishedAtMs = finishedAtMs;
    status.lastDurationMs = finishedAtMs - startedAtMs;
    status.lastOutcome = outcome;
    status.lastError = error;
    status.lastErrorSummary = summary;
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
    // Status first, then the lock: whoever takes the lock next sees this run's next-run time.
    await this.o.store.set(keys.jobStatus(def.name), status).catch((err: unknown) => log.warn('job status not saved', { err }));
    if (stopped) await this.o.store.releaseLock(keys.jobLock(def.name), token).catch(() => undefined);
    await this.o.history
      ?.recordJobRun({ id: randomUUID(), job: def.name, holder: this.holderId, startedAtMs, finishedAtMs, outcome, error })
      .catch((err: unknown) => log.warn('job run not recorded', { err }));
    if (!stopped) await work.catch(() => undefined);
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
    await Promise.allSettled([...this.jobs.values()].map((j) => j.def.dispose?.()));
  }
}

/**
 * Makes a job due now (or when its cooldown ends), from any process: the schedulers that hold the
 * job see the new next-run time within their poll interval. Throws JOB_UNKNOWN for an unknown name.
 */
export async function requestJobRun(store: Store, jobs: readonly JobDefinition[], name: string, nowMs: number = Date.now()): Promise<{ startsAtMs: number }> {
  const def = jobs.find((j) => j.name === name);
  if (!def) throw new SatscopeError('JOB_UNKNOWN', `no job named ${name}`);
  await store.set(keys.jobRunRequest(name), { requestedAtMs: nowMs });
  const [status] = await readJobStatuses(store, [def]);
  return { startsAtMs: Math.max(nowMs, (status?.lastFinishedAtMs ?? 0) + def.cooldownMs) };
}

/** Every job's status for the API: the shared status where one exists, else the table's defaults. */
export async function readJobStatuses(store: Store, jobs: readonly { name: string; intervalMs: number; timeoutMs: number }[]): Promise<JobStatus[]> {
  return Promise.all(jobs.map(async (j) => (await store.get(keys.jobStatus(j.name))) ?? notRunYet(j)));
}

/** The same, from state already read (a read model's mirror). */
export function jobStatusesFrom(read: <T>(key: JsonKey<T>) => T | undefined, jobs: readonly { name: string; intervalMs: number; timeoutMs: number }[]): JobStatus[] {
  return jobs.map((j) => read(keys.jobStatus(j.name)) ?? notRunYet(j));
}

function notRunYet(j: { name: string; intervalMs: number; timeoutMs: number }): JobStatus {
  return {
    name: j.name,
    intervalMs: j.intervalMs,
    timeoutMs: j.timeoutMs,
    running: false,
    lockHolder: null,
    lastStartedAtMs: null,
    lastFinishedAtMs: null,
    lastDurationMs: null,
    lastOutcome: null,
    lastError: null,
    lastErrorSummary: null,
    consecutiveFailures: 0,
    nextRunAtMs: 0,
    runs: 0,
    progress: null,
  };
}
