// Live updates: the SSE stream, the same snapshot for clients that poll instead, the viewers'
// heartbeat, and the runtime's own status (what the Status page and the system monitor show).
import { z } from 'zod';
import type { AppContext } from '../app.ts';
import { SECURITY_HEADERS } from '../responses.ts';
import { cacheTiers } from './system.ts';
import { defineRoute } from '../route.ts';

export function liveRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/stream',
      // Capped per IP and in total by the hub; a reconnect is not a burst of requests.
      unlimited: true,
      query: z.object({ lastEventId: z.string().max(100).optional() }).strict(),
      handle: ({ req, res, clientIp, query }) => {
        app.sse.connect(req, res, clientIp, query.lastEventId);
        return 200;
      },
    }),
    app.jsonView('/api/v1/live', (r) => {
      r.track(app.sse);
      return { json: app.sse.snapshot(r.now()) };
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/beacon',
      body: z.object({ viewer: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a random id of 8-64 letters, digits, - or _') }).strict(),
      handle: ({ res, body }) => {
        app.traffic.heartbeat(body.viewer);
        res.writeHead(204, [...SECURITY_HEADERS, 'cache-control', 'no-store']);
        res.end();
        return 204;
      },
    }),
    // Counters that move with every request: rebuilt each clock step, like every view with an age.
    app.jsonView('/api/v1/status', (r) => ({ json: runtimeStatus(app, r.now()) })),
  ];
}

export function runtimeStatus(app: AppContext, nowMs = Date.now()) {
  const mem = process.memoryUsage();
  return {
    asOf: new Date(nowMs).toISOString(),
    role: app.role,
    demo: app.demo,
    startedAt: new Date(app.startedAtMs).toISOString(),
    uptimeSec: Math.round((nowMs - app.startedAtMs) / 1000),
    sse: app.sse.stats(),
    traffic: { activeViewers: app.traffic.activeViewers(nowMs), pageViews: app.traffic.pageViews() },
    process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, eventLoopLagMs: app.traffic.eventLoopLagMs(), pid: process.pid, node: process.version },
    cache: cacheTiers(app),
  };
}
