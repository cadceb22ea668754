// The app builder: a request handler and its routes, separate from listen() so that tests and the
// benchmark drive the real app. Every request takes the same path: route, rate limit, authorize,
// parse query and body with the route's schemas, handle, count.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import { SatscopeError, describeError, isSatscopeError } from '../errors.ts';
import type { JobDefinition } from '../jobs/types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { BitcoinNode } from '../sources/bitcoind/node.ts';
import type { SourceCatalog } from '../sources/catalog.ts';
import type { History } from '../store/history/history.ts';
import type { Store } from '../store/types.ts';
import { HttpStats } from './http-stats.ts';
import { RateLimiter } from './rate-limit.ts';
import { SECURITY_HEADERS, errorEnvelope, sendError, sendJson } from './responses.ts';
import { Router, type RouteDefinition } from './route.ts';
import { DependencyProbe } from './routes/health.ts';
import { routeTable } from './routes/index.ts';
import { apiDescription, type ApiDescription } from './openapi.ts';
import { DEFAULT_SSE_OPTIONS, SseHub } from './sse.ts';
import { Traffic } from './traffic.ts';
import { seedLiveState } from './live-seed.ts';
import { keys } from '../store/keys.ts';
import { errorPage } from './views/pages/error.ts';
import { readPrefs } from './views/prefs.ts';
import { Generation, StateMirror } from '../read-model/mirror.ts';
import { Views, type Built, type Reader } from '../read-model/views.ts';
import { defineRoute as route_ } from './route.ts';
import type { LakeReader } from '../lake/query.ts';

/** Parsed query strings kept per route. */
const PARSED_QUERIES_PER_ROUTE = 256;

export interface AppDeps {
  config: Config;
  store: Store;
  history: History;
  metrics: Metrics;
  log: Logger;
  sources: SourceCatalog;
  nodes: readonly BitcoinNode[];
  jobs: readonly JobDefinition[];
  /** The jobs' scheduler, in this thread or the jobs thread (what health reports of it). */
  scheduler: { readonly jobNames: readonly string[]; readonly watchdogRestarts: number; readonly running?: boolean } | undefined;
  /** With the jobs in a thread of their own: that thread's metrics, added into /metrics. */
  threadMetrics?: () => Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  role: string;
  startedAtMs: number;
  /** `satscope demo`: every page says DEMO. */
  demo?: boolean;
  /** The data lake's queries (LAKE=on); the price endpoints answer from it when it covers the window. */
  lake?: LakeReader;
}

export interface App {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The route table, for the fuzz test and the docs. */
  routes(): RouteDefinition[];
  sse: SseHub;
  views: Views;
  /** Subscribes the live stream to the event bus and seeds its snapshot from the store. */
  start(): Promise<void>;
  /** Refuse new requests with 503 while the server drains, and end the live streams. */
  setDraining(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

export function buildApp(deps: AppDeps): App {
  const limiter = new RateLimiter(deps.store, deps.config.rateLimitPerMin, deps.log);
  const router = new Router();
  const httpStats = new HttpStats();
  const sse = new SseHub({ ...DEFAULT_SSE_OPTIONS, ...deps.config.sse });
  const traffic = new Traffic({ store: deps.store, log: deps.log.child({ component: 'traffic' }) });
  const generation = new Generation();
  const mirror = new StateMirror(deps.store, generation, deps.log.child({ component: 'read-model' }));
  const views = new Views(mirror, generation, deps.log.child({ component: 'read-model' }));
  // A GET endpoint that is a read model: its reply is built when what it read changed.
  const jsonView = (path: string, build: (r: Reader) => Built, summary?: string) => {
    views.declare(path, build);
    return route_({ method: 'GET', path, summary, handle: ({ req, res }) => views.serve(req, res, path, build) });
  };
  const probe = new DependencyProbe(deps, () => views.changed());
  const adminDigest = deps.config.adminToken ? createHash('sha256').update(deps.config.adminToken).digest() : undefined;
  // Compared as digests in constant time: neither the token's length nor its prefix leaks through timing.
  const isAdminToken = (candidate: string): boolean => adminDigest !== undefined && timingSafeEqual(createHash('sha256').update(candidate).digest(), adminDigest);
  // The API description is made from the whole route table: once, as soon as the table is gathered (below).
  let api: ApiDescription | undefined;
  const describeApi = (): ApiDescription => (api ??= apiDescription(router.routes()));
  const shared: AppContext = { ...deps, demo: deps.demo ?? false, httpStats, sse, traffic, views, jsonView, probe, isAdminToken, api: describeApi };
  let unsubscribe: (() => Promise<void>) | undefined;
  for (const r of routeTable(shared)) router.add(r);
  // At start, not on a first request: a route without a summary or a section stops the app here.
  describeApi();
  let draining = false;

  const observe = (route: string, status: number, startedMs: number) => httpStats.record(route, status, (performance.now() - startedMs) / 1000);

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
    if (!header?.startsWith('Bearer ')) return false;
    return isAdminToken(header.slice(7));
  };

  const parse = <T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown, where: 'query' | 'body'): T => {
    const r = schema.safeParse(input);
    if (r.success) return r.data;
    const details = r.error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
    throw new SatscopeError('BAD_REQUEST', `invalid ${where}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, { details });
  };

  // A page or chart is asked for with the same few query strings over and over: each route keeps
  // its last parsed ones (only those that passed its schema; bounded, oldest out first).
  const parsedQueries = new WeakMap<RouteDefinition, Map<string, unknown>>();
  const parseQuery = (def: RouteDefinition, schema: z.ZodType<unknown, z.ZodTypeDef, unknown>, rawQuery: string): unknown => {
    let cache = parsedQueries.get(def);
    if (!cache) parsedQueries.set(def, (cache = new Map()));
    if (cache.has(rawQuery)) return cache.get(rawQuery);
    const query = parse(schema, Object.fromEntries(new URLSearchParams(rawQuery)), 'query');
    if (cache.size >= PARSED_QUERIES_PER_ROUTE) cache.delete(cache.keys().next().value as string);
    cache.set(rawQuery, query);
    return query;
  };

  // Synchronous when the route needs no body and its handler answers at once (a cached reply):
  // no promise is made on the hot path.
  function run(def: RouteDefinition, req: IncomingMessage, res: ServerResponse, params: Record<string, string>, rawQuery: string, ip: string): number | Promise<number> {
    if (def.auth === 'admin') {
      if (!adminDigest) throw new SatscopeError('FEATURE_DISABLED', 'admin endpoints are off: set ADMIN_TOKEN to enable them');
      if (!authorized(req)) return sendError(res, new SatscopeError('UNAUTHORIZED'), ['www-authenticate', 'Bearer']);
    }
    const query = def.query ? parseQuery(def, def.query, rawQuery) : undefined;
    if (!def.body) return def.handle({ req, res, params, query, body: undefined, clientIp: ip });
    const schema = def.body;
    return readBody(req, def.bodyType ?? 'json').then((raw) => def.handle({ req, res, params, query, body: parse(schema, raw, 'body'), clientIp: ip }));
  }

  function fail(route: string, res: ServerResponse, err: unknown, startedMs: number, req?: IncomingMessage): void {
    if (isClientAbort(err, res)) {
      deps.log.debug('client went away mid-request', { route, err: describeError(err) });
      if (!res.destroyed) res.destroy();
      return observe(route, 499, startedMs);
    }
    // A dependency that is down is not a bug: one warning (the logger collapses repeats), and a
    // 503 that names it, as a page for a browser and as JSON with `details.dependency` otherwise.
    const down = dependencyDown(err);
    if (down) deps.log.warn('request answered 503: a dependency is down', { route, dependency: down.dependency, err: describeError(err) });
    else if (!(err instanceof SatscopeError) || (err.status >= 500 && err.code !== 'SSE_CAPACITY')) deps.log.error('request failed', { route, err: describeError(err) });
    if (res.headersSent) return void res.destroy();
    if (down && err instanceof SatscopeError) {
      const path = (req?.url ?? '').split('?')[0] ?? '';
      if (req && wantsHtml(req, path)) return observe(route, errorPage(shared, res, 503, `${down.text} is not answering, so this page cannot be shown right now. It comes back by itself when the ${down.dependency} is back; the other pages still show the last values this process holds.`, readPrefs(req, deps.config.fiatCurrencies).theme, ['retry-after', '5']), startedMs);
      return observe(route, sendJson(res, 503, errorEnvelope(err.code, err.message, { dependency: down.dependency, backend: down.backend }), ['retry-after', '5']), startedMs);
    }
    const retryAfter = err instanceof SatscopeError ? (err.details as { retryAfterSec?: number } | undefined)?.retryAfterSec : undefined;
    observe(route, sendError(res, err, retryAfter ? ['retry-after', String(retryAfter)] : []), startedMs);
  }

  /** The dependency a failure comes from, when it is one of ours that is down. */
  function dependencyDown(err: unknown): { dependency: 'store' | 'history'; backend: string; text: string } | undefined {
    if (isSatscopeError(err, 'STORE_UNAVAILABLE')) return { dependency: 'store', backend: deps.store.kind, text: `The state store (${deps.store.kind === 'redis' ? 'Redis' : deps.store.kind})` };
    if (isSatscopeError(err, 'HISTORY_UNAVAILABLE')) return { dependency: 'history', backend: deps.history.kind, text: `The history database (${deps.history.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'})` };
    return undefined;
  }

  function dispatch(def: RouteDefinition, req: IncomingMessage, res: ServerResponse, params: Record<string, string>, rawQuery: string, ip: string, startedMs: number): void {
    let out: number | Promise<number>;
    try {
      out = run(def, req, res, params, rawQuery, ip);
    } catch (err) {
      return fail(def.path, res, err, startedMs, req);
    }
    if (typeof out === 'number') observe(def.path, out, startedMs);
    else out.then((status) => observe(def.path, status, startedMs), (err: unknown) => fail(def.path, res, err, startedMs, req));
  }

  function limited(def: RouteDefinition, res: ServerResponse, retryAfterSec: number, startedMs: number): void {
    deps.metrics.rateLimited.inc();
    const message = `more than ${limiter.limitPerWindow} requests a minute from this address`;
    observe(def.path, sendJson(res, 429, errorEnvelope('RATE_LIMITED', message), ['retry-after', String(retryAfterSec)]), startedMs);
  }

  // The request path is total: whatever a client sends (path, method, query, headers, body) ends in
  // a reply from here or a handler, never in an exception past this function.
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const startedMs = performance.now();
    try {
      route(req, res, startedMs);
    } catch (err) {
      fail('unmatched', res, err, startedMs, req);
    }
  }

  function route(req: IncomingMessage, res: ServerResponse, startedMs: number): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      const allow = router.allowed(path);
      if (allow.length === 0) return observe('unmatched', sendError(res, new SatscopeError('NOT_FOUND', `no route for ${path}`)), startedMs);
      // No CORS: the dashboard is same-origin; OPTIONS only says what the path allows.
      res.writeHead(204, [...SECURITY_HEADERS, 'allow', allow.join(', '), 'cache-control', 'no-store']);
      res.end();
      return observe('unmatched', 204, startedMs);
    }
    const matched = router.match(method, path);
    if (matched.kind === 'bad-path') return observe('unmatched', sendError(res, new SatscopeError('BAD_REQUEST', matched.message, { details: [{ field: 'path', message: 'malformed percent-escape' }] })), startedMs);
    if (matched.kind === 'method') {
      const err = new SatscopeError('METHOD_NOT_ALLOWED', `${method.slice(0, 16)} is not allowed for ${path}; use ${matched.allow.join(', ')}`);
      return observe('unmatched', sendError(res, err, ['allow', matched.allow.join(', ')]), startedMs);
    }
    if (matched.kind === 'none') {
      if (wantsHtml(req, path)) return observe('unmatched', errorPage(shared, res, 404, `There is no page at ${path}.`, readPrefs(req, deps.config.fiatCurrencies).theme), startedMs);
      return observe('unmatched', sendError(res, new SatscopeError('NOT_FOUND', `no route for ${path}`)), startedMs);
    }
    const { def, params } = matched;
    if (draining) return observe(def.path, sendError(res, new SatscopeError('SHUTTING_DOWN'), ['connection', 'close']), startedMs);
    const ip = clientIp(req);
    if (def.unlimited) return dispatch(def, req, res, params, rawQuery, ip, startedMs);
    const decision = limiter.check(ip);
    if (decision.allowed) dispatch(def, req, res, params, rawQuery, ip, startedMs);
    else limited(def, res, decision.retryAfterSec, startedMs);
  }

  return {
    handle,
    routes: () => router.routes(),
    sse,
    views,
    start: async () => {
      sse.start();
      await mirror.start();
      traffic.start();
      await probe.start();
      await seedLiveState(shared).catch((err: unknown) => deps.log.warn('could not seed the live snapshot', { err: describeError(err) }));
      views.changed();
      unsubscribe = await deps.store.subscribe(keys.events, (e) => {
        sse.broadcast(e);
        views.changed();
      });
      await views.warm().catch((err: unknown) => deps.log.warn('could not warm the views', { err: describeError(err) }));
    },
    setDraining: () => {
      draining = true;
      sse.close();
    },
    close: async () => {
      sse.close();
      await traffic.close();
      limiter.close();
      await unsubscribe?.().catch(() => undefined);
      await mirror.close();
      probe.stop();
    },
  };
}

async function readBody(req: IncomingMessage, kind: 'json' | 'form'): Promise<unknown> {
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
  if (kind === 'form') {
    if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new SatscopeError('UNSUPPORTED_MEDIA_TYPE');
    // URLSearchParams reads malformed escapes as they are (it never throws); a repeated field keeps its last value.
    return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
  }
  if (!/^application\/json\b/i.test(type)) throw new SatscopeError('UNSUPPORTED_MEDIA_TYPE');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SatscopeError('BAD_REQUEST', 'the body is not valid JSON');
  }
}

export type AppContext = AppDeps & {
  demo: boolean;
  httpStats: HttpStats;
  sse: SseHub;
  traffic: Traffic;
  views: Views;
  probe: DependencyProbe;
  /** A GET route whose reply is a read model; `summary` is its line in the API description. */
  jsonView: (path: string, build: (r: Reader) => Built, summary?: string) => RouteDefinition;
  /** The OpenAPI description of the route table, made once with it. */
  api: () => ApiDescription;
  /** Whether a token is ADMIN_TOKEN (false when none is set). */
  isAdminToken: (candidate: string) => boolean;
};

/** The client hung up (reset, aborted body): its business, not an error of ours. */
function isClientAbort(err: unknown, res: ServerResponse): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const aborted = err instanceof Error && err.message === 'aborted';
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (aborted && res.destroyed);
}

/** A browser asking for a page (not the API) gets the HTML error page. */
function wantsHtml(req: IncomingMessage, path: string): boolean {
  return !path.startsWith('/api/') && path !== '/metrics' && (req.headers.accept ?? '').includes('text/html');
}
