// Composition root: builds every stateful object for a role and passes it down; owns shutdown.
import { refreshMiningSettings } from './mining-settings.ts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { SatscopeError, describeError } from './errors.ts';
import { jobTable } from './jobs/index.ts';
import type { JobDefinition, JobDeps } from './jobs/types.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { collectGarbage } from './gc.ts';
import { JobsThread } from './jobs/thread-host.ts';
import { Scheduler } from './scheduler.ts';
import { buildApp, type App } from './server/app.ts';
import { createHttpServer } from './server/http-server.ts';
import { VERSION } from './server/routes/health.ts';
import { buildNodes } from './sources/bitcoind/nodes.ts';
import { buildSourceCatalog } from './sources/catalog.ts';
import { openHistory, type History } from './store/history/history.ts';
import { MemoryStore } from './store/memory-store.ts';
import type { LakeEngine, LakePipeline, LakeReader } from './lake/index.ts';
import type { Store } from './store/types.ts';
import type { OpsServer } from './server/ops-server.ts';

export type Role = 'start' | 'web' | 'worker' | 'stream';

export interface RuntimeOptions {
  role: Role;
  config: Config;
  log?: Logger;
  /** The job table; tests pass their own. */
  jobs?: (deps: JobDeps) => JobDefinition[];
  schedulerTickMs?: number;
  /** How often waiting jobs re-read their shared status (tests shorten it). */
  schedulerPollMs?: number;
  /** `satscope demo`: pages say DEMO. */
  demo?: boolean;
  /**
   * Role `start`: run the scheduler and the jobs in a worker thread (src/jobs/thread.ts), so the
   * web thread serves requests on an engine that never ran job code. The CLI sets it; tests that
   * pass their own job table run the jobs in-process.
   */
  jobsThread?: boolean;
}

export interface Runtime {
  /** The web port's URL; for worker and stream, their METRICS_PORT's (/health, /metrics). */
  url: string | undefined;
  /** The web app (not in a worker), for tests that walk its route table. */
  app: App | undefined;
  jobs: readonly JobDefinition[];
  store: Store;
  history: History;
  scheduler: Scheduler | undefined;
  /** The lake's stream pipeline (roles stream, and start with LAKE=on). */
  lake: LakePipeline | undefined;
  close(): Promise<void>;
}

export async function openStore(config: Config, log: Logger): Promise<Store> {
  if (!config.redisUrl) return new MemoryStore();
  // Loaded only when configured: ioredis costs several MB of memory.
  const { RedisStore } = await import('./store/redis-store.ts');
  const store = new RedisStore({ url: config.redisUrl, log: log.child({ component: 'redis' }) });
  await store.start();
  return store;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, role } = opts;
  const log = opts.log ?? createLogger({ level: config.logLevel, secrets: config.secrets });
  const startedAtMs = Date.now();
  const store = await openStore(config, log);
  let history: History;
  try {
    history = await openHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  } catch (err) {
    await store.close();
    throw err;
  }
  // The saved mining settings into the store before any page or job reads it (a fresh store, a restarted Redis).
  await refreshMiningSettings({ config, store, history }, log).catch((err: unknown) => log.warn('mining settings not loaded', { err: describeError(err) }));
  const metrics = createMetrics();
  metrics.buildInfo.set({ version: VERSION, store: store.kind, history: history.kind }, 1);
  const sources = buildSourceCatalog(config, { store, metrics, log: log.child({ component: 'sources' }) });
  const nodes = buildNodes(config, sources, metrics);
  const deps: JobDeps = { config, store, history, sources, nodes, log: log.child({ component: 'jobs' }) };
  const jobs = (opts.jobs ?? jobTable)(deps);

  const threaded = role === 'start' && opts.jobsThread === true && opts.jobs === undefined;
  const scheduler =
    role === 'web' || role === 'stream' || threaded ? undefined : new Scheduler({ jobs, store, history, metrics, log: log.child({ component: 'scheduler' }), tickMs: opts.schedulerTickMs, pollMs: opts.schedulerPollMs });
  // Worker and stream: /health and /metrics on their own port (start and web serve them on PORT),
  // opened before any job or lock is taken, so a port already in use stops the process cleanly.
  let ops: OpsServer | undefined;
  if ((role === 'worker' || role === 'stream') && config.metricsPort !== 'off') {
    const { startOpsServer } = await import('./server/ops-server.ts');
    ops = await startOpsServer({ role, host: config.host, port: config.metricsPort, store, history, metrics, log: log.child({ component: 'ops' }), startedAtMs, scheduler, lakeMetrics: () => role === 'stream' && lake?.isHolder === true }).catch(async (err: unknown) => {
      await store.close().catch(() => undefined);
      await history.close().catch(() => undefined);
      const code = (err as { code?: string }).code;
      throw new SatscopeError('CONFIG_INVALID', `METRICS_PORT ${config.metricsPort} on ${config.host} could not be opened (${code ?? describeError(err)}): give each worker and stream on a host its own METRICS_PORT, or set METRICS_PORT=off`);
    });
  }
  scheduler?.start();
  const jobsThread = threaded ? new JobsThread({ config, store, log, jobNames: jobs.map((j) => j.name) }) : undefined;
  await jobsThread?.start().catch(async (err: unknown) => {
    await jobsThread.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    await history.close().catch(() => undefined);
    throw err;
  });

  // The lake: its pipeline where the stream runs; its reader where pages are served (sharing one engine in start).
  let lake: LakePipeline | undefined;
  let lakeReader: LakeReader | undefined;
  let readerEngine: LakeEngine | undefined;
  if (config.lake.enabled && (role === 'stream' || role === 'start' || role === 'web')) {
    const mod = await import('./lake/index.ts');
    if (role !== 'web') {
      lake = new mod.LakePipeline({ config, store, log: log.child({ component: 'lake' }) });
      lake.start();
    }
    if (role !== 'stream') {
      readerEngine = lake?.engine ?? new mod.LakeEngine({ log: log.child({ component: 'lake-engine' }) });
      lakeReader = new mod.LakeReader(config.lake, readerEngine);
    }
  }

  let server: Server | undefined;
  let url: string | undefined;
  const app = role === 'worker' || role === 'stream' ? undefined : buildApp({ config, store, history, metrics, log: log.child({ component: 'http' }), sources, nodes, jobs, scheduler: jobsThread ?? scheduler, threadMetrics: jobsThread ? () => jobsThread.metrics() : undefined, role, startedAtMs, demo: opts.demo, lake: lakeReader });
  if (app) {
    // The read models are loaded before the port opens: the first request already sees the state.
    await app.start();
    const srv = createHttpServer(app.handle, log.child({ component: 'http' }));
    server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(config.port, config.host, () => {
        srv.off('error', reject);
        resolve();
      });
    }).catch(async (err: unknown) => {
      await app.close();
      await jobsThread?.stop().catch(() => undefined);
      throw err;
    });
    const addr = srv.address() as AddressInfo;
    url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }
  url ??= ops?.url;
  // What starting up left in this thread's heap would otherwise stay for seconds (see src/gc.ts).
  if (jobsThread) collectGarbage();
  if (role === 'stream' && store.kind === 'memory') log.warn('stream role with the memory store reads no worker state and shares its lock with no one: set REDIS_URL, or let `satscope start` run the pipeline (LAKE=on)');
  if (role === 'web' && store.kind === 'memory') log.warn('web role with the memory store sees no worker state: set REDIS_URL to share state between processes');
  log.info('satscope started', {
    role,
    version: VERSION,
    url,
    store: store.kind,
    history: history.kind,
    jobs: scheduler || jobsThread ? jobs.map((j) => j.name).join(',') : 'none',
    jobsIn: jobsThread ? 'thread' : scheduler ? 'process' : undefined,
    lake: lake ? config.lake.dir : lakeReader ? 'read' : 'off',
    sourcesOff: sources.trackers.filter((t) => !t.def.enabled).map((t) => t.def.name).join(',') || 'none',
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('shutting down');
      app?.setDraining();
      // Stop accepting, then wait for running jobs (aborted, each within its timeout) and requests.
      const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      server?.closeIdleConnections();
      await scheduler?.stop();
      await jobsThread?.stop();
      await lake?.close().catch((err: unknown) => log.warn('lake close failed', { err: describeError(err) }));
      if (readerEngine && readerEngine !== lake?.engine) await readerEngine.close();
      const drainTimer = setTimeout(() => server?.closeAllConnections(), 5_000);
      await serverClosed;
      clearTimeout(drainTimer);
      await app?.close();
      await ops?.close();
      await store.close().catch((err: unknown) => log.warn('store close failed', { err }));
      await history.close().catch((err: unknown) => log.warn('history close failed', { err }));
      log.info('stopped cleanly');
      log.flush?.();
    })());

  return { url, app, jobs, store, history, scheduler, lake, close };
}

/** SIGTERM/SIGINT: a graceful close, then exit 0; a second signal exits at once. */
export function exitOnSignals(runtime: Runtime, log: Logger): void {
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    log.info('signal received', { signal });
    runtime.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err: describeError(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/**
 * What happens on an exception outside any request (the request path catches its own): an
 * unhandled rejection is a detached task that failed, logged with its stack, and the process keeps
 * serving; an uncaught exception may have left state half-changed, so it is logged, the process
 * closes what it can within 5 s and exits 1 for the supervisor (systemd, Docker, npm) to restart.
 */
export function exitOnFatal(runtime: Pick<Runtime, 'close'>, log: Logger): void {
  process.on('unhandledRejection', (err) => log.error('unhandled rejection (the process keeps running)', { err: describeError(err), stack: err instanceof Error ? err.stack?.split('\n').slice(0, 4).join(' | ') : undefined }));
  process.on('uncaughtException', (err, origin) => {
    log.error('uncaught exception: closing and exiting 1 for the supervisor to restart', { origin, err: describeError(err), stack: err.stack?.split('\n').slice(0, 6).join(' | ') });
    process.exitCode = 1; // even if close() leaves nothing to keep the process alive
    setTimeout(() => process.exit(1), 5_000).unref();
    runtime.close().then(
      () => process.exit(1),
      () => process.exit(1),
    );
  });
}
