// The jobs thread of `satscope start`: the scheduler, the jobs and the upstream clients, in a
// worker thread of their own (started by src/jobs/thread-host.ts). The web thread then runs
// nothing but requests and the read models, on a JavaScript engine whose optimized code only ever
// saw requests: with the jobs in the same thread, every reply cost about a third more CPU.
// The embedded store stays in the web thread and is reached through a PortStore; Redis, when
// configured, is reached directly.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.ts';
import { describeError } from '../errors.ts';
import { collectGarbage } from '../gc.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { Scheduler } from '../scheduler.ts';
import { buildNodes } from '../sources/bitcoind/nodes.ts';
import { buildSourceCatalog } from '../sources/catalog.ts';
import { openHistory } from '../store/history/history.ts';
import { PortStore, type PortLike } from '../store/port-store.ts';
import type { Store } from '../store/types.ts';
import { jobTable } from './index.ts';
import type { ThreadData, ToHost, ToThread } from './thread-host.ts';

/** When the start-up garbage is collected (see src/gc.ts). */
const FIRST_ROUND_MS = 5000;

const port = parentPort;
if (!port) throw new Error('src/jobs/thread.ts runs as a worker thread (see src/jobs/thread-host.ts)');
const { config } = workerData as ThreadData;
const log = createLogger({ level: config.logLevel, secrets: config.secrets }, { thread: 'jobs' });
// As in the web thread (exitOnFatal): a detached task that failed is logged and the jobs go on.
process.on('unhandledRejection', (err) => log.error('unhandled rejection (the jobs keep running)', { err: describeError(err) }));

const send = (m: ToHost) => port.postMessage(m);

// Listening before anything is awaited: a stop or a metrics request sent while the thread starts
// is answered once the scheduler exists, not dropped.
const running: { scheduler?: Scheduler; metrics?: ReturnType<typeof createMetrics> } = {};
let markStarted: () => void = () => undefined;
const started = { promise: new Promise<void>((resolve) => (markStarted = resolve)) };
let stopping: Promise<void> | undefined;
port.on('message', (raw: unknown) => {
  const m = raw as ToThread;
  if (m?.t === 'metrics') {
    void started.promise.then(async () => {
      const restarts = running.scheduler?.watchdogRestarts ?? 0;
      try {
        send({ t: 'metrics', id: m.id, json: (await running.metrics?.registry.getMetricsAsJSON()) ?? [], watchdogRestarts: restarts });
      } catch (err) {
        send({ t: 'metrics', id: m.id, json: [], watchdogRestarts: restarts, error: describeError(err) });
      }
    });
  } else if (m?.t === 'stop') {
    stopping ??= started.promise.then(async () => {
      try {
        await running.scheduler?.stop();
        await history.close().catch((err: unknown) => log.warn('history close failed', { err: describeError(err) }));
        await store.close().catch(() => undefined);
      } catch (err) {
        log.error('the jobs did not stop cleanly', { err: describeError(err) });
      } finally {
        send({ t: 'stopped' });
        // Idle keep-alive sockets of the upstream clients would hold the thread a few seconds more.
        setTimeout(() => process.exit(0), 50);
      }
    });
  }
});

async function openThreadStore(c: Config): Promise<Store> {
  if (!c.redisUrl) return new PortStore(port as unknown as PortLike);
  const { RedisStore } = await import('../store/redis-store.ts');
  const store = new RedisStore({ url: c.redisUrl, log: log.child({ component: 'redis' }) });
  await store.start();
  return store;
}

const store = await openThreadStore(config);
const history = await openHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
const metrics = createMetrics({ processMetrics: false });
running.metrics = metrics;
const sources = buildSourceCatalog(config, { store, metrics, log: log.child({ component: 'sources' }) });
const nodes = buildNodes(config, sources, metrics);
const jobs = jobTable({ config, store, history, sources, nodes, log: log.child({ component: 'jobs' }) });
const scheduler = new Scheduler({ jobs, store, history, metrics, log: log.child({ component: 'scheduler' }) });
running.scheduler = scheduler;

collectGarbage(); // what loading the modules left
scheduler.start();
markStarted();
send({ t: 'ready', jobNames: scheduler.jobNames });
// By then every job has made its first run (each starts within its first tick).
setTimeout(collectGarbage, FIRST_ROUND_MS).unref();
