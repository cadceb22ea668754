// Response writing with headers computed once. A PreparedResponse holds a body serialized once per
// update, its gzip form and ETag, and the flat header arrays for each, so serving it costs a
// writeHead and an end.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ERROR_CODES, SatscopeError, type ErrorCode } from '../errors.ts';

// A strict policy: pages load only their own scripts, styles and data; nothing inline, no frames.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: readonly string[] = [
  'content-security-policy', CONTENT_SECURITY_POLICY,
  'x-content-type-options', 'nosniff',
  'x-frame-options', 'DENY',
  'referrer-policy', 'no-referrer',
  'cross-origin-opener-policy', 'same-origin',
  'cross-origin-resource-policy', 'same-origin',
  'permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()',
];

export const JSON_TYPE = 'application/json; charset=utf-8';
const GZIP_MIN_BYTES = 1024;

export interface PreparedOptions {
  status?: number;
  /** Sent with every variant (e.g. Set-Cookie, Retry-After). */
  headers?: readonly string[];
  /** Extra Vary names (pages vary by the preferences cookie). */
  vary?: string;
}

export class PreparedResponse {
  readonly etag: string;
  readonly status: number;
  private readonly common: string[];
  private readonly identity: { headers: string[]; body: Buffer };
  private gzip: { headers: string[]; body: Buffer } | undefined;
  private readonly notModified: string[];

  constructor(
    private readonly body: Buffer,
    contentType: string,
    cacheControl = 'no-cache',
    opts: PreparedOptions = {},
  ) {
    this.status = opts.status ?? 200;
    this.etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
    this.common = [...SECURITY_HEADERS, 'content-type', contentType, 'etag', this.etag, 'cache-control', cacheControl, 'vary', opts.vary ? `accept-encoding, ${opts.vary}` : 'accept-encoding', ...(opts.headers ?? [])];
    this.identity = { body, headers: [...this.common, 'content-length', String(body.length)] };
    this.notModified = [...SECURITY_HEADERS, 'etag', this.etag, 'cache-control', cacheControl, 'vary', opts.vary ? `accept-encoding, ${opts.vary}` : 'accept-encoding', ...(opts.headers ?? [])];
  }

  static json(value: unknown, opts: PreparedOptions = {}): PreparedResponse {
    return new PreparedResponse(Buffer.from(JSON.stringify(value)), JSON_TYPE, 'no-cache', opts);
  }

  get bytes(): number {
    return this.identity.body.length;
  }

  /** The gzip variant, made on the first request that accepts it (once per build). */
  private gzipped(): { headers: string[]; body: Buffer } {
    if (!this.gzip) {
      const gz = gzipSync(this.body);
      this.gzip = { body: gz, headers: [...this.common, 'content-encoding', 'gzip', 'content-length', String(gz.length)] };
    }
    return this.gzip;
  }

  send(req: IncomingMessage, res: ServerResponse): number {
    if (this.status === 200 && req.headers['if-none-match'] === this.etag) {
      res.writeHead(304, this.notModified);
      res.end();
      return 304;
    }
    const accept = req.headers['accept-encoding'];
    const variant = accept !== undefined && this.body.length >= GZIP_MIN_BYTES && accept.includes('gzip') ? this.gzipped() : this.identity;
    res.writeHead(this.status, variant.headers);
    res.end(variant.body);
    return this.status;
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, extraHeaders: readonly string[] = []): number {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, [...SECURITY_HEADERS, 'content-type', JSON_TYPE, 'content-length', String(body.length), 'cache-control', 'no-store', ...extraHeaders]);
  res.end(body);
  return status;
}

export const HTML_TYPE = 'text/html; charset=utf-8';

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): number {
  const body = Buffer.from(text);
  res.writeHead(status, [...SECURITY_HEADERS, 'content-type', contentType, 'content-length', String(body.length), 'cache-control', 'no-store']);
  res.end(body);
  return status;
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorEnvelope(code: ErrorCode, message?: string, details?: unknown): ErrorEnvelope {
  return { error: { code, message: message ?? ERROR_CODES[code].message, ...(details === undefined ? {} : { details }) } };
}

/** The `{error:{code,message,details}}` reply for any thrown value; internal errors say nothing more. */
export function sendError(res: ServerResponse, err: unknown, extraHeaders: readonly string[] = []): number {
  if (err instanceof SatscopeError) {
    const expose = err.status < 500 || err.code.startsWith('UPSTREAM_') || err.code.endsWith('_UNAVAILABLE') || err.code === 'SHUTTING_DOWN' || err.code === 'SSE_CAPACITY';
    return sendJson(res, err.status, expose ? errorEnvelope(err.code, err.message, err.details) : errorEnvelope('INTERNAL'), extraHeaders);
  }
  return sendJson(res, 500, errorEnvelope('INTERNAL'), extraHeaders);
}
