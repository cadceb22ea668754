// An Electrum server (ElectrumX, Fulcrum, electrs) over newline-delimited JSON-RPC 2.0 on TCP or
// TLS. `server.version` goes first on every connection; the tip subscription is renewed after a
// reconnect; `server.ping` keeps an idle connection open; a dropped connection is retried with
// exponential backoff. Lines that are not JSON are counted and skipped, never fatal.
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { z } from 'zod';
import { SatscopeError, describeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { transportCause } from '../explain.ts';
import type { SourceTracker } from '../source-tracker.ts';

export const CLIENT_NAME = 'Satscope 0.1';
export const PROTOCOL = '1.4';
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export const headerSchema = z.object({ hex: z.string(), height: z.number().int() });
export type ElectrumHeader = z.infer<typeof headerSchema>;

const messageSchema = z.object({
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.number().optional(), message: z.string() }).passthrough().nullable().optional(),
});

export interface ElectrumOptions {
  url: string;
  tracker: SourceTracker;
  log: Logger;
  timeoutMs?: number;
  pingIntervalMs?: number;
  maxBackoffMs?: number;
  /** Verify the server's TLS certificate (self-signed certificates are common on home servers). */
  tlsVerify?: boolean;
  onHeader?: (header: ElectrumHeader) => void;
  onState?: (state: 'connecting' | 'ok' | 'down', message: string | null) => void;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ElectrumClient {
  state: 'connecting' | 'ok' | 'down' = 'down';
  serverVersion: [string, string] | null = null;
  tip: ElectrumHeader | null = null;
  garbageLines = 0;
  reconnects = 0;
  private socket: Socket | undefined;
  private buffer = '';
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private ready: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  /** The current socket completed the handshake (a later close is a lost connection, not a failed one). */
  private established = false;
  /** Why the last attempt failed, in words, for the reconnect message. */
  private lastFailure: SatscopeError | undefined;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;

  constructor(private readonly o: ElectrumOptions) {
    const u = new URL(o.url);
    this.tls = u.protocol === 'ssl:';
    this.host = u.hostname;
    this.port = Number(u.port) || (this.tls ? 50002 : 50001);
  }

  private setState(state: ElectrumClient['state'], message: string | null): void {
    this.state = state;
    this.o.onState?.(state, message);
  }

  /** Connects (once; later calls share it) and completes the handshake and tip subscription. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new SatscopeError('SHUTTING_DOWN', 'electrum client closed'));
    this.ready ??= this.open().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private get where(): string {
    return `${this.tls ? 'ssl' : 'tcp'}://${this.host}:${this.port}`;
  }

  /** A connection failure in plain words (refused, timed out, TLS on a plain port, certificate), the raw error as cause. */
  private connectError(err: unknown): SatscopeError {
    if (err instanceof SatscopeError) return err;
    const cause = transportCause(err);
    let words = cause?.words ?? (err instanceof Error ? err.message : String(err));
    if (cause?.kind === 'certificate') words += ': set ELECTRUM_TLS_VERIFY=false for a self-signed certificate, or install its CA';
    const summary = `Can't reach your Electrum server at ${this.where}: ${words}`;
    const code = cause?.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_NETWORK';
    return new SatscopeError(code, `electrum: ${summary}`, { cause: err, details: { summary, cause: cause?.kind ?? 'other' } });
  }

  private open(): Promise<void> {
    this.setState('connecting', null);
    this.established = false;
    return new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return; // the first cause wins: an error is followed by a close
        failed = true;
        const e = this.connectError(err);
        this.lastFailure = e;
        reject(e);
      };
      const onConnect = () => {
        this.handshake().then(() => {
          failed = true;
          resolve();
        }, (err: unknown) => {
          fail(this.handshakeError(err));
          socket.destroy();
        });
      };
      // SNI takes host names only (an IP address there is deprecated, DEP0123).
      const socket = this.tls
        ? tlsConnect({ host: this.host, port: this.port, ...(isIP(this.host) ? {} : { servername: this.host }), rejectUnauthorized: this.o.tlsVerify ?? false }, onConnect)
        : tcpConnect({ host: this.host, port: this.port }, onConnect);
      this.socket = socket;
      this.buffer = '';
      socket.setEncoding('utf8');
      socket.setTimeout(this.o.timeoutMs ?? 10_000, () => {
        if (this.state === 'connecting') socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
      });
      socket.on('data', (chunk: string) => this.onData(chunk));
      socket.on('error', (err) => fail(err));
      socket.on('close', () => {
        // Closed before the handshake finished, with no error: the server hung up on us.
        if (!this.established) fail(new SatscopeError('UPSTREAM_NETWORK', `electrum: ${this.where} closed the connection during the handshake`, { details: { summary: `Your Electrum server at ${this.where} closed the connection during the handshake${this.tls ? '' : ' (if it expects TLS, use ssl://)'}` } }));
        this.onClose(socket);
      });
    });
  }

  /** A plain-TCP handshake that gets no answer is often a TLS port: say so. An error answer is the server's word. */
  private handshakeError(err: unknown): unknown {
    if (!this.tls && err instanceof SatscopeError && err.code === 'UPSTREAM_TIMEOUT') {
      const summary = `Your Electrum server at ${this.where} did not answer the handshake (if that port expects TLS, use ssl://)`;
      return new SatscopeError('UPSTREAM_TIMEOUT', `electrum: ${summary}`, { cause: err, details: { summary } });
    }
    if (err instanceof SatscopeError && (err.code === 'ELECTRUM_ERROR' || err.code === 'UPSTREAM_SCHEMA')) {
      const summary = `Your Electrum server at ${this.where} refused the handshake: ${err.message.replace(/^electrum:? ?/, '').slice(0, 200)}`;
      return new SatscopeError(err.code, `electrum: ${summary}`, { cause: err, details: { summary } });
    }
    return err;
  }

  private async handshake(): Promise<void> {
    this.socket?.setTimeout(0);
    const version = await this.request('server.version', [CLIENT_NAME, PROTOCOL], z.tuple([z.string(), z.string()]));
    this.serverVersion = version;
    const tip = await this.request('blockchain.headers.subscribe', [], headerSchema);
    this.tip = tip;
    this.o.onHeader?.(tip);
    this.failures = 0;
    this.established = true;
    this.lastFailure = undefined;
    this.setState('ok', null);
    this.o.tracker.record('ok');
    this.o.tracker.settle('electrum', 1, []);
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      this.request('server.ping', [], z.null()).catch((err: unknown) => this.o.log.debug('electrum ping failed', { err }));
    }, this.o.pingIntervalMs ?? 60_000);
    this.pingTimer.unref();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.socket?.destroy(new Error('line too long'));
      return;
    }
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let parsed: z.infer<typeof messageSchema>;
    try {
      parsed = messageSchema.parse(JSON.parse(line));
    } catch {
      this.garbageLines++;
      this.o.log.debug('electrum: skipped a line that is not JSON-RPC', { sample: line.slice(0, 60) });
      return;
    }
    if (typeof parsed.id === 'number' && this.pending.has(parsed.id)) {
      const p = this.pending.get(parsed.id) as Pending;
      this.pending.delete(parsed.id);
      clearTimeout(p.timer);
      if (parsed.error) p.reject(new SatscopeError('ELECTRUM_ERROR', `${p.method}: ${parsed.error.message}`, { details: { rpcCode: parsed.error.code } }));
      else p.resolve(parsed.result ?? null);
      return;
    }
    if (parsed.method === 'blockchain.headers.subscribe') {
      const header = headerSchema.safeParse(Array.isArray(parsed.params) ? parsed.params[0] : undefined);
      if (header.success) {
        this.tip = header.data;
        this.o.onHeader?.(header.data);
      }
    }
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.ready = undefined;
    clearInterval(this.pingTimer);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SatscopeError('UPSTREAM_NETWORK', `electrum: connection closed during ${p.method}`));
      this.pending.delete(id);
    }
    if (this.closed) return;
    const wasEstablished = this.established;
    this.established = false;
    this.failures++;
    const delay = Math.min(this.o.maxBackoffMs ?? 60_000, 500 * 2 ** Math.min(this.failures - 1, 10)) * (0.8 + 0.4 * Math.random());
    // No countdown in the words: a stored message would show a number that never changes.
    const retry = 'retrying by itself';
    const failure = this.lastFailure;
    const summary = wasEstablished ? `Lost the connection to your Electrum server at ${this.where}; ${retry}` : `${(failure?.details as { summary?: string } | undefined)?.summary ?? `Can't reach your Electrum server at ${this.where}`}; ${retry}`;
    this.setState('down', summary);
    const err = new SatscopeError(failure?.code ?? 'UPSTREAM_NETWORK', `electrum: ${summary}`, { cause: wasEstablished ? undefined : failure?.cause, details: { summary } });
    this.o.tracker.record({ error: err });
    // The connection is the source: losing it is a verdict everywhere at once, not at the next run.
    this.o.tracker.settle('electrum', 1, [err]);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.reconnects++;
      this.start().catch((err: unknown) => this.o.log.debug('electrum reconnect failed', { err: describeError(err) }));
    }, delay);
    this.retryTimer.unref();
  }

  request<T>(method: string, params: unknown[], schema: z.ZodType<T, z.ZodTypeDef, unknown>, timeoutMs = this.o.timeoutMs ?? 10_000): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new SatscopeError('UPSTREAM_NETWORK', `electrum: not connected (${method})`));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SatscopeError('UPSTREAM_TIMEOUT', `electrum: no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    }).then((result) => {
      const parsed = schema.safeParse(result);
      if (!parsed.success) throw new SatscopeError('UPSTREAM_SCHEMA', `electrum ${method}: unexpected result: ${parsed.error.issues[0]?.message ?? ''}`);
      return parsed.data;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 500).unref();
    });
  }
}
