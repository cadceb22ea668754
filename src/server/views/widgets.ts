// Building blocks of every page. A bound value carries its event type and path (data-k), its format
// (data-f) and raw value (data-v), so the browser can re-format it and replace only what changed.
// Every card says where its data came from and how old it is, and why it is stale or missing.
import { sparkPoints } from '../../domain/charts.ts';
import { formatValue, type FormatKind, type FormatOptions } from '../../domain/format.ts';
import { dataAttrs, html, type SafeHtml } from './html.ts';

export interface Freshness {
  source: string | null;
  asOfMs: number | null;
  stale: boolean;
  reason?: string | undefined;
  /** After this age the browser marks the card stale by itself. */
  staleAfterMs?: number;
}

export interface View {
  fmt: FormatOptions;
}

/** A value the browser keeps live: `live` is "type.path" of the SSE event it comes from. */
export function bound(v: View, live: string | null, value: unknown, kind: FormatKind): SafeHtml {
  const raw = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
  return html`<span class="v${signClass(value, kind)}"${dataAttrs({ k: live, f: kind, v: raw })}>${formatValue(value, kind, v.fmt)}</span>`;
}

/** A signed change is coloured by its sign, the same everywhere (the browser keeps it so on updates). */
export function signClass(value: unknown, kind: FormatKind): string {
  if (kind !== 'signedPct' || typeof value !== 'number' || value === 0 || !Number.isFinite(value)) return '';
  return value > 0 ? ' pos' : ' neg';
}

export function freshness(v: View, live: string | null, f: Freshness): SafeHtml {
  // The card's body says why there is no data; the footer does not repeat it.
  if (f.asOfMs === null) return html`<p class="fresh missing"${dataAttrs({ fresh: live, 'stale-ms': f.staleAfterMs ?? null })}><span class="why">${f.source ? `${f.source} · ` : ''}no data yet</span></p>`;
  return html`<p class="fresh${f.stale ? ' stale' : ''}"${dataAttrs({ fresh: live, asof: f.asOfMs, 'stale-ms': f.staleAfterMs ?? null })}>
<span class="src">${f.source ?? '—'}</span> · <span class="age">${formatValue(f.asOfMs / 1000, 'ago', v.fmt)}</span>${f.stale ? html` · <span class="why">stale: ${f.reason ?? 'not refreshed recently'}</span>` : ''}</p>`;
}

export interface CardOptions {
  id: string;
  title: string;
  fresh?: SafeHtml;
  wide?: boolean;
  /** Two columns where there are two (a card with many figures beside smaller ones). */
  span2?: boolean;
}

export function card(o: CardOptions, body: SafeHtml | readonly SafeHtml[]): SafeHtml {
  return html`<section class="card${o.wide ? ' wide' : o.span2 ? ' span2' : ''}" id="${o.id}" aria-labelledby="${o.id}-h"><h2 id="${o.id}-h">${o.title}</h2>${body}${o.fresh ?? ''}</section>`;
}

export function stats(items: readonly [string, SafeHtml][]): SafeHtml {
  return html`<dl class="stats">${items.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>`;
}

/** Why a card has no data: a sentence for people, and the technical detail behind a toggle. */
export function unavailable(reason: string, detail?: string): SafeHtml {
  return html`<div class="unavailable" role="status"><p>${reason}</p>${detail && detail !== reason ? html`<details><summary>Technical detail</summary><code>${detail}</code></details>` : ''}</div>`;
}

/** A native progress bar: no inline style, so the strict CSP holds. */
export function progress(v: View, live: string | null, pct: number | null, label: string): SafeHtml {
  return html`<div class="progress"><progress max="100" value="${pct ?? 0}" aria-label="${label}"${dataAttrs({ k: live, f: 'progress' })}></progress> ${bound(v, live, pct, 'pct')}</div>`;
}

/** A chart: the server gives the frame, range buttons and a CSV link; web/charts.ts draws it. */
export function chart(o: { id: string; name: string; title: string; ranges: readonly string[]; range: string }): SafeHtml {
  const csv = `/api/v1/charts/${o.name}?range=${o.range}&format=csv`;
  return html`<figure class="chart" id="${o.id}"${dataAttrs({ chart: o.name, range: o.range })}>
<figcaption><span>${o.title}</span>
<span class="ranges" role="group" aria-label="${o.title} range">${o.ranges.map((r) => html`<button type="button" data-range-btn="${r}" aria-pressed="${r === o.range ? 'true' : 'false'}">${r}</button>`)}</span>
<a class="csv" href="${csv}" download>CSV</a> <button type="button" class="png" data-png>PNG</button></figcaption>
<div class="plot" role="img" aria-label="${o.title} chart"><p class="chart-status">loading chart…</p></div><p class="fresh chart-src"></p></figure>`;
}

export const STALE_MS = { node: 60_000, price: 600_000 } as const;

const SPARK_W = 120;
const SPARK_H = 24;

/**
 * A sparkline under a card's headline figure: the last `span` of its history, with the low and
 * high beside it. Nothing when there is not enough history for a line.
 */
/**
 * Bars per hour with their axes, drawn on the server: a y axis from 0 to the largest bar (labelled),
 * an x axis labelled at its first, middle and last hour (UTC), and a caption of what is counted.
 * Hours without a bar are drawn as gaps.
 */
export function hourBars(v: View, bars: readonly { hourMs: number; value: number }[], o: { label: string; fromMs: number; hours: number; unit: string }): SafeHtml {
  const W = 720;
  const H = 150;
  const left = 52;
  const bottom = 22;
  const top = 6;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (W - left) / o.hours;
  const y = (val: number) => top + (H - top - bottom) * (1 - val / max);
  const hourLabel = (ms: number) => `${String(new Date(ms).getUTCHours()).padStart(2, '0')}:00`;
  const dayLabel = (ms: number) => new Date(ms).toISOString().slice(5, 10);
  const ticks = [0, Math.floor(o.hours / 2), o.hours - 1].map((i) => o.fromMs + i * 3_600_000);
  const rects = bars
    .filter((b) => b.hourMs >= o.fromMs && b.hourMs < o.fromMs + o.hours * 3_600_000)
    .map((b) => {
      const x = left + ((b.hourMs - o.fromMs) / 3_600_000) * slot;
      return html`<rect x="${(x + 0.5).toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${(H - bottom - y(b.value)).toFixed(1)}"><title>${dayLabel(b.hourMs)} ${hourLabel(b.hourMs)} UTC: ${formatValue(b.value, 'int', v.fmt)} ${o.unit}</title></rect>`;
    });
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  return html`<figure class="bars"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${o.label}: ${formatValue(total, 'int', v.fmt)} ${o.unit} over ${o.hours} hours, at most ${formatValue(max, 'int', v.fmt)} in an hour">
<line class="axis" x1="${left}" y1="${H - bottom}" x2="${W}" y2="${H - bottom}"/><line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}"/>
<line class="grid" x1="${left}" y1="${y(max / 2).toFixed(1)}" x2="${W}" y2="${y(max / 2).toFixed(1)}"/>
<text x="${left - 4}" y="${top + 10}" text-anchor="end">${formatValue(max, 'int', v.fmt)}</text><text x="${left - 4}" y="${(y(max / 2) + 4).toFixed(1)}" text-anchor="end">${formatValue(Math.round(max / 2), 'int', v.fmt)}</text><text x="${left - 4}" y="${H - bottom}" text-anchor="end">0</text>
${ticks.map((t, i) => html`<text x="${(left + ((t - o.fromMs) / 3_600_000 + 0.5) * slot).toFixed(1)}" y="${H - 4}" text-anchor="${i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}">${dayLabel(t)} ${hourLabel(t)}</text>`)}
${rects}</svg><figcaption><span>${o.label} (UTC)</span> <span>${formatValue(total, 'int', v.fmt)} ${o.unit}</span></figcaption></figure>`;
}

export function sparkline(v: View, s: { t: number[]; v: number[] } | undefined, o: { span: string; kind: FormatKind; label: string }): SafeHtml {
  const pts = s ? sparkPoints(s.t, s.v, SPARK_W, SPARK_H) : '';
  if (!s || !pts) return html``;
  const lo = Math.min(...s.v);
  const hi = Math.max(...s.v);
  const range = html`${formatValue(lo, o.kind, v.fmt)} – ${formatValue(hi, o.kind, v.fmt)}`;
  return html`<figure class="spark"><svg viewBox="0 0 ${SPARK_W} ${SPARK_H}" preserveAspectRatio="none" role="img" aria-label="${o.label}, last ${o.span}: ${formatValue(lo, o.kind, v.fmt)} to ${formatValue(hi, o.kind, v.fmt)}"><polygon points="0,${SPARK_H} ${pts} ${SPARK_W},${SPARK_H}"/><polyline points="${pts}"/></svg><figcaption><span>${o.label}, ${o.span}</span> <span>${range}</span></figcaption></figure>`;
}
