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

const JSON_TYPE = 'application/json; charset=utf-8';
const GZIP_MIN_BYTES = 1024;

export class PreparedResponse {
  readonly etag: string;
  private readonly identity: { headers: string[]; body: Buffer };
  private readonly gzip: { headers: string[]; body: Buffer } | undefined;

  constructor(body: Buffer, contentType: string, cacheControl = 'no-cache') {
    this.etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
    const common = [...SECURITY_HEADERS, 'content-type', contentType, 'etag', this.etag, 'cache-control', cacheControl, 'vary', 'accept-encoding'];
    this.identity = { body, headers: [...common, 'content-length', String(body.length)] };
    if (body.length >= GZIP_MIN_BYTES) {
      const gz = gzipSync(body);
      this.gzip = { body: gz, headers: [...common, 'content-encoding', 'gzip', 'content-length', String(gz.length)] };
    }
  }

  static json(value: unknown): PreparedResponse {
    return new PreparedResponse(Buffer.from(JSON.stringify(value)), JSON_TYPE);
  }

  get bytes(): number {
    return this.identity.body.length;
  }

  send(req: IncomingMessage, res: ServerResponse): number {
    if (req.headers['if-none-match'] === this.etag) {
      res.writeHead(304, [...SECURITY_HEADERS, 'etag', this.etag]);
      res.end();
      return 304;
    }
    const variant = this.gzip && req.headers['accept-encoding']?.includes('gzip') ? this.gzip : this.identity;
    res.writeHead(200, variant.headers);
    res.end(variant.body);
    return 200;
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, extraHeaders: readonly string[] = []): number {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, [...SECURITY_HEADERS, 'content-type', JSON_TYPE, 'content-length', String(body.length), 'cache-control', 'no-store', ...extraHeaders]);
  res.end(body);
  return status;
}

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
