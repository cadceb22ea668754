// Display preferences (theme, currency, locale) live in one cookie set by the Settings page, so the
// server renders the first paint in the reader's theme and currency with no inline script. The
// cookie holds nothing but these three choices, each checked against a fixed list.
import type { IncomingMessage } from 'node:http';

export const THEMES = ['dark', 'retro'] as const;
export const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'pt-BR', 'ja-JP', 'zh-CN'] as const;
export const PREFS_COOKIE = 'satscope_prefs';

export interface Prefs {
  theme: (typeof THEMES)[number];
  currency: string;
  locale: string;
}

export const DEFAULT_PREFS: Readonly<Prefs> = { theme: 'dark', currency: 'USD', locale: 'en-US' };

export function readPrefs(req: IncomingMessage, currencies: readonly string[]): Prefs {
  const prefs: Prefs = { ...DEFAULT_PREFS };
  const cookie = req.headers.cookie;
  if (!cookie) return prefs;
  const raw = cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${PREFS_COOKIE}=`))
    ?.slice(PREFS_COOKIE.length + 1);
  if (!raw) return prefs;
  // A cookie is client input: a malformed escape means no preferences, not an error.
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return prefs;
  }
  const params = new URLSearchParams(decoded);
  return mergePrefs(prefs, params, currencies);
}

/** Keeps each valid choice from `params`; anything else stays as it was. */
export function mergePrefs(prefs: Prefs, params: URLSearchParams, currencies: readonly string[]): Prefs {
  const theme = params.get('theme');
  const currency = params.get('currency');
  const locale = params.get('locale');
  return {
    theme: THEMES.find((t) => t === theme) ?? prefs.theme,
    currency: currency && currencies.includes(currency) ? currency : prefs.currency,
    locale: LOCALES.find((l) => l === locale) ?? prefs.locale,
  };
}

export function prefsCookie(prefs: Prefs): string {
  const value = encodeURIComponent(new URLSearchParams({ theme: prefs.theme, currency: prefs.currency, locale: prefs.locale }).toString());
  return `${PREFS_COOKIE}=${value}; Path=/; Max-Age=31536000; SameSite=Lax`;
}
