// Live values in the page. The server marks each value with data-k ("chain.height"), data-f (its
// format) and data-v (the raw value); an event of type "chain" updates exactly the elements bound
// to "chain.*" whose raw value changed. Ages ("12 s ago") tick every second, and a card whose data
// grows older than its data-stale-ms is marked stale by the browser itself.
import { formatDuration, formatValue, valueAt, type FormatKind, type FormatOptions } from '../src/domain/format.ts';

/** The page's timezone when this browser knows it (else dates stay in UTC rather than throw). */
function knownZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

export function formatOptions(): FormatOptions {
  const d = document.documentElement.dataset;
  const timeZone = knownZone(d.tz);
  return { locale: d.locale ?? 'en-US', currency: d.currency ?? 'USD', usdRate: Number(d.usdRate ?? 1) || 1, nowMs: Date.now(), ...(timeZone ? { timeZone } : {}) };
}

/** Formats whose change has a direction worth an arrow (not times, dates or text). */
const TRENDED = new Set<FormatKind>(['int', 'dec', 'fiat', 'fiatCompact', 'btc', 'sats', 'pct', 'signedPct', 'hashrate', 'bytes', 'vbytes', 'satvb', 'wu', 'difficulty']);
/** How long a change arrow stays. */
const ARROW_MS = 60_000;

export class Binder {
  private readonly byType = new Map<string, HTMLElement[]>();
  private readonly fresh: HTMLElement[] = [];

  constructor(root: ParentNode = document) {
    root.querySelectorAll<HTMLElement>('[data-k]').forEach((el) => {
      const type = (el.dataset.k ?? '').split('.')[0] ?? '';
      const list = this.byType.get(type) ?? [];
      list.push(el);
      this.byType.set(type, list);
    });
    root.querySelectorAll<HTMLElement>('[data-fresh]').forEach((el) => this.fresh.push(el));
  }

  /** Applies one event's data; returns how many elements changed. */
  apply(type: string, data: unknown, tsMs: number): number {
    const opts = formatOptions();
    let changed = 0;
    for (const el of this.byType.get(type) ?? []) {
      const value = valueAt(data, (el.dataset.k ?? '').slice(type.length + 1));
      if (value === undefined) continue;
      if (el instanceof HTMLProgressElement) {
        if (typeof value === 'number' && el.value !== value) el.value = value;
        continue;
      }
      const raw = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
      if (raw === el.dataset.v) continue;
      const before = el.dataset.v ? Number(el.dataset.v) : Number.NaN;
      el.dataset.v = raw;
      const kind = (el.dataset.f ?? 'text') as FormatKind;
      el.textContent = formatValue(value, kind, opts);
      if (kind === 'signedPct' && typeof value === 'number') {
        el.classList.toggle('pos', value > 0);
        el.classList.toggle('neg', value < 0);
      }
      // A figure that moved shows which way (DeepSea's arrows) for a minute, in the same colours everywhere.
      el.classList.remove('changed', 'rise', 'fall');
      if (typeof value === 'number' && Number.isFinite(before) && TRENDED.has(kind) && value !== before) {
        el.classList.add(value > before ? 'rise' : 'fall');
        el.dataset.movedAt = String(Date.now());
      }
      void el.offsetWidth; // restart the highlight animation
      el.classList.add('changed');
      changed++;
    }
    const d = data as { asOfMs?: number; source?: string } | null;
    for (const el of this.fresh) {
      if (el.dataset.fresh !== type) continue;
      el.dataset.asof = String(d?.asOfMs ?? tsMs);
      el.classList.remove('stale', 'missing');
      const src = el.querySelector('.src');
      if (src && d?.source) src.textContent = d.source;
      el.querySelector('.why')?.remove();
      if (!el.querySelector('.age')) {
        const source = document.createElement('span');
        source.className = 'src';
        source.textContent = d?.source ?? type;
        const age = document.createElement('span');
        age.className = 'age';
        el.replaceChildren(source, ' · ', age);
      }
    }
    this.tick();
    return changed;
  }

  /** Every second: relative times, freshness ages, stale marks. */
  tick(): void {
    const opts = formatOptions();
    for (const el of document.querySelectorAll<HTMLElement>('.rise,.fall')) {
      if (opts.nowMs - Number(el.dataset.movedAt ?? 0) > ARROW_MS) el.classList.remove('rise', 'fall');
    }
    // Looked up each time: rows added live (new blocks) tick too.
    for (const el of document.querySelectorAll<HTMLElement>('[data-f="ago"],[data-f="until"]')) {
      const text = formatValue(Number(el.dataset.v), el.dataset.f as FormatKind, opts);
      if (el.textContent !== text) el.textContent = text;
    }
    for (const el of this.fresh) {
      const asOf = Number(el.dataset.asof);
      if (!asOf) continue;
      const age = el.querySelector('.age');
      const text = `${formatDuration((opts.nowMs - asOf) / 1000)} ago`;
      if (age && age.textContent !== text) age.textContent = text;
      const limit = Number(el.dataset.staleMs);
      if (limit && opts.nowMs - asOf > limit && !el.classList.contains('stale')) {
        el.classList.add('stale');
        const why = document.createElement('span');
        why.className = 'why';
        why.textContent = ` · stale: no update for ${formatDuration(limit / 1000)}`;
        el.append(why);
      }
    }
  }
}
