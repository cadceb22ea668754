// Dashboard traffic without cookies or IP addresses: page views are counted per page when a page is
// rendered, and a viewer is a random id that each browser tab makes for itself (sessionStorage)
// and sends with its heartbeat. Nothing that identifies a person is kept; ids expire after
// VIEWER_TTL_MS.
//
// Each process counts its own. With a shared store (Redis, several web processes) they are also
// counted there, so every process shows the same figures and a tab that reached two processes
// counts once. Traffic never makes a request wait or fail: heartbeats and views are batched and
// sent every SYNC_MS, the shared figures are read back then, and requests read what was last read.
// While the store does not answer, the figures shown are this process's own, marked so.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { describeError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import type { SseStats } from './sse.ts';

/** A tab sends its heartbeat every 30 s; two missed ones and it no longer counts. */
export const VIEWER_TTL_MS = keys.viewers.ttlMs;
const MAX_VIEWERS = keys.viewers.maxMembers;
/** How often heartbeats and views go to the shared store and its figures are read back. */
export const SYNC_MS = 3000;
/** Shared figures older than this (syncs failing or stuck) are not shown. */
const SHARED_MAX_AGE_MS = 3 * SYNC_MS;
/** Viewer ids waiting for the next sync; more in one interval are counted by this process only. */
const MAX_PENDING_VIEWERS = 10_000;
const LOOP_RESOLUTION_MS = 20;

export interface TrafficFigures {
  /** `shared`: every web process on the store; `process`: this process alone. */
  scope: 'shared' | 'process';
  activeViewers: number;
  pageViews: Record<string, number>;
  /** Why the figures are this process's own although the store is shared, in words for people. */
  reason?: string;
  /** The store's error behind the reason. */
  detail?: string;
}

export interface TrafficOptions {
  /** Counted in it too when it is shared (kind 'redis'). */
  store?: Store;
  log?: Logger;
  syncMs?: number;
  now?: () => number;
}

export class Traffic {
  private readonly views = new Map<string, number>();
  private readonly viewers = new Map<string, number>();
  private readonly loop: IntervalHistogram;
  private readonly store: Store | undefined;
  private readonly log: Logger;
  private readonly syncMs: number;
  private readonly now: () => number;
  private readonly pendingViewers = new Set<string>();
  private readonly pendingViews = new Map<string, number>();
  private shared: { activeViewers: number; pageViews: Record<string, number>; atMs: number } | undefined;
  private sharedProblem: { reason: string; detail?: string } = { reason: "Not read from Redis yet (it is within seconds of starting): these are this process's own." };
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private started = false;
  private closed = false;

  constructor(opts: TrafficOptions = {}) {
    this.store = opts.store?.kind === 'redis' ? opts.store : undefined;
    this.log = opts.log ?? silentLogger;
    this.syncMs = opts.syncMs ?? SYNC_MS;
    this.now = opts.now ?? Date.now;
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
  }

  /** With a shared store: sync now, then every syncMs (the timer does not keep the process alive). */
  start(): void {
    if (!this.store || this.started || this.closed) return;
    this.started = true;
    const tick = () =>
      void this.sync().finally(() => {
        if (this.closed) return;
        this.timer = setTimeout(tick, this.syncMs);
        this.timer.unref();
      });
    tick();
  }

  recordView(page: string): void {
    this.views.set(page, (this.views.get(page) ?? 0) + 1);
    if (this.store) this.pendingViews.set(page, (this.pendingViews.get(page) ?? 0) + 1);
  }

  heartbeat(viewerId: string, nowMs = this.now()): void {
    // A flood of made-up ids cannot grow the map without bound: expired ones go first.
    if (this.viewers.size >= MAX_VIEWERS && !this.viewers.has(viewerId)) this.prune(nowMs);
    if (this.store && this.pendingViewers.size < MAX_PENDING_VIEWERS) this.pendingViewers.add(viewerId);
    if (this.viewers.size >= MAX_VIEWERS) return;
    this.viewers.set(viewerId, nowMs);
  }

  /** Browser tabs that sent this process a heartbeat within VIEWER_TTL_MS. */
  activeViewers(nowMs = this.now()): number {
    this.prune(nowMs);
    return this.viewers.size;
  }

  private prune(nowMs: number): void {
    for (const [id, seen] of this.viewers) if (nowMs - seen > VIEWER_TTL_MS) this.viewers.delete(id);
  }

  /** Pages this process rendered since it started. */
  pageViews(): Record<string, number> {
    return Object.fromEntries(this.views);
  }

  /** What to show: every process's figures when the shared store answered lately, else this process's. */
  figures(nowMs = this.now()): TrafficFigures {
    const s = this.shared;
    if (s && nowMs - s.atMs <= SHARED_MAX_AGE_MS) return { scope: 'shared', activeViewers: s.activeViewers, pageViews: s.pageViews };
    const own = { scope: 'process' as const, activeViewers: this.activeViewers(nowMs), pageViews: this.pageViews() };
    return this.store ? { ...own, ...this.sharedProblem } : own;
  }

  /** Sends what was counted since the last sync and reads the shared figures back; never throws. */
  sync(): Promise<void> {
    // One at a time: a slow store is not asked again while it has not answered.
    this.syncing ??= this.exchange().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async exchange(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const nowMs = this.now();
    const viewers = [...this.pendingViewers];
    const views = Object.fromEntries(this.pendingViews);
    this.pendingViewers.clear();
    this.pendingViews.clear();
    const [touched, added] = await Promise.allSettled([store.touchMembers(keys.viewers, viewers, nowMs), store.addTallies(keys.pageViews, views)]);
    // Views not added are sent again with the next sync; a tab that was not marked is with its next heartbeat.
    if (added.status === 'rejected') for (const [page, n] of Object.entries(views)) this.pendingViews.set(page, (this.pendingViews.get(page) ?? 0) + n);
    try {
      for (const r of [touched, added]) if (r.status === 'rejected') throw r.reason;
      const [activeViewers, pageViews] = await Promise.all([store.countMembers(keys.viewers, nowMs - VIEWER_TTL_MS), store.readTallies(keys.pageViews)]);
      this.shared = { activeViewers, pageViews, atMs: this.now() };
    } catch (err) {
      this.shared = undefined;
      this.sharedProblem = { reason: "Can't reach Redis, which shares viewers and page views between web processes: these are this process's own.", detail: describeError(err) };
      this.log.warn("traffic not shared: the store did not answer; showing this process's counts", { err });
    }
  }

  eventLoopLagMs(): { p50: number; p99: number; max: number } {
    // The histogram records the whole timer interval; the lag is what exceeds the resolution.
    const ms = (ns: number) => Math.max(0, Math.round((ns - LOOP_RESOLUTION_MS * 1e6) / 1e4) / 100);
    return { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) };
  }

  /** Stops syncing; what was counted since the last sync is sent first (its failure only logged). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.loop.disable();
    await this.syncing;
    if (this.store && (this.pendingViewers.size > 0 || this.pendingViews.size > 0)) await this.sync();
  }

  render(sse: SseStats, nowMs = this.now()): string {
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: string[]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples];
    const shared = this.figures(nowMs);
    const lines = [
      ...metric('satscope_page_views_total', 'counter', 'Dashboard pages rendered by this process, by page', [...this.views].map(([page, n]) => `satscope_page_views_total{page="${page}"} ${n}`)),
      ...metric('satscope_active_viewers', 'gauge', 'Browser tabs that sent this process a heartbeat in the last 75 s', [`satscope_active_viewers ${this.activeViewers(nowMs)}`]),
      // The same figure on every process sharing the store: take max(), not sum(). Absent while the store does not answer.
      ...(this.store ? metric('satscope_active_viewers_shared', 'gauge', 'Browser tabs that sent any web process on the shared store a heartbeat in the last 75 s, each counted once', shared.scope === 'shared' ? [`satscope_active_viewers_shared ${shared.activeViewers}`] : []) : []),
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
