// Liveness plus each dependency's state. 200 while the store and history answer (status 'ok', or
// 'degraded' when a source is failing); 503 when either is unreachable.
import { describeError } from '../../errors.ts';
import { readSourceStatuses } from '../../sources/source-tracker.ts';
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute } from '../route.ts';

export const VERSION = '0.1.0';
const PING_TIMEOUT_MS = 1500;

async function probe(fn: () => Promise<void>): Promise<{ status: 'up' | 'down'; error?: string }> {
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

export async function healthReport(app: AppContext) {
  const [store, history, sources] = await Promise.all([
    probe(() => app.store.ping()),
    probe(() => app.history.ping()),
    readSourceStatuses(app.store, app.sources.trackers).catch(() => app.sources.trackers.map((t) => t.snapshot())),
  ]);
  app.metrics.dependencyUp.set({ dependency: 'store' }, store.status === 'up' ? 1 : 0);
  app.metrics.dependencyUp.set({ dependency: 'history' }, history.status === 'up' ? 1 : 0);
  const failing = sources.filter((s) => s.state === 'down' || s.state === 'degraded').map((s) => s.name);
  const status = store.status === 'down' || history.status === 'down' ? 'down' : failing.length > 0 ? 'degraded' : 'ok';
  const nodes = app.sources.trackers.filter((t) => t.def.kind === 'rpc');
  return {
    status,
    version: VERSION,
    role: app.role,
    uptimeSec: Math.floor((Date.now() - app.startedAtMs) / 1000),
    store: { kind: app.store.kind, ...store },
    history: { kind: app.history.kind, ...history },
    scheduler: app.scheduler ? { running: true, jobs: app.scheduler.jobNames.length, watchdogRestarts: app.scheduler.watchdogRestarts } : null,
    // The same verdict as /api/v1/sources and the Status page: the last outcome, with its age.
    sources: Object.fromEntries(
      sources.map((s) => {
        const lastAtMs = Math.max(s.lastOkAtMs ?? 0, s.lastErrorAtMs ?? 0);
        return [
          s.name,
          {
            state: s.state,
            ...(lastAtMs > 0 ? { ageSec: Math.max(0, Math.round((Date.now() - lastAtMs) / 1000)) } : {}),
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
      mining: feature(app, 'ocean'),
      admin: app.config.adminToken ? { enabled: true } : { enabled: false, reason: 'set ADMIN_TOKEN to enable /api/admin/*' },
    },
  };
}

function feature(app: AppContext, source: string): { enabled: boolean; reason?: string } {
  const t = app.sources.tracker(source);
  return t?.def.enabled ? { enabled: true } : { enabled: false, reason: t?.def.disabledReason ?? 'not configured' };
}

export function healthRoutes(app: AppContext) {
  const handle = async ({ res }: { res: import('node:http').ServerResponse }) => {
    const report = await healthReport(app);
    return sendJson(res, report.status === 'down' ? 503 : 200, report);
  };
  return [defineRoute({ method: 'GET', path: '/health', unlimited: true, handle }), defineRoute({ method: 'GET', path: '/api/health', unlimited: true, handle })];
}
