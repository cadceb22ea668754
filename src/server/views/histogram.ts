// The mempool's fee histogram, readable: bars per fee band coloured by the block they would be
// mined in, a y axis in vbytes, the band's rate under each bar, a legend, and a title per bar.
// Heights come from SVG attributes (the CSP forbids inline styles); the axes are HTML around it,
// so their text stays legible at any width. web/live-widgets.ts redraws it from the same model.
import { histogramModel, type Band } from '../../domain/fee-tiers.ts';
import { formatValue, type FormatOptions } from '../../domain/format.ts';
import { html, type SafeHtml } from './html.ts';

export const HISTOGRAM_BOX = { width: 600, height: 160 } as const;

export const BAND_LABELS: Record<Band, string> = { next: 'next block', soon: 'blocks 2–3', later: 'later' };

export function barTitle(b: { feeRate: number; upTo: number | null; vsize: number; band: Band }, fmt: FormatOptions): string {
  return `${b.upTo === null ? `≥ ${b.feeRate}` : `${b.feeRate}–${b.upTo}`} sat/vB: ${formatValue(b.vsize, 'vbytes', fmt)} (${BAND_LABELS[b.band]})`;
}

/** The figure; `live` names the event that redraws it ("mempool" or "public-mempool"). */
export function histogramFigure(buckets: readonly { feeRate: number; vsize: number }[], fmt: FormatOptions, live: string): SafeHtml {
  const m = histogramModel(buckets, HISTOGRAM_BOX.width, HISTOGRAM_BOX.height);
  const empty = m.bars.length === 0;
  return html`<figure class="histo" data-histogram="${live}"${empty ? html` data-empty="1"` : ''}>
<figcaption>Waiting transactions by fee rate <span class="legend">${(['next', 'soon', 'later'] as const).map((b) => html`<span class="key band-${b}">${BAND_LABELS[b]}</span>`)}</span></figcaption>
<p class="histo-empty">The mempool is empty: every transaction fits in the next block.</p>
<div class="histo-body"><div class="histo-y" aria-hidden="true"><span>${formatValue(m.yMax, 'vbytes', fmt)}</span><span>${formatValue(m.yMax / 4, 'vbytes', fmt)}</span><span>0</span></div>
<svg viewBox="0 0 ${HISTOGRAM_BOX.width} ${HISTOGRAM_BOX.height}" preserveAspectRatio="none" role="img" aria-label="Mempool vsize per fee band, ${formatValue(m.totalVsize, 'vbytes', fmt)} in all">
<line class="grid" x1="0" x2="${HISTOGRAM_BOX.width}" y1="${HISTOGRAM_BOX.height / 2}" y2="${HISTOGRAM_BOX.height / 2}"></line>${m.bars.map((b) => html`<rect class="band-${b.band}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}"><title>${barTitle(b, fmt)}</title></rect>`)}</svg>
<span></span><div class="histo-x" aria-hidden="true">${m.bars.map((b) => html`<span>${b.feeRate}</span>`)}</div></div>
<p class="histo-unit">fee rate, sat/vB · vsize on a square-root scale</p></figure>`;
}
