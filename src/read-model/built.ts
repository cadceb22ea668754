// What a view's builder returns, and how that becomes a prepared reply (body, ETag, headers).
// Views (views.ts) decide when to build; this decides what a build turns into.
import { HTML_TYPE, PreparedResponse } from '../server/responses.ts';

export type Built =
  | { json: unknown; status?: number; headers?: readonly string[] }
  | { html: string; status?: number; headers?: readonly string[]; cacheControl?: string; vary?: string }
  | { text: string; contentType: string; status?: number; headers?: readonly string[]; cacheControl?: string };

/** The reply of a build; `html` replaces the built page's text (its clock slots filled). */
export function prepare(built: Built, html?: string): PreparedResponse {
  if ('json' in built) return PreparedResponse.json(built.json, { status: built.status, headers: built.headers });
  if ('text' in built) return new PreparedResponse(Buffer.from(built.text), built.contentType, built.cacheControl ?? 'no-cache', { status: built.status, headers: built.headers });
  return new PreparedResponse(Buffer.from(html ?? built.html), HTML_TYPE, built.cacheControl ?? 'no-cache', { status: built.status, headers: built.headers, vary: built.vary });
}
