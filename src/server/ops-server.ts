// The operator's port of the roles that serve no pages (`satscope worker`, `satscope stream`):
// GET /health and GET /metrics on METRICS_PORT, so each process can be checked and scraped where
// its jobs run. A plain node:http server with nothing else on it; every other path is a 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Scheduler } from '../scheduler.ts';
import type { History } from '../store/history/history.ts';
import { keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { renderLakeMetrics } from './bitcoin-metrics.ts';
import { DependencyProbe, VERSION } from './routes/health.ts';

export interface OpsServerOptions {
  role: 'worker' | 'stream';
  host: string;
  port: number;
  store: Store;
  history: History;
  metrics: Metrics;
  log: Logger;
  startedAtMs: number;
  scheduler?: Scheduler;
  /** The stream: the lake's figures on /metrics while this process holds the lake (a standby exports none). */
  lakeMetrics?: () => boolean;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const probe = new DependencyProbe({ store: o.store, history: o.history, metrics: o.metrics }, () => undefined);
  await probe.start();

  const health = () => {
    const down = probe.store.status === 'down' || probe.history.status === 'down';
    const jobs = o.scheduler?.runningJobs() ?? [];
    return {
      status: down ? 'down' : 'ok',
      version: VERSION,
      role: o.role,
      pid: process.pid,
      uptimeSec: Math.round((Date.now() - o.startedAtMs) / 1000),
      store: { kind: o.store.kind, ...probe.store },
      history: { kind: o.history.kind, ...probe.history },
      scheduler: o.scheduler
        ? { holder: o.scheduler.holderId, jobs: o.scheduler.jobNames.length, running: jobs, lockLeaseMs: o.scheduler.leaseMs, unrecordedRuns: o.scheduler.unrecordedRuns, watchdogRestarts: o.scheduler.watchdogRestarts }
        : null,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'application/json', JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' } }));
    }
    if (path === '/health') {
      const h = health();
      return send(h.status === 'down' ? 503 : 200, 'application/json; charset=utf-8', JSON.stringify(h));
    }
    if (path === '/metrics') {
      let text = await o.metrics.registry.metrics();
      if (o.lakeMetrics?.()) text += renderLakeMetrics(await o.store.get(keys.lakeStatus).catch(() => undefined));
      return send(200, o.metrics.registry.contentType, text);
    }
    return send(404, 'application/json', JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not found: this port serves /health and /metrics' } }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log.warn('ops request failed', { path: req.url?.slice(0, 100), err });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    probe.stop();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    url,
    close: async () => {
      probe.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
