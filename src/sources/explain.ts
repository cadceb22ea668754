// Words for people: what went wrong with a source, as one short sentence with a cause a user can
// act on, and the technical chain kept apart ("one click away"). The cause is read from the error
// codes along the cause chain (ECONNREFUSED, ENOTFOUND, TLS and certificate codes, HTTP statuses).
import { describeError, isSatscopeError } from '../errors.ts';

const LABELS: Record<string, string> = {
  mempool: 'mempool.space',
  coingecko: 'CoinGecko',
  coinbase: 'Coinbase',
  blockchain: 'Blockchain.com',
  bitnodes: 'Bitnodes',
  forkmonitor: 'ForkMonitor',
  ocean: 'OCEAN',
  electrum: 'your Electrum server',
  main: 'your node main',
  node2: 'your node node2',
  node3: 'your node node3',
};

export function sourceLabel(name: string): string {
  return LABELS[name] ?? name;
}

export interface Explained {
  /** One sentence for people, starting with a capital letter. */
  summary: string;
  /** The technical chain (codes and messages), for /api/v1/sources and a details toggle. */
  detail: string;
}

/** Every code and message along the cause chain, lower-cased, for matching. */
function chain(err: unknown): { codes: Set<string>; text: string } {
  const codes = new Set<string>();
  const texts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 6; depth++) {
    if (typeof cur === 'object') {
      const o = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
      if (typeof o.code === 'string') codes.add(o.code);
      if (typeof o.message === 'string') texts.push(o.message);
      // AggregateError (happy eyeballs tries several addresses): its first error carries the code.
      if (Array.isArray(o.errors) && o.errors[0]) {
        const first = o.errors[0] as { code?: unknown };
        if (typeof first.code === 'string') codes.add(first.code);
      }
      cur = o.cause;
    } else {
      texts.push(String(cur));
      break;
    }
  }
  return { codes, text: texts.join(' | ').toLowerCase() };
}

// "your node main" starts a sentence as "Your node main"; brand names (mempool.space) keep their case.
const capital = (s: string) => (s.startsWith('your ') ? `Y${s.slice(1)}` : s);

/** The cause of a transport failure in plain words, or undefined when the chain does not say. */
export function transportCause(err: unknown): { kind: 'refused' | 'dns' | 'unreachable' | 'reset' | 'timeout' | 'tls-plain' | 'certificate' | 'tls'; words: string } | undefined {
  const { codes, text } = chain(err);
  const has = (...c: string[]) => c.some((x) => codes.has(x) || text.includes(x.toLowerCase()));
  if (has('bad port')) return { kind: 'refused', words: 'the URL uses a port that HTTP clients refuse to call (a "bad port")' };
  if (has('ECONNREFUSED')) return { kind: 'refused', words: 'the connection was refused (nothing listens there)' };
  if (has('ENOTFOUND', 'EAI_AGAIN')) return { kind: 'dns', words: 'the host name does not resolve' };
  if (has('ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN')) return { kind: 'unreachable', words: 'there is no network route to it' };
  if (has('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number', 'packet length too long', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'unknown protocol')) {
    return { kind: 'tls-plain', words: 'it does not speak TLS on that port (use tcp:// for a plain port)' };
  }
  if ([...codes].some((c) => c.startsWith('CERT_') || c.includes('SELF_SIGNED') || c === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || c === 'ERR_TLS_CERT_ALTNAME_INVALID' || c === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')) {
    return { kind: 'certificate', words: 'its TLS certificate is not trusted' };
  }
  if (has('ECONNRESET', 'EPIPE', 'socket hang up')) return { kind: 'reset', words: 'it dropped the connection' };
  if (has('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'connect timeout', 'TimeoutError')) return { kind: 'timeout', words: 'it did not answer in time' };
  if ([...codes].some((c) => c.startsWith('ERR_SSL') || c.startsWith('ERR_TLS'))) return { kind: 'tls', words: 'the TLS handshake failed' };
  return undefined;
}

export function explainError(err: unknown, source: string): Explained {
  const label = sourceLabel(source);
  const detail = describeError(err);
  const isNode = source === 'main' || source.startsWith('node');
  const code = isSatscopeError(err) ? err.code : undefined;
  const details = (isSatscopeError(err) ? err.details : undefined) as { status?: number; waitMs?: number; summary?: string } | undefined;
  if (details?.summary) return { summary: details.summary, detail };
  const cause = transportCause(err);
  let summary: string;
  if (code === 'UPSTREAM_RATE_LIMITED' && details?.status === 429) summary = `${label} asked us to slow down (HTTP 429); retrying later`;
  else if (code === 'UPSTREAM_RATE_LIMITED') summary = `Waiting for ${label}'s request budget; the next call goes out shortly`;
  else if (code === 'UPSTREAM_CIRCUIT_OPEN') summary = `${label} kept failing, so calls to it are paused for a while`;
  else if (code === 'RPC_AUTH_FAILED') summary = `${label} refused the RPC credentials: check the user and password (or the cookie file)`;
  else if (code === 'RPC_WARMING_UP') summary = `${label} is starting up: ${(err as Error).message.replace(/^node is starting: /, '')}`;
  else if (code === 'UPSTREAM_OUT_OF_RANGE') summary = `${label} sent a value that failed a sanity check; the last good value is kept`;
  else if (code === 'UPSTREAM_MALFORMED' || code === 'UPSTREAM_SCHEMA') summary = `${label} sent a reply Satscope could not read (its API may have changed)`;
  else if (code === 'UPSTREAM_TOO_LARGE') summary = `${label} sent a reply larger than the size limit`;
  else if (code === 'UPSTREAM_HTTP') summary = `${label} answered with an error (HTTP ${details?.status ?? '?'})`;
  else if (code === 'RPC_ERROR' || code === 'RPC_METHOD_NOT_FOUND' || code === 'ELECTRUM_ERROR') summary = `${label} answered with an error`;
  else if (cause?.kind === 'dns' && !isNode && source !== 'electrum') summary = `Can't reach ${label}: ${cause.words} (no internet connection?)`;
  else if (cause?.kind === 'unreachable' && !isNode && source !== 'electrum') summary = `Can't reach ${label}: ${cause.words} (no internet connection?)`;
  else if (cause) summary = `Can't reach ${label}: ${cause.words}`;
  else if (code === 'UPSTREAM_TIMEOUT') summary = `${label} did not answer in time`;
  else if (code === 'UPSTREAM_NETWORK') summary = `Can't reach ${label}`;
  else if (code === 'UPSTREAM_ABORTED') summary = `The call to ${label} was cancelled`;
  else summary = `${label} failed`;
  return { summary: capital(summary), detail };
}

/**
 * Of several failures, the one that says why: a refused budget or an open breaker is a consequence
 * of earlier failures, so the underlying network or HTTP error is preferred.
 */
export function rootFailure(errors: readonly unknown[]): unknown {
  return errors.find((e) => !isConsequence(e)) ?? errors[0];
}

/** A failure of our own making after earlier ones: a refused local budget, an open breaker, a cancel. */
export function isConsequence(e: unknown): boolean {
  return isSatscopeError(e) && ((e.code === 'UPSTREAM_RATE_LIMITED' && (e.details as { status?: number } | undefined)?.status !== 429) || e.code === 'UPSTREAM_CIRCUIT_OPEN' || e.code === 'UPSTREAM_ABORTED');
}

/**
 * The error of a job run in words: the source it names (upstream messages start with the source,
 * `mempool: …`) explained, or else the top message alone, without its cause chain.
 */
export function summarizeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const named = /^([a-z0-9]+): /.exec(message)?.[1];
  if (named && named in LABELS) return explainError(err, named).summary;
  const summary = (isSatscopeError(err) ? (err.details as { summary?: string } | undefined)?.summary : undefined) ?? message;
  return summary.length > 200 ? `${summary.slice(0, 199)}…` : summary;
}
