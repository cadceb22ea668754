// What every channel shares: one POST with a timeout and a capped reply, errors that name the host
// and never a secret, and the notice in plain words.
import { SatscopeError, scrubUrlCredentials, type ErrorCode } from '../../errors.ts';
import { exchange } from '../../sources/http/exchange.ts';
import type { AlertNotice, ChannelName } from './types.ts';

/** Replies are small acknowledgements; a receiver that streams more is not read further. */
export const MAX_REPLY_BYTES = 64 * 1024;
const MAX_EXCERPT_CHARS = 200;
/** Shorter strings are not secrets worth mangling every message for (a path of "/", a port). */
const MIN_SECRET_CHARS = 3;

/** A channel's identity for its errors: its name, the host it reaches and how to hide its secrets. */
export interface SendContext {
  name: ChannelName;
  host: string;
  timeoutMs: number;
  redact(text: string): string;
}

export function makeRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const variants = secrets.flatMap((s) => (s ? [s, safeDecode(s), encodeURIComponent(s)] : []));
  const list = [...new Set(variants)].filter((s) => s.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
  return (text) => scrubUrlCredentials(list.reduce((out, s) => out.split(s).join('***'), text));
}

/**
 * The parts of a URL that may be secret: userinfo, query, and the path too, since webhook URLs
 * (Discord, Slack) and ntfy topics carry their token or act as one there.
 */
export function urlSecrets(url: URL): string[] {
  const path = url.pathname.length > 1 ? url.pathname : '';
  // A receiver may echo the topic or token without its slash, or one segment of it.
  const segments = path.split('/').filter((seg) => seg.length >= 6);
  return [url.href, url.username, url.password, url.search.slice(1), ...url.searchParams.values(), path, path.slice(1), ...segments, ...segments.map(safeDecode)];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function channelError(ctx: SendContext, code: ErrorCode, detail: string, cause?: unknown): SatscopeError {
  return new SatscopeError(code, ctx.redact(`${ctx.name}: ${detail}`), cause === undefined ? {} : { cause: redactedCopy(ctx, cause) });
}

/** The cause is kept for the log's error chain, but only as a redacted copy of its message and code. */
function redactedCopy(ctx: SendContext, err: unknown): Error {
  const copy = new Error(ctx.redact(err instanceof Error ? err.message : String(err)));
  const code = errorCode(err);
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

export function errorCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** One attempt's signal: the caller's, if any, ended early by the per-attempt timeout. */
export function attemptSignal(timeoutMs: number, caller: AbortSignal | undefined): { signal: AbortSignal; timeout: AbortSignal } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: caller ? AbortSignal.any([caller, timeout]) : timeout, timeout };
}

/** Why an attempt failed before a reply: the timeout, the caller's abort, or the network. */
export function attemptFailure(ctx: SendContext, err: unknown, timeout: AbortSignal, caller: AbortSignal | undefined): SatscopeError {
  if (err instanceof SatscopeError) return err;
  if (timeout.aborted) return channelError(ctx, 'UPSTREAM_TIMEOUT', `${ctx.host} did not answer within ${ctx.timeoutMs} ms`, err);
  if (caller?.aborted) return channelError(ctx, 'UPSTREAM_ABORTED', `sending to ${ctx.host} was cancelled`, err);
  const code = errorCode(err);
  const why = code ?? excerpt(err instanceof Error ? err.message : String(err));
  return channelError(ctx, 'UPSTREAM_NETWORK', `can't reach ${ctx.host} (${why})`, err);
}

export interface PostReply {
  status: number;
  ok: boolean;
  text: string;
}

/**
 * One POST, no retry (the caller retries with backoff). Over the project's node:http exchange
 * rather than fetch: undici costs the jobs thread megabytes for a few requests (see exchange.ts).
 */
export async function postOnce(ctx: SendContext, url: string, headers: Record<string, string>, body: string, caller?: AbortSignal): Promise<PostReply> {
  const { signal, timeout } = attemptSignal(ctx.timeoutMs, caller);
  try {
    const reply = await exchange(url, { method: 'POST', headers: { 'user-agent': 'satscope', ...headers }, body, signal });
    const { text } = await reply.read(MAX_REPLY_BYTES);
    return { status: reply.status, ok: reply.ok, text };
  } catch (err) {
    throw attemptFailure(ctx, err, timeout, caller);
  }
}

/**
 * The status only: a receiver's reply may repeat the topic or token it was sent to, and this message
 * is shown on pages without a login (Health, Status, /api/v2/alerts).
 */
export function statusError(ctx: SendContext, reply: PostReply): SatscopeError {
  return channelError(ctx, 'UPSTREAM_HTTP', `${ctx.host} answered HTTP ${reply.status}`);
}

/** At most 200 characters of a receiver's words, on one line. */
export function excerpt(text: string): string {
  const flat = oneLine(text);
  return flat.length > MAX_EXCERPT_CHARS ? `${flat.slice(0, MAX_EXCERPT_CHARS)}…` : flat;
}

/** Control characters and line breaks become spaces: titles go into headers and subjects. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function headline(notice: AlertNotice): string {
  return `${notice.state === 'firing' ? 'FIRING' : 'RESOLVED'}: ${oneLine(notice.title)}`;
}

/** The notice for people reading an email or a chat message. */
export function plainText(notice: AlertNotice): string {
  const lines = [notice.message, ''];
  lines.push(`Severity: ${notice.severity}`);
  if (notice.value !== null) lines.push(`Value: ${notice.value}`);
  if (notice.threshold !== null) lines.push(`Threshold: ${notice.threshold}`);
  lines.push(`Fired at: ${isoTime(notice.firedAtMs)}`);
  if (notice.resolvedAtMs !== null) lines.push(`Resolved at: ${isoTime(notice.resolvedAtMs)}`);
  lines.push(`Rule: ${notice.ruleId}`);
  if (notice.url !== null) lines.push('', notice.url);
  return lines.join('\n');
}
