// A job's shared status: how the API and the pages show it, what a recorded run implies, the
// backoff after failures, and the requests any process may make of a job. The scheduler
// (src/scheduler.ts) writes the statuses.
import { SatscopeError } from './errors.ts';
import type { JobDefinition } from './jobs/types.ts';
import type { JobRun } from './store/history/history.ts';
import { keys, type JobStatus, type JsonKey } from './store/keys.ts';
import type { Store } from './store/types.ts';

/** The default lease of a job lock: a killed holder's jobs run elsewhere within about this long. */
export const DEFAULT_LEASE_MS = 10_000;

/**
 * When a running job's holder last showed it was alive, plus its lease: past that the holder is
 * gone (its lock has expired) and the job is due again.
 */
export function holderAliveUntil(status: JobStatus, defaultLeaseMs: number = DEFAULT_LEASE_MS): number {
  return (status.heartbeatAtMs ?? status.lastStartedAtMs ?? 0) + (status.leaseMs ?? defaultLeaseMs);
}

export function validateJobTable(jobs: readonly JobDefinition[]): void {
  const names = new Set<string>();
  for (const j of jobs) {
    if (names.has(j.name)) throw new Error(`job ${j.name} is defined twice`);
    names.add(j.name);
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

/** The status a job's last recorded run implies (a store that lost the status, restarted). */
export function statusFromRun(def: JobDefinition, last: JobRun): JobStatus {
  const durationMs = last.finishedAtMs - last.startedAtMs;
  const failed = last.outcome !== 'ok';
  return {
    ...notRunYet(def),
    lastStartedAtMs: last.startedAtMs,
    lastFinishedAtMs: last.finishedAtMs,
    lastDurationMs: durationMs,
    lastOutcome: last.outcome,
    lastError: last.error,
    consecutiveFailures: failed ? 1 : 0,
    nextRunAtMs: last.finishedAtMs + Math.max(failed ? backoffMs(def, 1) : def.intervalMs - durationMs, def.cooldownMs),
  };
}

/** A run's id: the same from whichever process records it (a lost run is recorded by its holder and by its successor). */
export function runId(job: string, holder: string, startedAtMs: number): string {
  return `${job}@${holder}@${startedAtMs}`;
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
export async function readJobStatuses(store: Store, jobs: readonly { name: string; intervalMs: number; timeoutMs: number }[], nowMs: number = Date.now()): Promise<JobStatus[]> {
  return Promise.all(jobs.map(async (j) => asSeen((await store.get(keys.jobStatus(j.name))) ?? notRunYet(j), nowMs)));
}

/** The same, from state already read (a read model's mirror). */
export function jobStatusesFrom(read: <T>(key: JsonKey<T>) => T | undefined, jobs: readonly { name: string; intervalMs: number; timeoutMs: number }[], nowMs: number = Date.now()): JobStatus[] {
  return jobs.map((j) => asSeen(read(keys.jobStatus(j.name)) ?? notRunYet(j), nowMs));
}

/**
 * A status says running only while its holder renews its lock: a holder silent past its lease is
 * gone (killed, cut off), and the run is shown as lost, not as running, until another takes it.
 */
export function asSeen(s: JobStatus, nowMs: number): JobStatus {
  if (!s.running) return s;
  const aliveUntil = holderAliveUntil(s);
  if (nowMs <= aliveUntil) return s;
  return {
    ...s,
    running: false,
    lockHolder: null,
    lostHolder: s.lockHolder,
    lastOutcome: 'lost',
    lastError: `${s.lockHolder ?? 'its holder'} stopped renewing its lock at ${new Date(aliveUntil - (s.leaseMs ?? DEFAULT_LEASE_MS)).toISOString()}`,
    lastErrorSummary: 'The process running it stopped (killed or cut off); another worker takes it over',
    nextRunAtMs: aliveUntil,
  };
}

export function notRunYet(j: { name: string; intervalMs: number; timeoutMs: number }): JobStatus {
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
