// The one registry of error codes. Every thrown SatscopeError and every `{error:{code}}` envelope
// uses a code from this table; test/unit/errors.test.ts keeps it and the README's table in step.

export const ERROR_CODES = {
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid' },
  BAD_REQUEST: { status: 400, message: 'The request is invalid' },
  UNAUTHORIZED: { status: 401, message: 'A valid bearer token is required' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  FEATURE_DISABLED: { status: 404, message: 'This feature is not configured' },
  INTERNAL: { status: 500, message: 'Internal error' },
  STORE_UNAVAILABLE: { status: 503, message: 'The state store is unavailable' },
  HISTORY_UNAVAILABLE: { status: 503, message: 'The history database is unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream did not answer in time' },
  UPSTREAM_NETWORK: { status: 502, message: 'The upstream could not be reached' },
  UPSTREAM_HTTP: { status: 502, message: 'The upstream answered with an error status' },
  UPSTREAM_RATE_LIMITED: { status: 503, message: 'The upstream rate limit is exhausted' },
  UPSTREAM_MALFORMED: { status: 502, message: 'The upstream reply could not be parsed' },
  UPSTREAM_SCHEMA: { status: 502, message: 'The upstream reply does not have the expected shape' },
  UPSTREAM_TOO_LARGE: { status: 502, message: 'The upstream reply exceeds the size limit' },
  UPSTREAM_OUT_OF_RANGE: { status: 502, message: 'The upstream value failed a range or consistency check' },
  UPSTREAM_CIRCUIT_OPEN: { status: 503, message: 'The upstream is failing; calls are paused' },
  UPSTREAM_ABORTED: { status: 503, message: 'The upstream call was cancelled' },
  RPC_AUTH_FAILED: { status: 502, message: 'The node refused the RPC credentials' },
  RPC_WARMING_UP: { status: 503, message: 'The node is starting' },
  RPC_METHOD_NOT_FOUND: { status: 502, message: 'The node does not have this RPC method' },
  RPC_ERROR: { status: 502, message: 'The node answered with an RPC error' },
  NODE_UNAVAILABLE: { status: 503, message: 'No configured node answered' },
  ELECTRUM_ERROR: { status: 502, message: 'The Electrum server answered with an error' },
  LAKE_UNAVAILABLE: { status: 503, message: 'The data lake is unavailable' },
  LAKE_QUERY_FAILED: { status: 500, message: 'A data lake query failed' },
  LAKE_UPLOAD_FAILED: { status: 502, message: 'A lake file could not be uploaded to object storage' },
  JOB_TIMEOUT: { status: 500, message: 'The job exceeded its timeout' },
  LOCK_LOST: { status: 500, message: 'The job lost its lock and was stopped' },
  JOB_UNKNOWN: { status: 404, message: 'No job has that name' },
  SHUTTING_DOWN: { status: 503, message: 'The service is shutting down' },
  SSE_CAPACITY: { status: 503, message: 'No more live connections are accepted; poll instead' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SatscopeError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message ?? ERROR_CODES[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SatscopeError';
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isSatscopeError(err: unknown, code?: ErrorCode): err is SatscopeError {
  return err instanceof SatscopeError && (code === undefined || err.code === code);
}

/** A short, loggable description of any thrown value, including its cause chain. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      parts.push(typeof code === 'string' ? `${code}: ${cur.message}` : cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return scrubUrlCredentials(parts.join(' <- '));
}

/** `scheme://user:pass@host` becomes `scheme://***@host`: error texts may quote a URL. */
export function scrubUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}
