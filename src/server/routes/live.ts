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
      summary: 'Live events (Server-Sent Events): a snapshot, then typed events with ids',
      doc: { reply: { types: ['text/event-stream'], statuses: { 200: 'the event stream' } }, errors: { 503: 'no more live connections are taken (SSE_CAPACITY): poll /api/v1/live instead' } },
      query: z.object({ lastEventId: z.string().max(100).optional().describe('resume after this event (the Last-Event-ID header does the same)') }).strict(),
      handle: ({ req, res, clientIp, query }) => {
        app.sse.connect(req, res, clientIp, query.lastEventId);
        return 200;
      },
    }),
    app.jsonView('/api/v1/live', (r) => {
      r.track(app.sse);
      return { json: app.sse.snapshot(r.now()) };
    }, 'The live snapshot as JSON, for clients that poll'),
    defineRoute({
      method: 'POST',
      path: '/api/v1/beacon',
      summary: "A tab's heartbeat, counted as an active viewer",
      doc: { reply: { statuses: { 204: 'counted' } } },
      body: z.object({ viewer: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a random id of 8-64 letters, digits, - or _').describe("the tab's random id") }).strict(),
      handle: ({ res, body }) => {
        app.traffic.heartbeat(body.viewer);
        res.writeHead(204, [...SECURITY_HEADERS, 'cache-control', 'no-store']);
        res.end();
        return 204;
      },
    }),
    // Counters that move with every request: rebuilt each clock step, like every view with an age.
    app.jsonView('/api/v1/status', (r) => ({ json: runtimeStatus(app, r.now()) }), 'This process and its traffic: role, uptime, connections, memory, cache, viewers (shared on Redis)'),
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
    traffic: app.traffic.figures(nowMs),
    process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, eventLoopLagMs: app.traffic.eventLoopLagMs(), pid: process.pid, node: process.version },
    cache: cacheTiers(app),
  };
}
