// Each source's health, mirrored to the store so that every web process (and /api/v1/sources,
// /health, the Status page) shows the same picture. One truth: once a job has run against the
// source, the state is that job's verdict on its last run (every part answered: ok; some failed:
// degraded; none answered: down), not whichever single call happened to finish last.
import { isSatscopeError } from '../errors.ts';
import { explainError, isConsequence, rootFailure } from './explain.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { keys, type JsonKey, type SourceStatus } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import type { BreakerState, CircuitBreaker } from './http/circuit-breaker.ts';
import type { TokenBucket } from './http/token-bucket.ts';

export interface SourceDefinition {
  name: string;
  kind: 'http' | 'rpc' | 'electrum';
  enabled: boolean;
  disabledReason: string | null;
  /** Where it points, with credentials masked. */
  target: string | null;
}

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class SourceTracker {
  private readonly status: SourceStatus;
  private breaker: CircuitBreaker | undefined;
  private lastOutcomeOk: boolean | null = null;
  private bucket: TokenBucket | undefined;

  constructor(
    readonly def: SourceDefinition,
    private readonly deps: { store: Store; metrics: Metrics; log: Logger; now?: () => number },
  ) {
    this.status = {
      name: def.name,
      enabled: def.enabled,
      disabledReason: def.disabledReason,
      state: def.enabled ? 'idle' : 'disabled',
      lastOkAtMs: null,
      lastErrorAtMs: null,
      lastError: null,
      breaker: 'closed',
      counts: {},
      rateLimit: null,
      lastRun: null,
    };
  }

  attach(breaker: CircuitBreaker, bucket: TokenBucket): void {
    this.breaker = breaker;
    this.bucket = bucket;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Counts one call's outcome ('ok' or an error code) and publishes the new status. */
  record(outcome: 'ok' | { error: unknown }): void {
    const label = outcome === 'ok' ? 'ok' : isSatscopeError(outcome.error) ? outcome.error.code.toLowerCase() : 'internal';
    this.status.counts[label] = (this.status.counts[label] ?? 0) + 1;
    this.deps.metrics.upstreamRequests.inc({ source: this.def.name, outcome: label });
    const t = this.now();
    this.lastOutcomeOk = outcome === 'ok';
    if (outcome === 'ok') {
      this.status.lastOkAtMs = t;
    } else {
      this.status.lastErrorAtMs = t;
      this.noteFailure(outcome.error);
    }
    this.refresh();
    this.persist();
  }

  /** Becomes the last error, unless it is only a consequence (a refused budget, an open breaker) of the cause on record. */
  private noteFailure(err: unknown): void {
    const prior = this.status.lastError?.code;
    const keepCause = isConsequence(err) && prior !== undefined && prior !== 'UPSTREAM_RATE_LIMITED' && prior !== 'UPSTREAM_CIRCUIT_OPEN';
    if (!keepCause) this.status.lastError = this.describe(err);
  }

  private describe(err: unknown): NonNullable<SourceStatus['lastError']> {
    const code = isSatscopeError(err) ? err.code : 'INTERNAL';
    const { summary, detail } = explainError(err, this.def.name);
    return { code, message: detail, summary };
  }

  /**
   * A job's verdict after a run: how many parts it asked for and which failed. The state follows
   * the last verdict; the first real cause among the failures becomes the last error.
   */
  settle(job: string, parts: number, failures: readonly unknown[], failedParts?: readonly string[]): void {
    const t = this.now();
    this.status.lastRun = { job, atMs: t, parts, failed: failures.length, ...(failedParts ? { failedParts: [...failedParts] } : {}) };
    if (failures.length === 0) this.status.lastOkAtMs = t;
    else {
      this.status.lastErrorAtMs = t;
      this.noteFailure(rootFailure(failures));
    }
    this.refresh();
    this.persist();
  }

  /**
   * Why an enabled source is not being asked (OCEAN without a payout address), shown where a
   * disabled source shows its reason; null once it is asked again.
   */
  idleBecause(reason: string | null): void {
    if (this.status.disabledReason === reason) return;
    this.status.disabledReason = reason;
    this.refresh();
    this.persist();
  }

  private refresh(): void {
    const breaker = this.breaker?.state ?? 'closed';
    this.status.breaker = breaker;
    this.status.rateLimit = this.bucket?.state() ?? null;
    this.deps.metrics.breakerState.set({ source: this.def.name }, BREAKER_GAUGE[breaker]);
    if (!this.def.enabled) this.status.state = 'disabled';
    else if (breaker === 'open') this.status.state = 'down';
    else if (this.status.lastRun) {
      const r = this.status.lastRun;
      this.status.state = r.failed === 0 ? 'ok' : r.failed >= r.parts ? 'down' : 'degraded';
    } else if (this.lastOutcomeOk === false) this.status.state = 'degraded';
    else if (this.lastOutcomeOk === true) this.status.state = 'ok';
    else this.status.state = 'idle';
  }

  private persist(): void {
    this.deps.store.set(keys.sourceStatus(this.def.name), this.status).catch((err: unknown) => {
      this.deps.log.debug('source status not persisted', { source: this.def.name, err });
    });
  }

  snapshot(): SourceStatus {
    this.refresh();
    return structuredClone(this.status);
  }
}

/** Every source's status: the shared one from the store where a process recorded it, else this process's own. */
export async function readSourceStatuses(store: Store, trackers: readonly SourceTracker[]): Promise<SourceStatus[]> {
  return Promise.all(trackers.map(async (t) => newerStatus(t, t.def.enabled ? await store.get(keys.sourceStatus(t.def.name)).catch(() => undefined) : undefined)));
}

/** The same, from state already read (a read model's mirror). */
export function sourceStatusesFrom(read: <T>(key: JsonKey<T>) => T | undefined, trackers: readonly SourceTracker[]): SourceStatus[] {
  return trackers.map((t) => newerStatus(t, t.def.enabled ? read(keys.sourceStatus(t.def.name)) : undefined));
}

function newerStatus(t: SourceTracker, shared: SourceStatus | undefined): SourceStatus {
  const local = t.snapshot();
  if (!t.def.enabled || !shared) return local;
  return (shared.lastOkAtMs ?? 0) + (shared.lastErrorAtMs ?? 0) >= (local.lastOkAtMs ?? 0) + (local.lastErrorAtMs ?? 0) ? shared : local;
}
