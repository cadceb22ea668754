// Bitcoin Core JSON-RPC over the shared upstream client. Reads JSON-RPC 1.0 replies (errors with
// HTTP 500/404/400) and 2.0 replies (errors with HTTP 200), single and batched, and turns the
// node's answers into typed errors: 401 with an empty body -> RPC_AUTH_FAILED, -28 ->
// RPC_WARMING_UP (with the node's message), -32601 -> RPC_METHOD_NOT_FOUND, others -> RPC_ERROR.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SatscopeError, isSatscopeError } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import { CircuitBreaker } from '../http/circuit-breaker.ts';
import { TokenBucket } from '../http/token-bucket.ts';
import { UpstreamClient } from '../http/upstream-client.ts';
import type { SourceTracker } from '../source-tracker.ts';

const rpcErrorSchema = z.object({ code: z.number(), message: z.string() });
const replySchema = z.object({ result: z.unknown().optional(), error: rpcErrorSchema.nullable().optional(), id: z.unknown().optional() });
type Reply = z.infer<typeof replySchema>;

// Core answers RPC errors with these statuses in JSON-RPC 1.0 mode, always with a JSON body.
const RPC_STATUSES = [400, 401, 403, 404, 500] as const;

export interface RpcCall {
  method: string;
  params?: unknown[];
}

export type BatchResult = { ok: true; result: unknown } | { ok: false; error: SatscopeError };

export interface RpcClientOptions {
  url: string;
  cookieFile?: string;
  tracker: SourceTracker;
  metrics: Metrics;
  timeoutMs?: number;
}

export function rpcError(err: { code: number; message: string }, method: string): SatscopeError {
  if (err.code === -28) return new SatscopeError('RPC_WARMING_UP', `node is starting: ${err.message}`, { details: { rpcCode: err.code } });
  if (err.code === -32601) return new SatscopeError('RPC_METHOD_NOT_FOUND', `${method}: ${err.message}`, { details: { rpcCode: err.code } });
  return new SatscopeError('RPC_ERROR', `${method}: ${err.message} (${err.code})`, { details: { rpcCode: err.code } });
}

export class RpcClient {
  private readonly http: UpstreamClient;
  private readonly endpoint: string;
  private readonly userPass: string | undefined;
  private cookie: string | undefined;
  private nextId = 1;

  constructor(private readonly o: RpcClientOptions) {
    const u = new URL(o.url);
    this.userPass = u.username || u.password ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined;
    // Credentials never stay in the URL (it may be logged): they go in the Authorization header.
    u.username = '';
    u.password = '';
    this.endpoint = u.pathname === '' ? '/' : u.pathname;
    u.pathname = '';
    this.http = new UpstreamClient({
      source: o.tracker,
      baseUrl: u.toString().replace(/\/$/, ''),
      bucket: new TokenBucket({ capacity: 500, refillPerSec: 500 }), // your own node: no external budget
      metrics: o.metrics,
      timeoutMs: o.timeoutMs ?? 10_000,
      retries: 1,
      maxBytes: 32 * 1024 * 1024,
      // Your own node: pause briefly after failures, so it is seen again soon after it comes back.
      breaker: new CircuitBreaker({ failureThreshold: 5, openMs: 5_000 }),
    });
  }

  get breaker() {
    return this.http.breaker;
  }

  private async authorization(refreshCookie = false): Promise<string> {
    let creds = this.userPass;
    if (!creds && this.o.cookieFile) {
      if (!this.cookie || refreshCookie) this.cookie = (await readFile(this.o.cookieFile, 'utf8')).trim();
      creds = this.cookie;
    }
    if (!creds) throw new SatscopeError('RPC_AUTH_FAILED', 'no RPC credentials: put user:password in the URL or set the cookie file');
    return `Basic ${Buffer.from(creds).toString('base64')}`;
  }

  /** POSTs a request or a batch and returns the parsed body; records auth and transport failures. */
  private async post(payload: unknown, opts: { timeoutMs?: number; maxBytes?: number }): Promise<unknown> {
    let retriedCookie = false;
    for (;;) {
      const headers = { authorization: await this.authorization(retriedCookie) };
      const { status, body } = await this.http.request(this.endpoint, { method: 'POST', body: payload, headers, acceptStatuses: RPC_STATUSES, ...opts });
      if (status === 401 || status === 403) {
        // The cookie changes when the node restarts: read it again once before giving up.
        if (status === 401 && this.o.cookieFile && !this.userPass && !retriedCookie) {
          retriedCookie = true;
          continue;
        }
        throw this.record(new SatscopeError('RPC_AUTH_FAILED', status === 401 ? 'authentication failed: check the RPC user and password (or cookie)' : 'forbidden: this address is not in the node\'s rpcallowip'));
      }
      try {
        return JSON.parse(body);
      } catch (err) {
        throw this.record(new SatscopeError('UPSTREAM_MALFORMED', `RPC reply is not JSON (HTTP ${status})`, { cause: err }));
      }
    }
  }

  private record(err: SatscopeError): SatscopeError {
    this.o.tracker.record({ error: err });
    return err;
  }

  private unwrap(reply: Reply, method: string): unknown {
    if (reply.error) throw rpcError(reply.error, method);
    return reply.result ?? null;
  }

  /**
   * One call. With `probe`, an RPC error is an expected answer (trying which parameter style the
   * node takes) and is not recorded as the node's failure.
   */
  async call<T>(method: string, params: unknown[], schema: z.ZodType<T, z.ZodTypeDef, unknown>, opts: { timeoutMs?: number; maxBytes?: number; probe?: boolean } = {}): Promise<T> {
    const raw = await this.post({ jsonrpc: '1.0', id: this.nextId++, method, params }, opts);
    const reply = replySchema.safeParse(raw);
    if (!reply.success) throw this.record(new SatscopeError('UPSTREAM_SCHEMA', `${method}: not a JSON-RPC reply`));
    let result: unknown;
    try {
      result = this.unwrap(reply.data, method);
    } catch (err) {
      // A missing method is an answer, not a sick node: capability probing expects it.
      if (isSatscopeError(err, 'RPC_METHOD_NOT_FOUND') || (opts.probe && isSatscopeError(err, 'RPC_ERROR'))) this.o.tracker.record('ok');
      else this.record(err as SatscopeError);
      throw err;
    }
    const parsed = schema.safeParse(result);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 4).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw this.record(new SatscopeError('UPSTREAM_SCHEMA', `${method}: unexpected result: ${issues.join('; ')}`, { details: { issues } }));
    }
    this.o.tracker.record('ok');
    return parsed.data;
  }

  /** Several calls in one request; each result or error stands alone, in the order asked. */
  async batch(calls: readonly RpcCall[], opts: { timeoutMs?: number } = {}): Promise<BatchResult[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const raw = await this.post(
      calls.map((c, i) => ({ jsonrpc: '1.0', id: first + i, method: c.method, params: c.params ?? [] })),
      opts,
    );
    const replies = z.array(replySchema).safeParse(raw);
    if (!replies.success) {
      // A node that does not batch answers the array with one error object.
      const single = replySchema.safeParse(raw);
      if (single.success && single.data.error) throw this.record(rpcError(single.data.error, 'batch'));
      throw this.record(new SatscopeError('UPSTREAM_SCHEMA', 'batch reply is not an array of JSON-RPC replies'));
    }
    this.o.tracker.record('ok');
    const byId = new Map(replies.data.map((r) => [Number(r.id), r]));
    return calls.map((c, i) => {
      const r = byId.get(first + i) ?? replies.data[i];
      if (!r) return { ok: false, error: new SatscopeError('UPSTREAM_SCHEMA', `${c.method}: missing from the batch reply`) };
      try {
        return { ok: true, result: this.unwrap(r, c.method) };
      } catch (err) {
        return { ok: false, error: err as SatscopeError };
      }
    });
  }
}
