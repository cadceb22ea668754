// What a page renderer gets and returns.
import type { EffectiveMiningSettings } from '../../domain/mining-settings.ts';
import type { FormatOptions } from '../../domain/format.ts';
import type { Reader } from '../../read-model/views.ts';
import type { AppContext } from '../app.ts';
import type { SafeHtml } from './html.ts';
import type { Prefs } from './prefs.ts';

export interface PageContext {
  app: AppContext;
  /** What the page reads (state, history, the clock) goes through the read model's reader. */
  r: Reader;
  params: Record<string, string>;
  query: URLSearchParams;
  prefs: Prefs;
  /** Formats ages as clock slots (DEFER_CLOCK), filled when served; thresholds in time go through r.after(). */
  fmt: FormatOptions;
  /** A posted Settings form: what was sent (never the token) and how it went. */
  form?: SettingsForm;
}

export interface SettingsForm {
  outcome: 'saved' | 'reset' | 'invalid' | 'unauthorized' | 'disabled';
  values: Record<string, string>;
  errors: { field: string; message: string }[];
  /** What the save left in effect: the reply shows it, not a copy of the store that may lag. */
  settings?: EffectiveMiningSettings;
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

export type PageRenderer = (ctx: PageContext) => RenderedPage;
