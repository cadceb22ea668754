// Display formatting shared by the server-rendered pages and the browser modules, so a value looks
// the same at first paint and after a live update. Units are chosen here, at display time: H/s
// become EH/s, bytes become MB, seconds become "3 d 4 h".

export type FormatKind =
  | 'int'
  | 'dec'
  | 'fiat'
  | 'fiatCompact'
  | 'btc'
  | 'sats'
  | 'pct'
  | 'signedPct'
  | 'hashrate'
  | 'bytes'
  | 'vbytes'
  | 'satvb'
  | 'wu'
  | 'difficulty'
  | 'duration'
  | 'ago'
  | 'until'
  | 'date'
  | 'datetime'
  | 'text';

export interface FormatOptions {
  locale: string;
  currency: string;
  /** Multiplier from USD to `currency` (1 for USD). */
  usdRate: number;
  nowMs: number;
  /** The IANA zone of dates (UTC when absent): the mining pages use the one set on Settings. */
  timeZone?: string;
}

export const DEFAULT_FORMAT: Omit<FormatOptions, 'nowMs'> = { locale: 'en-US', currency: 'USD', usdRate: 1 };

/**
 * A `nowMs` that defers the clock: "ago" and "until" texts become slots (\u0001 kind value \u0002)
 * that fillClockSlots() fills when the reply is served. A page is then built once per change of
 * its data, not once per second, and its ages are still right to the second.
 */
export const DEFER_CLOCK = -1;
// A per-process nonce in each slot, so text from upstream data can never pose as one.
const NONCE = Math.random().toString(36).slice(2, 10);
const SLOT = new RegExp(`\u0001${NONCE}([au])(-?\\d+)\u0002`, 'g');
/** Whole seconds, within ±1e15 (String() writes no exponent there): every slot made is one the pattern fills, so the nonce never reaches a page. */
const slotSeconds = (value: number) => String(Math.round(Math.max(-1e15, Math.min(1e15, value))));

/** Fills the clock slots of a built text with ages against `nowMs` (ages do not depend on the locale). */
export function fillClockSlots(text: string, nowMs: number): string {
  return text.replace(SLOT, (_m, kind: string, value: string) => formatValue(Number(value), kind === 'a' ? 'ago' : 'until', { ...DEFAULT_FORMAT, nowMs }));
}

export const hasClockSlots = (text: string) => text.includes(`\u0001${NONCE}`);

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

function scaled(value: number, base: number, units: readonly string[], locale: string, digits = 2): string {
  let i = 0;
  let v = Math.abs(value);
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${num(Math.sign(value) * v, locale, v >= 100 ? 1 : digits)} ${units[i]}`;
}

// Intl formatters are costly to make and free to reuse: one per locale and options (a page formats
// hundreds of values; toLocaleString would make a formatter for each). The same output either way.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per key, made on first use; the cache is bounded (keys come from validated preferences). */
function reuse<F>(cache: Map<string, F>, limit: number, key: string, make: () => F): F {
  let f = cache.get(key);
  if (!f) {
    if (cache.size > limit) cache.clear();
    f = make();
    cache.set(key, f);
  }
  return f;
}

const numberFormat = (locale: string, options: Intl.NumberFormatOptions) =>
  reuse(numberFormats, 500, `${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));
const dateFormat = (locale: string, options: Intl.DateTimeFormatOptions) =>
  reuse(dateFormats, 100, `${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));

function num(value: number, locale: string, maxDigits: number, minDigits = 0): string {
  return numberFormat(locale, { maximumFractionDigits: maxDigits, minimumFractionDigits: Math.min(minDigits, maxDigits) }).format(value);
}

/**
 * BTC with the precision its size calls for: every satoshi below 1 BTC (a fee, a reward), four
 * decimals up to 1,000 BTC, two beyond (a capacity, the supply), whole coins past a million.
 */
function btcAmount(btc: number, locale: string): string {
  const a = Math.abs(btc);
  return num(btc, locale, a < 1 ? 8 : a < 1000 ? 4 : a < 1_000_000 ? 2 : 0);
}

/** "3 d 4 h", "12 min", "45 s": two units at most. */
export function formatDuration(totalSec: number): string {
  const s = Math.max(0, Math.round(totalSec));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ');
}

export function formatValue(value: unknown, kind: FormatKind, o: FormatOptions): string {
  if (kind === 'text') return value === null || value === undefined || value === '' ? '—' : String(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  switch (kind) {
    case 'int':
      return num(Math.round(value), o.locale, 0);
    case 'dec':
      return num(value, o.locale, 2);
    case 'fiat': {
      const v = value * o.usdRate;
      return numberFormat(o.locale, { style: 'currency', currency: o.currency, maximumFractionDigits: Math.abs(v) >= 1000 ? 0 : 2 }).format(v);
    }
    case 'fiatCompact':
      return numberFormat(o.locale, { style: 'currency', currency: o.currency, notation: 'compact', maximumFractionDigits: 2 }).format(value * o.usdRate);
    case 'btc':
      return `${btcAmount(value / 1e8, o.locale)} BTC`;
    case 'sats':
      return `${num(Math.round(value), o.locale, 0)} sat`;
    case 'pct':
      // A tiny share (your hashrate of the network) keeps two significant digits instead of reading 0 %.
      return Math.abs(value) > 0 && Math.abs(value) < 0.01 ? `${numberFormat(o.locale, { maximumSignificantDigits: 2 }).format(value)} %` : `${num(value, o.locale, 2)} %`;
    case 'signedPct':
      return `${value > 0 ? '+' : ''}${num(value, o.locale, 2)} %`;
    case 'hashrate':
      return `${scaled(value, 1000, SI, o.locale)}H/s`;
    case 'bytes':
      return `${scaled(value, 1000, SI, o.locale)}B`;
    case 'vbytes':
      return `${scaled(value, 1000, SI, o.locale)}vB`;
    case 'satvb':
      return `${num(value, o.locale, value < 10 ? 2 : 1)} sat/vB`;
    case 'wu':
      return `${scaled(value, 1000, SI, o.locale)}WU`;
    case 'difficulty':
      // Regtest and testnet difficulties are tiny (4.66e-10): three significant digits, never "0".
      if (value !== 0 && Math.abs(value) < 0.01) return value.toExponential(2);
      if (Math.abs(value) < 1000) return numberFormat(o.locale, { maximumSignificantDigits: 3 }).format(value);
      return scaled(value, 1000, ['', 'k', 'M', 'G', 'T', 'P', 'E'], o.locale).trim();
    case 'duration':
      return formatDuration(value);
    case 'ago':
      if (o.nowMs === DEFER_CLOCK) return `\u0001${NONCE}a${slotSeconds(value)}\u0002`;
      return `${formatDuration(o.nowMs / 1000 - value)} ago`;
    case 'until':
      if (o.nowMs === DEFER_CLOCK) return `\u0001${NONCE}u${slotSeconds(value)}\u0002`;
      return value * 1000 <= o.nowMs ? 'now' : `in ${formatDuration(value - o.nowMs / 1000)}`;
    case 'date':
      return dateFormat(o.locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: o.timeZone ?? 'UTC' }).format(new Date(value * 1000));
    case 'datetime':
      return dateFormat(o.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: o.timeZone ?? 'UTC', timeZoneName: 'short' }).format(new Date(value * 1000));
  }
}

/** The value at a dotted path ("retarget.progressPct", "estimates.0.feeRateSatVb"). */
export function valueAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}
