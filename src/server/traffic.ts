// Dashboard traffic without cookies or IP addresses: page views are counted per page when a page is
// rendered, and a viewer is a random id that each browser tab makes for itself (sessionStorage)
// and sends with its heartbeat. Nothing that identifies a person is kept; ids expire after
// VIEWER_TTL_MS. Counts are per web process; Prometheus sums them across processes.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { SseStats } from './sse.ts';

/** A tab sends its heartbeat every 30 s; two missed ones and it no longer counts. */
export const VIEWER_TTL_MS = 75_000;
const MAX_VIEWERS = 100_000;
const LOOP_RESOLUTION_MS = 20;

export class Traffic {
  private readonly views = new Map<string, number>();
  private readonly viewers = new Map<string, number>();
  private readonly loop: IntervalHistogram;

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
  }

  recordView(page: string): void {
    this.views.set(page, (this.views.get(page) ?? 0) + 1);
  }

  heartbeat(viewerId: string, nowMs = Date.now()): void {
    // A flood of made-up ids cannot grow the map without bound: expired ones go first.
    if (this.viewers.size >= MAX_VIEWERS && !this.viewers.has(viewerId)) this.prune(nowMs);
    if (this.viewers.size >= MAX_VIEWERS) return;
    this.viewers.set(viewerId, nowMs);
  }

  activeViewers(nowMs = Date.now()): number {
    this.prune(nowMs);
    return this.viewers.size;
  }

  private prune(nowMs: number): void {
    for (const [id, seen] of this.viewers) if (nowMs - seen > VIEWER_TTL_MS) this.viewers.delete(id);
  }

  pageViews(): Record<string, number> {
    return Object.fromEntries(this.views);
  }

  eventLoopLagMs(): { p50: number; p99: number; max: number } {
    // The histogram records the whole timer interval; the lag is what exceeds the resolution.
    const ms = (ns: number) => Math.max(0, Math.round((ns - LOOP_RESOLUTION_MS * 1e6) / 1e4) / 100);
    return { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) };
  }

  close(): void {
    this.loop.disable();
  }

  render(sse: SseStats, nowMs = Date.now()): string {
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: string[]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples];
    const lines = [
      ...metric('satscope_page_views_total', 'counter', 'Dashboard pages rendered, by page', [...this.views].map(([page, n]) => `satscope_page_views_total{page="${page}"} ${n}`)),
      ...metric('satscope_active_viewers', 'gauge', 'Browser tabs that sent a heartbeat in the last 75 s', [`satscope_active_viewers ${this.activeViewers(nowMs)}`]),
      ...(
        [
          ['satscope_sse_clients', 'gauge', 'Open live (SSE) connections', sse.clients],
          ['satscope_sse_connections_total', 'counter', 'Live connections accepted', sse.connectedTotal],
          ['satscope_sse_refused_total', 'counter', 'Live connections refused by the total or per-IP cap', sse.refusedTotal],
          ['satscope_sse_dropped_slow_total', 'counter', 'Live connections dropped because the client did not read', sse.droppedSlowTotal],
          ['satscope_sse_events_total', 'counter', 'Events broadcast to live connections', sse.eventsTotal],
        ] as const
      ).flatMap(([name, type, help, value]) => metric(name, type, help, [`${name} ${value}`])),
    ];
    return `${lines.join('\n')}\n`;
  }
}
