// Server-Sent Events fan-out. Every event from the bus is formatted once into a Buffer and the same
// Buffer is written to every client, so a broadcast costs one loop of res.write(). A client gets a
// snapshot (the latest event of each type) on connect, or the events it missed when it resumes with
// Last-Event-ID. Connections are capped in total and per IP, live at most maxLifetimeMs, and a
// client that does not read (its socket buffer above maxBufferedBytes) is dropped rather than let
// the server's memory grow.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SatscopeError } from '../errors.ts';
import type { BusEvent } from '../store/keys.ts';
import { SECURITY_HEADERS } from './responses.ts';

export interface SseOptions {
  maxClients: number;
  maxPerIp: number;
  maxLifetimeMs: number;
  heartbeatMs: number;
  /** A client whose unsent bytes exceed this is dropped. */
  maxBufferedBytes: number;
  /** Events kept for Last-Event-ID resume. */
  ringSize: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
  maxClients: 10_000,
  maxPerIp: 20,
  maxLifetimeMs: 60 * 60_000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 256 * 1024,
  ringSize: 500,
};

interface Client {
  res: ServerResponse;
  ip: string;
  expiresAtMs: number;
}

interface RingEntry {
  id: string;
  frame: Buffer;
}

export interface SseStats {
  clients: number;
  connectedTotal: number;
  refusedTotal: number;
  droppedSlowTotal: number;
  expiredTotal: number;
  eventsTotal: number;
  resumedTotal: number;
}

const HEADERS = [...SECURITY_HEADERS, 'content-type', 'text/event-stream; charset=utf-8', 'cache-control', 'no-store', 'x-accel-buffering', 'no'];
const HEARTBEAT = Buffer.from(': hb\n\n');
// Reconnect hint for EventSource; the dashboard's own client applies its backoff on top.
const PREAMBLE = Buffer.from('retry: 3000\n\n');

/** One SSE frame. `data` is JSON on a single line, so no line splitting is needed. */
export function formatFrame(type: string, id: string, payload: unknown): Buffer {
  return Buffer.from(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
}

export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly perIp = new Map<string, number>();
  private readonly ring: RingEntry[] = [];
  private readonly latest = new Map<string, BusEvent>();
  /** Moves with the snapshot: the /api/v1/live read model follows it. */
  version = 0;
  private snapshotFrame: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly counts = { connectedTotal: 0, refusedTotal: 0, droppedSlowTotal: 0, expiredTotal: 0, eventsTotal: 0, resumedTotal: 0 };

  constructor(readonly options: SseOptions) {}

  start(): void {
    this.timer ??= setInterval(() => this.sweep(Date.now()), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Seeds the snapshot with state read at startup, without sending it to anyone. */
  seed(event: BusEvent): void {
    if (!this.latest.has(event.type)) {
      this.latest.set(event.type, event);
      this.snapshotFrame = undefined;
      this.version++;
    }
  }

  broadcast(event: BusEvent): void {
    const frame = formatFrame(event.type, event.id, { tsMs: event.tsMs, data: event.data });
    this.ring.push({ id: event.id, frame });
    if (this.ring.length > this.options.ringSize) this.ring.shift();
    this.latest.set(event.type, event);
    this.snapshotFrame = undefined;
    this.version++;
    this.counts.eventsTotal++;
    this.writeAll(frame);
  }

  /** The latest event of each type, as sent on connect and served to polling clients. */
  snapshot(nowMs = Date.now()): { id: string; tsMs: number; events: Record<string, { tsMs: number; data: unknown }> } {
    const events: Record<string, { tsMs: number; data: unknown }> = {};
    for (const [type, e] of this.latest) events[type] = { tsMs: e.tsMs, data: e.data };
    return { id: this.ring.at(-1)?.id ?? '0', tsMs: nowMs, events };
  }

  private snapshotBuffer(): Buffer {
    if (!this.snapshotFrame) {
      const snap = this.snapshot();
      this.snapshotFrame = formatFrame('snapshot', snap.id, snap);
    }
    return this.snapshotFrame;
  }

  /**
   * Takes over the response. Throws SatscopeError when a cap refuses the client. The resume point
   * is the Last-Event-ID header (EventSource's own reconnect) or `lastEventId` (a client that
   * reconnects by itself and cannot set headers).
   */
  connect(req: IncomingMessage, res: ServerResponse, ip: string, lastEventId?: string, nowMs = Date.now()): void {
    // HEAD asks what a stream would look like: its headers, and no slot held.
    if (req.method === 'HEAD') {
      res.writeHead(200, HEADERS);
      res.end();
      return;
    }
    const perIp = this.perIp.get(ip) ?? 0;
    if (this.clients.size >= this.options.maxClients) {
      this.counts.refusedTotal++;
      throw new SatscopeError('SSE_CAPACITY', `the server holds its maximum of ${this.options.maxClients} live connections; the dashboard falls back to polling`);
    }
    if (perIp >= this.options.maxPerIp) {
      // The client's own doing (too many tabs or a loop), so a 429 with a hint when to retry.
      this.counts.refusedTotal++;
      throw new SatscopeError('RATE_LIMITED', `at most ${this.options.maxPerIp} live connections per address; poll /api/v1/live instead`, { details: { retryAfterSec: 30 } });
    }
    // Spread reconnects: each connection lives its lifetime minus up to 10%.
    const client: Client = { res, ip, expiresAtMs: nowMs + this.options.maxLifetimeMs - Math.floor(Math.random() * this.options.maxLifetimeMs * 0.1) };
    this.clients.add(client);
    this.perIp.set(ip, perIp + 1);
    this.counts.connectedTotal++;
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true, 30_000);
    res.writeHead(200, HEADERS);
    res.write(PREAMBLE);
    const missed = this.missedSince(lastEventId ?? req.headers['last-event-id']);
    if (missed) {
      this.counts.resumedTotal++;
      for (const f of missed) res.write(f);
    } else res.write(this.snapshotBuffer());
    res.once('close', () => this.remove(client));
  }

  /** Frames after lastId, or undefined when the id is unknown (too old, or another server's). */
  private missedSince(header: string | string[] | undefined): Buffer[] | undefined {
    const lastId = Array.isArray(header) ? header[0] : header;
    if (!lastId) return undefined;
    const at = this.ring.findIndex((e) => e.id === lastId);
    return at === -1 ? undefined : this.ring.slice(at + 1).map((e) => e.frame);
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    const n = (this.perIp.get(client.ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(client.ip);
    else this.perIp.set(client.ip, n);
  }

  private writeAll(frame: Buffer): void {
    const limit = this.options.maxBufferedBytes;
    for (const c of this.clients) {
      if (c.res.writableLength > limit) {
        this.counts.droppedSlowTotal++;
        this.remove(c);
        c.res.destroy();
      } else c.res.write(frame);
    }
  }

  /** Heartbeat to all, and end connections past their lifetime. */
  sweep(nowMs: number): void {
    this.writeAll(HEARTBEAT);
    for (const c of this.clients) {
      if (c.expiresAtMs > nowMs) continue;
      this.counts.expiredTotal++;
      this.remove(c);
      c.res.end();
    }
  }

  stats(): SseStats {
    return { clients: this.clients.size, ...this.counts };
  }

  /** Ends every stream (shutdown): clients reconnect to another process or after the restart. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.perIp.clear();
  }
}
