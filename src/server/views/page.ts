// What a page renderer gets and returns.
import type { IncomingMessage } from 'node:http';
import type { FormatOptions } from '../../domain/format.ts';
import type { AppContext } from '../app.ts';
import type { SafeHtml } from './html.ts';
import type { Prefs } from './prefs.ts';

export interface PageContext {
  app: AppContext;
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  prefs: Prefs;
  fmt: FormatOptions;
  nowMs: number;
}

export interface RenderedPage {
  title: string;
  body: SafeHtml;
  data?: unknown;
  status?: number;
  /** Extra response headers (Set-Cookie from Settings). */
  headers?: string[];
  /** Preferences changed by this request (Settings). */
  prefs?: Prefs;
}

export type PageRenderer = (ctx: PageContext) => Promise<RenderedPage>;
