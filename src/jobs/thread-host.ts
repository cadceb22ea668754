// Starts and keeps the jobs thread of `satscope start` (src/jobs/thread.ts): serves it the
// embedded store, asks it for its metrics, stops it on shutdown, and starts it again, after a
// growing pause, if it dies.
import { Worker } from 'node:worker_threads';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Config } from '../config.ts';
import { describeError } from '../errors.ts';
import { enableGc } from '../gc.ts';
import type { Logger } from '../log.ts';
import { packagePath } from '../paths.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { serveStore, type PortLike } from '../store/port-store.ts';
import type { Store } from '../store/types.ts';

declare const SATSCOPE_PREBUILT_WEB: boolean | undefined;
/** Set in the bundle (scripts/build.mjs): the thread is dist/jobs-thread.mjs, not the TypeScript. */
const BUNDLED = typeof SATSCOPE_PREBUILT_WEB !== 'undefined' && SATSCOPE_PREBUILT_WEB;

export interface ThreadData {
  config: Config;
}

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

export type ToThread = { t: 'metrics'; id: number } | { t: 'stop' };
export type ToHost =
  | { t: 'ready'; jobNames: string[] }
  | { t: 'metrics'; id: number; json: Metrics; watchdogRestarts: number; error?: string }
  | { t: 'stopped' };

/** The longest pause before a dead thread is started again. */
const MAX_RESTART_DELAY_MS = 60_000;
/** A thread that ran this long had not been crash-looping: its next restart comes quickly again. */
const HEALTHY_RUN_MS = 120_000;
/** Running jobs get this long to finish (they are aborted at their own timeouts) before the thread is ended. */
const STOP_GRACE_MS = 30_000;
const METRICS_TIMEOUT_MS = 2000;

export class JobsThread {
  /** What the web thread reports of the scheduler (health). */
  jobNames: readonly string[];
  /** The thread is up and its scheduler started (false while it is dead or being started again). */
  running = false;
  watchdogRestarts = 0;
  /** Times the thread died and was started again. */
  restarts = 0;
  private worker: Worker | undefined;
  private stopServing: (() => void) | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private nextId = 1;
  /** Metrics requests waiting for the thread, by id: one listener on the thread serves them all. */
  private readonly waiting = new Map<number, (json: Metrics) => void>();

  constructor(
    private readonly o: { config: Config; store: Store; log: Logger; jobNames: readonly string[] },
  ) {
    this.jobNames = o.jobNames;
  }

  /** Starts the thread and waits until its scheduler runs. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = this.spawn();
      const onMessage = (m: ToHost) => {
        if (m?.t !== 'ready') return;
        cleanup();
        resolve();
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the jobs thread exited (${code}) before it started`));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new Error(`the jobs thread failed to start: ${describeError(err)}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.once('error', onError);
    });
  }

  private spawn(): Worker {
    const file = BUNDLED ? packagePath('dist', 'jobs-thread.mjs') : packagePath('src', 'jobs', 'thread-boot.mjs');
    const data: ThreadData = { config: this.o.config };
    enableGc();
    // A small young generation: the thread allocates in bursts, a few times a minute. The old
    // generation is not capped: a node's whole mempool is parsed there.
    const worker = new Worker(file, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    this.worker = worker;
    this.startedAtMs = Date.now();
    if (this.o.store instanceof MemoryStore) this.stopServing = serveStore(this.o.store, worker as unknown as PortLike);
    worker.on('message', (m: ToHost) => {
      if (m?.t === 'ready') {
        this.jobNames = m.jobNames;
        this.running = true;
      } else if (m?.t === 'metrics') {
        this.watchdogRestarts = m.watchdogRestarts;
        if (m.error) this.o.log.warn('the jobs thread could not give its metrics', { err: m.error });
        this.answer(m.id, m.json);
      }
    });
    worker.on('error', (err) => this.o.log.error('the jobs thread failed', { err: describeError(err), stack: err.stack?.split('\n').slice(0, 6).join(' | ') }));
    worker.once('exit', (code) => {
      this.running = false;
      for (const id of [...this.waiting.keys()]) this.answer(id, []);
      this.stopServing?.();
      this.stopServing = undefined;
      if (this.worker === worker) this.worker = undefined;
      if (this.stopping) return;
      if (Date.now() - this.startedAtMs >= HEALTHY_RUN_MS) this.restarts = 0;
      const delayMs = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** Math.min(this.restarts, 6));
      this.restarts++;
      this.o.log.error('the jobs thread stopped; starting it again', { code, inMs: delayMs, restarts: this.restarts });
      this.restartTimer = setTimeout(() => this.respawn(), delayMs);
    });
    return worker;
  }

  private respawn(): void {
    this.restartTimer = undefined;
    if (this.stopping) return;
    try {
      this.spawn();
    } catch (err) {
      this.o.log.error('the jobs thread could not be started again; trying later', { err: describeError(err) });
      this.restartTimer = setTimeout(() => this.respawn(), MAX_RESTART_DELAY_MS);
    }
  }

  /** The thread's metrics (empty when it does not answer in time). */
  metrics(): Promise<Metrics> {
    const worker = this.worker;
    if (!worker) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(id, []), METRICS_TIMEOUT_MS);
      this.waiting.set(id, (json) => {
        clearTimeout(timer);
        resolve(json);
      });
      worker.postMessage({ t: 'metrics', id } satisfies ToThread);
    });
  }

  /** Ends one metrics request (its reply, its timeout, or the thread's exit). */
  private answer(id: number, json: Metrics): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(json);
  }

  /** Stops the scheduler (running jobs finish or are aborted), then the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const timer = setTimeout(() => {
      this.o.log.warn('the jobs thread did not stop in time; ending it');
      void worker.terminate();
    }, STOP_GRACE_MS);
    worker.postMessage({ t: 'stop' } satisfies ToThread);
    await exited;
    clearTimeout(timer);
  }
}
