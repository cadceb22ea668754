// The app builder: a request handler and its routes, separate from listen() so that tests and the
// benchmark drive the real app. Every request takes the same path: route, rate limit, authorize,
// parse query and body with the route's schemas, handle, count.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import { SatscopeError, describeError } from '../errors.ts';
import type { JobDefinition } from '../jobs/types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Scheduler } from '../scheduler.ts';
import type { SourceCatalog } from '../sources/catalog.ts';
import type { History } from '../store/history/history.ts';
import type { Store } from '../store/types.ts';
import { RateLimiter } from './rate-limit.ts';
import { CacheStats, ResponseCache } from './response-cache.ts';
import { errorEnvelope, sendError, sendJson } from './responses.ts';
import { Router, type RequestContext, type RouteDefinition } from './route.ts';
import { adminRoutes } from './routes/admin.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { systemRoutes } from './routes/system.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  history: History;
  metrics: Metrics;
  log: Logger;
  sources: SourceCatalog;
  jobs: readonly JobDefinition[];
  scheduler: Scheduler | undefined;
  role: string;
  startedAtMs: number;
}

export interface App {
  handle(req: IncomingMessage, res: ServerResponse): void;
  cache: ResponseCache;
  cacheStats: CacheStats;
  /** Refuse new requests with 503 while the server drains. */
  setDraining(): void;
}

const MAX_BODY_BYTES = 64 * 1024;

export function buildApp(deps: AppDeps): App {
  const cacheStats = new CacheStats(deps.metrics);
  const cache = new ResponseCache(cacheStats);
  const limiter = new RateLimiter(deps.store, deps.config.rateLimitPerMin, deps.log);
  const router = new Router();
  const shared = { ...deps, cache, cacheStats };
  for (const r of [...healthRoutes(shared), ...systemRoutes(shared), ...metricsRoutes(shared), ...adminRoutes(shared)]) router.add(r as RouteDefinition);
  const adminDigest = deps.config.adminToken ? createHash('sha256').update(deps.config.adminToken).digest() : undefined;
  let draining = false;

  // Label children looked up once per route, not per request.
  const durationByRoute = new Map<string, ReturnType<Metrics['httpDuration']['labels']>>();
  const observe = (route: string, status: number, startedMs: number) => {
    deps.metrics.httpRequests.labels(route, String(status)).inc();
    let h = durationByRoute.get(route);
    if (!h) {
      h = deps.metrics.httpDuration.labels(route);
      durationByRoute.set(route, h);
    }
    h.observe((performance.now() - startedMs) / 1000);
  };

  const clientIp = (req: IncomingMessage): string => {
    if (deps.config.trustProxy) {
      const fwd = req.headers['x-forwarded-for'];
      const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return req.socket.remoteAddress ?? 'unknown';
  };

  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    if (!adminDigest || !header?.startsWith('Bearer ')) return false;
    return timingSafeEqual(createHash('sha256').update(header.slice(7)).digest(), adminDigest);
  };

  const parse = <T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown, where: 'query' | 'body'): T => {
    const r = schema.safeParse(input);
    if (r.success) return r.data;
    const details = r.error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
    throw new SatscopeError('BAD_REQUEST', `invalid ${where}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, { details });
  };

  async function run(def: RouteDefinition, req: IncomingMessage, res: ServerResponse, params: Record<string, string>, rawQuery: string, ip: string): Promise<number> {
    if (def.auth === 'admin') {
      if (!adminDigest) throw new SatscopeError('FEATURE_DISABLED', 'admin endpoints are off: set ADMIN_TOKEN to enable them');
      if (!authorized(req)) return sendError(res, new SatscopeError('UNAUTHORIZED'), ['www-authenticate', 'Bearer']);
    }
    const query = def.query ? parse(def.query, Object.fromEntries(new URLSearchParams(rawQuery)), 'query') : undefined;
    const body = def.body ? parse(def.body, await readJsonBody(req), 'body') : undefined;
    const ctx: RequestContext = { req, res, params, query, body, clientIp: ip };
    return def.handle(ctx);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const startedMs = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const matched = router.match(req.method ?? 'GET', path);
    if (matched === undefined || matched === 'method') {
      const status = sendError(res, new SatscopeError(matched ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', `${matched ? 'method not allowed for' : 'no route for'} ${path}`));
      observe('unmatched', status, startedMs);
      return;
    }
    const { def, params } = matched;
    const finish = (status: number) => observe(def.path, status, startedMs);
    const fail = (err: unknown) => {
      if (!(err instanceof SatscopeError) || err.status >= 500) deps.log.error('request failed', { route: def.path, err: describeError(err) });
      if (!res.headersSent) finish(sendError(res, err));
      else res.destroy();
    };
    if (draining) return finish(sendError(res, new SatscopeError('SHUTTING_DOWN'), ['connection', 'close']));
    const ip = clientIp(req);
    const go = () => {
      try {
        const out = run(def, req, res, params, rawQuery, ip);
        out.then(finish, fail);
      } catch (err) {
        fail(err);
      }
    };
    if (def.unlimited) return go();
    const decision = limiter.check(ip);
    const proceed = (d: { allowed: boolean; retryAfterSec: number }) => {
      if (d.allowed) return go();
      deps.metrics.rateLimited.inc();
      finish(sendJson(res, 429, errorEnvelope('RATE_LIMITED', `more than ${limiter.limitPerWindow} requests a minute from this address`), ['retry-after', String(d.retryAfterSec)]));
    };
    if ('then' in decision) decision.then(proceed, fail);
    else proceed(decision);
  }

  return {
    handle,
    cache,
    cacheStats,
    setDraining: () => {
      draining = true;
    },
  };
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new SatscopeError('PAYLOAD_TOO_LARGE', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SatscopeError('PAYLOAD_TOO_LARGE', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  if (!/^application\/json\b/i.test(type)) throw new SatscopeError('UNSUPPORTED_MEDIA_TYPE');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SatscopeError('BAD_REQUEST', 'the body is not valid JSON');
  }
}

export type AppContext = AppDeps & { cache: ResponseCache; cacheStats: CacheStats };
