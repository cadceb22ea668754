// Liveness plus each dependency's state. 200 while the store and history answer (status 'ok', or
// 'degraded' when a source is failing); 503 when either is unreachable. A read model like the rest.
import { describeError } from '../../errors.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Built, Reader } from '../../read-model/views.ts';
import { sourceStatusesFrom } from '../../sources/source-tracker.ts';
import type { AppContext } from '../app.ts';
import { readSettings } from '../mining-data.ts';
import { defineRoute } from '../route.ts';

export const VERSION = '0.1.0';
const PING_TIMEOUT_MS = 1500;
const PROBE_EVERY_MS = 1000;

type ProbeResult = { status: 'up' | 'down'; error?: string };

async function probe(fn: () => Promise<void>): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The store and the history database, pinged every PROBE_EVERY_MS in the background: /health,
 * /boot and the gauges read the last result, so a health check costs no round trip and a dead
 * dependency shows within about a second and a half.
 */
export class DependencyProbe {
  version = 0;
  store: ProbeResult = { status: 'up' };
  history: ProbeResult = { status: 'up' };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly app: Pick<AppContext, 'store' | 'history' | 'metrics'>,
    private readonly onChange: () => void,
  ) {}

  /** Probes once now (and waits for it), then keeps probing. */
  async start(): Promise<void> {
    await this.run();
    this.timer = setInterval(() => void this.run(), PROBE_EVERY_MS);
    this.timer.unref();
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      const [store, history] = await Promise.all([probe(() => this.app.store.ping()), probe(() => this.app.history.ping())]);
      this.app.metrics.dependencyUp.set({ dependency: 'store' }, store.status === 'up' ? 1 : 0);
      this.app.metrics.dependencyUp.set({ dependency: 'history' }, history.status === 'up' ? 1 : 0);
      if (JSON.stringify([store, history]) !== JSON.stringify([this.store, this.history])) {
        this.store = store;
        this.history = history;
        this.version++;
        this.onChange();
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function healthReport(r: Reader, app: AppContext) {
  r.track(app.probe);
  const { store, history } = app.probe;
  const sources = sourceStatusesFrom(r.get, app.sources.trackers);
  const nowMs = r.now();
  const failing = sources.filter((s) => s.state === 'down' || s.state === 'degraded').map((s) => s.name);
  // The jobs thread being down (or started again) leaves every piece to go stale: degraded.
  const jobsStopped = app.scheduler?.running === false;
  const status = store.status === 'down' || history.status === 'down' ? 'down' : failing.length > 0 || jobsStopped ? 'degraded' : 'ok';
  const nodes = app.sources.trackers.filter((t) => t.def.kind === 'rpc');
  return {
    status,
    version: VERSION,
    role: app.role,
    uptimeSec: Math.round((nowMs - app.startedAtMs) / 1000),
    store: { kind: app.store.kind, ...store },
    history: { kind: app.history.kind, ...history },
    scheduler: app.scheduler ? { running: app.scheduler.running ?? true, jobs: app.scheduler.jobNames.length, watchdogRestarts: app.scheduler.watchdogRestarts } : null,
    // The same verdict as /api/v1/sources and the Status page: the last outcome, with its age.
    sources: Object.fromEntries(
      sources.map((s) => {
        const lastAtMs = Math.max(s.lastOkAtMs ?? 0, s.lastErrorAtMs ?? 0);
        return [
          s.name,
          {
            state: s.state,
            ...(lastAtMs > 0 ? { ageSec: Math.max(0, Math.round((nowMs - lastAtMs) / 1000)) } : {}),
            ...(s.disabledReason ? { reason: s.disabledReason } : {}),
            ...(s.lastError && s.state !== 'ok' ? { lastError: s.lastError } : {}),
          },
        ];
      }),
    ),
    // Optional configuration only switches a feature off; each says how to switch it on.
    features: {
      nodes: nodes.some((t) => t.def.enabled)
        ? { enabled: true }
        : { enabled: false, reason: 'no Bitcoin node configured: set BITCOIN_RPC_URL (and NODE2_RPC_URL, NODE3_RPC_URL) to watch your nodes' },
      electrum: feature(app, 'electrum'),
      mining: miningFeature(r, app),
      admin: app.config.adminToken ? { enabled: true } : { enabled: false, reason: 'set ADMIN_TOKEN to enable /api/admin/*' },
    },
  };
}

/** Mining is on with the OCEAN source and a payout address (from the environment or the Settings page). */
function miningFeature(r: Reader, app: AppContext): { enabled: boolean; reason?: string } {
  const f = feature(app, 'ocean');
  if (!f.enabled) return f;
  return readSettings(r, app).address ? f : { enabled: false, reason: 'set OCEAN_ADDRESS, or a payout address on the Settings page, to enable pool mining' };
}

function feature(app: AppContext, source: string): { enabled: boolean; reason?: string } {
  const t = app.sources.tracker(source);
  return t?.def.enabled ? { enabled: true } : { enabled: false, reason: t?.def.disabledReason ?? 'not configured' };
}

export function healthRoutes(app: AppContext) {
  const build = (r: Reader): Built => {
    const report = healthReport(r, app);
    return { json: report, status: report.status === 'down' ? 503 : 200 };
  };
  app.views.declare('/health', build);
  const handle = ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => app.views.serve(req, res, '/health', build);
  const doc = { reply: { statuses: { 200: 'the report: `status` ok, or degraded while a source is failing', 503: 'the same report with `status` down: the store or history is unreachable' } } };
  return [
    defineRoute({ method: 'GET', path: '/health', unlimited: true, summary: 'Liveness, and the state of every dependency, source and feature', doc, handle }),
    defineRoute({ method: 'GET', path: '/api/health', unlimited: true, summary: 'The same report as /health', doc, handle }),
  ];
}
