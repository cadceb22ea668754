// The one HTTP client every upstream goes through: per-attempt timeouts inside an overall deadline,
// retries with jittered backoff, the host's token bucket (which honours 429 + Retry-After), the
// source's circuit breaker, a response-size limit, schema validation, and typed errors.
import type { z } from 'zod';
import { SatscopeError, isSatscopeError, type ErrorCode } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import type { SourceTracker } from '../source-tracker.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { exchange, type Reply } from './exchange.ts';
import { parseRetryAfterMs, sleep, type TokenBucket } from './token-bucket.ts';

export const USER_AGENT = 'Satscope/0.1 (+self-hosted Bitcoin dashboard)';

export interface UpstreamClientOptions {
  source: SourceTracker;
  baseUrl: string;
  bucket: TokenBucket;
  metrics: Metrics;
  headers?: Record<string, string>;
  /** One attempt, headers and body together. */
  timeoutMs?: number;
  /** The whole call, retries and waits included. */
  deadlineMs?: number;
  retries?: number;
  retryBaseMs?: number;
  maxBytes?: number;
  breaker?: CircuitBreaker;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses whose body is still parsed and returned (JSON-RPC answers errors with 500). */
  acceptStatuses?: readonly number[];
  /** Override the client's per-attempt timeout and size limit for one call (e.g. a whole mempool). */
  timeoutMs?: number;
  maxBytes?: number;
}

// Outcomes that say the upstream itself is unwell, and so count towards opening the breaker.
const BREAKER_FAILURES: ReadonlySet<ErrorCode> = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_NETWORK', 'UPSTREAM_HTTP', 'UPSTREAM_MALFORMED', 'UPSTREAM_SCHEMA', 'UPSTREAM_TOO_LARGE']);

function retryable(err: SatscopeError): boolean {
  if (err.code === 'UPSTREAM_TIMEOUT' || err.code === 'UPSTREAM_NETWORK') return true;
  if (err.code === 'UPSTREAM_RATE_LIMITED') return (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs !== undefined;
  return err.code === 'UPSTREAM_HTTP' && ((err.details as { status?: number } | undefined)?.status ?? 0) >= 500;
}

export class UpstreamClient {
  readonly breaker: CircuitBreaker;
  private readonly o: Required<Omit<UpstreamClientOptions, 'headers' | 'breaker'>> & Pick<UpstreamClientOptions, 'headers'>;

  constructor(opts: UpstreamClientOptions) {
    this.o = { timeoutMs: 10_000, retries: 2, retryBaseMs: 300, maxBytes: 8 * 1024 * 1024, ...opts, deadlineMs: opts.deadlineMs ?? (opts.timeoutMs ?? 10_000) * 3 };
    this.breaker = opts.breaker ?? new CircuitBreaker();
    opts.source.attach(this.breaker, opts.bucket);
  }

  get name(): string {
    return this.o.source.def.name;
  }

  async getJson<T>(path: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, opts: RequestOptions = {}): Promise<T> {
    const { body } = await this.request(path, opts);
    return this.parse(body, schema);
  }

  async getText(path: string, opts: RequestOptions = {}): Promise<string> {
    const { body } = await this.request(path, opts);
    this.o.source.record('ok');
    return body;
  }

  async postJson<T>(path: string, payload: unknown, schema: z.ZodType<T, z.ZodTypeDef, unknown>, opts: RequestOptions = {}): Promise<{ status: number; value: T }> {
    const { status, body } = await this.request(path, { ...opts, method: 'POST', body: payload });
    return { status, value: this.parse(body, schema) };
  }

  private parse<T>(body: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      throw this.fail(new SatscopeError('UPSTREAM_MALFORMED', `${this.name}: reply is not JSON (${body.slice(0, 60).replace(/\s+/g, ' ')}…)`, { cause: err }));
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw this.fail(new SatscopeError('UPSTREAM_SCHEMA', `${this.name}: unexpected reply shape: ${issues.join('; ')}`, { details: { issues } }));
    }
    this.o.source.record('ok');
    return parsed.data;
  }

  /** Counts a failure found after the transport succeeded (parse or schema). */
  private fail(err: SatscopeError): SatscopeError {
    this.breaker.onFailure();
    this.o.source.record({ error: err });
    return err;
  }

  /** The raw body of a successful call. Transport outcomes are recorded here; parse outcomes by the caller. */
  async request(path: string, opts: RequestOptions = {}): Promise<{ status: number; body: string }> {
    if (!this.breaker.tryAcquire()) {
      const err = new SatscopeError('UPSTREAM_CIRCUIT_OPEN', `${this.name}: paused after repeated failures; retry in ${Math.ceil(this.breaker.retryInMs() / 1000)} s`);
      this.o.source.record({ error: err });
      throw err;
    }
    const started = performance.now();
    const deadline = Date.now() + Math.max(this.o.deadlineMs, (opts.timeoutMs ?? 0) * 2);
    try {
      const result = await this.attempts(path, opts, deadline);
      // A successful transport leaves the breaker verdict to the parse step for JSON calls.
      this.breaker.onSuccess();
      return result;
    } catch (raw) {
      const err = isSatscopeError(raw) ? raw : new SatscopeError('UPSTREAM_NETWORK', `${this.name}: ${String(raw)}`, { cause: raw });
      if (BREAKER_FAILURES.has(err.code)) this.breaker.onFailure();
      else this.breaker.onNeutral();
      this.o.source.record({ error: err });
      throw err;
    } finally {
      this.o.metrics.upstreamDuration.observe({ source: this.name }, (performance.now() - started) / 1000);
    }
  }

  private async attempts(path: string, opts: RequestOptions, deadline: number): Promise<{ status: number; body: string }> {
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new SatscopeError('UPSTREAM_TIMEOUT', `${this.name}: no answer within ${this.o.deadlineMs} ms`);
      try {
        await this.o.bucket.take(remaining, opts.signal);
        return await this.once(path, opts, Math.min(opts.timeoutMs ?? this.o.timeoutMs, deadline - Date.now()));
      } catch (raw) {
        const err = this.classify(raw, opts.signal);
        const retryAfterMs = (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
        const backoff = retryAfterMs ?? this.o.retryBaseMs * 2 ** attempt * (0.5 + Math.random());
        if (attempt >= this.o.retries || !retryable(err) || Date.now() + backoff >= deadline) throw err;
        // A 429's wait is enforced by the host bucket (blocked until Retry-After) on the next take().
        if (retryAfterMs === undefined) await sleep(backoff, opts.signal);
      }
    }
  }

  private classify(raw: unknown, callerSignal: AbortSignal | undefined): SatscopeError {
    if (isSatscopeError(raw)) return raw;
    if (callerSignal?.aborted) return new SatscopeError('UPSTREAM_ABORTED', `${this.name}: cancelled`, { cause: raw });
    const name = (raw as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return new SatscopeError('UPSTREAM_TIMEOUT', `${this.name}: timed out`, { cause: raw });
    // node:http's errors carry their code (ECONNREFUSED); fetch's had it on their cause.
    const cause = (raw as { cause?: { code?: string; message?: string } } | null)?.cause;
    const code = (raw as { code?: unknown } | null)?.code;
    const detail = (typeof code === 'string' ? code : undefined) ?? cause?.code ?? cause?.message ?? (raw instanceof Error ? raw.message : String(raw));
    return new SatscopeError('UPSTREAM_NETWORK', `${this.name}: ${detail}`, { cause: raw });
  }

  private async once(path: string, opts: RequestOptions, timeoutMs: number): Promise<{ status: number; body: string }> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json, text/plain;q=0.9', ...this.o.headers, ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await exchange(this.o.baseUrl + path, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal });
    if (res.status === 429 && !opts.acceptStatuses?.includes(429)) {
      res.discard();
      const retryAfterMs = parseRetryAfterMs(res.header('retry-after') ?? null) ?? 60_000;
      this.o.bucket.blockUntil(Date.now() + retryAfterMs);
      throw new SatscopeError('UPSTREAM_RATE_LIMITED', `${this.name}: 429, retry after ${Math.ceil(retryAfterMs / 1000)} s`, { details: { status: 429, retryAfterMs } });
    }
    const accepted = res.ok || (opts.acceptStatuses?.includes(res.status) ?? false);
    const body = await this.readBody(res, accepted ? (opts.maxBytes ?? this.o.maxBytes) : 4096);
    if (!accepted) {
      throw new SatscopeError('UPSTREAM_HTTP', `${this.name}: HTTP ${res.status} ${body.slice(0, 120).replace(/\s+/g, ' ')}`.trim(), { details: { status: res.status } });
    }
    return { status: res.status, body };
  }

  /** Reads at most maxBytes; a larger declared or streamed body is cut off with UPSTREAM_TOO_LARGE. */
  private async readBody(res: Reply, maxBytes: number): Promise<string> {
    const declared = Number(res.header('content-length') ?? NaN);
    const tooLarge = () => new SatscopeError('UPSTREAM_TOO_LARGE', `${this.name}: reply larger than ${maxBytes} bytes`);
    if (res.ok && Number.isFinite(declared) && declared > maxBytes) {
      res.discard();
      throw tooLarge();
    }
    const { text, cut } = await res.read(maxBytes);
    // An error page: a prefix is enough for the message.
    if (cut && res.ok) throw tooLarge();
    return text;
  }
}
