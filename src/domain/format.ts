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
}

export const DEFAULT_FORMAT: Omit<FormatOptions, 'nowMs'> = { locale: 'en-US', currency: 'USD', usdRate: 1 };

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
      return `${num(value / 1e8, o.locale, 8)} BTC`;
    case 'sats':
      return `${num(Math.round(value), o.locale, 0)} sat`;
    case 'pct':
      return `${num(value, o.locale, 2)} %`;
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
    case 'difficulty':
      return scaled(value, 1000, ['', 'k', 'M', 'G', 'T', 'P', 'E'], o.locale).trim();
    case 'duration':
      return formatDuration(value);
    case 'ago':
      return `${formatDuration(o.nowMs / 1000 - value)} ago`;
    case 'until':
      return value * 1000 <= o.nowMs ? 'now' : `in ${formatDuration(value - o.nowMs / 1000)}`;
    case 'date':
      return dateFormat(o.locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(value * 1000));
    case 'datetime':
      return dateFormat(o.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(new Date(value * 1000));
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
