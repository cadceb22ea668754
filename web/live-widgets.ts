// Widgets that are lists or drawings rather than single values: the fee histogram, projected
// blocks, your nodes' states and the recent-blocks table. Each is rebuilt with DOM calls (no HTML
// strings) only when its event arrives.
import { bucketize, histogramModel } from '../src/domain/fee-tiers.ts';
import { formatValue } from '../src/domain/format.ts';
import { barTitle, HISTOGRAM_BOX } from '../src/server/views/histogram.ts';
import { formatOptions } from './bind.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

interface Projected {
  txCount: number;
  vsize: number;
  totalFeeSats: number;
  medianFeeRate: number;
  minFeeRate?: number;
  maxFeeRate?: number;
  feeRange?: number[];
}

/** A projected block's lowest and highest fee rate (the node's min/max, or mempool.space's feeRange). */
function feeBounds(b: Projected): [number, number] {
  return [b.minFeeRate ?? b.feeRange?.[0] ?? b.medianFeeRate, b.maxFeeRate ?? b.feeRange?.at(-1) ?? b.medianFeeRate];
}

/** How full a block is, as a native progress bar (no inline style, for the CSP). */
function fullness(max: number, value: number): HTMLProgressElement {
  const bar = el('progress');
  bar.max = max;
  bar.value = Math.min(max, value);
  bar.setAttribute('aria-label', 'fullness');
  return bar;
}

interface Mempool {
  histogram?: { feeRate: number; vsize: number }[];
  projectedBlocks?: Projected[];
}

/** Redraws the histogram figure (bars, y axis, x labels) from the same model the server drew. */
function drawHistogram(fig: HTMLElement, buckets: { feeRate: number; vsize: number }[]): void {
  const o = formatOptions();
  const m = histogramModel(buckets, HISTOGRAM_BOX.width, HISTOGRAM_BOX.height);
  fig.dataset.empty = m.bars.length === 0 ? '1' : '';
  const svg = fig.querySelector('svg');
  if (svg) {
    const grid = svg.querySelector('line');
    const rects = m.bars.map((b) => {
      const r = document.createElementNS(SVG_NS, 'rect');
      for (const [k, v] of Object.entries({ x: b.x, y: b.y, width: b.w, height: b.h })) r.setAttribute(k, String(v));
      r.setAttribute('class', `band-${b.band}`);
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = barTitle(b, o);
      r.append(title);
      return r;
    });
    svg.replaceChildren(...(grid ? [grid] : []), ...rects);
    svg.setAttribute('aria-label', `Mempool vsize per fee band, ${formatValue(m.totalVsize, 'vbytes', o)} in all`);
  }
  const y = fig.querySelectorAll('.histo-y span');
  if (y[0]) y[0].textContent = formatValue(m.yMax, 'vbytes', o);
  if (y[1]) y[1].textContent = formatValue(m.yMax / 4, 'vbytes', o);
  fig.querySelector('.histo-x')?.replaceChildren(...m.bars.map((b) => el('span', String(b.feeRate))));
}

function drawProjected(list: Element, blocks: Projected[]): void {
  const o = formatOptions();
  list.replaceChildren(
    ...blocks.slice(0, 6).map((b, i) => {
      const [min, max] = feeBounds(b);
      const li = el('li');
      const bar = fullness(1_000_000, b.vsize);
      li.append(
        el('span', i === 0 ? 'next block' : `+${i + 1}`, 'pb-n'),
        el('strong', `~${formatValue(b.medianFeeRate, 'satvb', o)}`),
        el('span', `${formatValue(min, 'dec', o)} – ${formatValue(max, 'dec', o)} sat/vB`, 'pb-span'),
        bar,
        el('small', `${formatValue(b.txCount, 'int', o)} tx · ${formatValue(b.totalFeeSats, 'btc', o)}`),
      );
      return li;
    }),
  );
}

/** The strip's projected blocks (next one nearest the divider). */
function drawStripProjected(list: Element, blocks: Projected[]): void {
  const o = formatOptions();
  const next = blocks.slice(0, 4).reverse();
  list.replaceChildren(
    ...next.map((b, i) => {
      const [min, max] = feeBounds(b);
      const li = el('li', undefined, 'bs-next');
      const bar = fullness(1_000_000, b.vsize);
      li.append(el('span', next.length - i === 1 ? 'next' : `+${next.length - i}`, 'bs-h'), el('strong', `~${formatValue(b.medianFeeRate, 'satvb', o)}`), el('span', `${formatValue(min, 'dec', o)} – ${formatValue(max, 'dec', o)} sat/vB`, 'bs-span'), bar, el('small', `${formatValue(b.txCount, 'int', o)} tx`));
      return li;
    }),
  );
}

interface StripBlock {
  hash: string;
  height: number;
  timeSec: number;
  txCount: number;
  weight: number;
  medianFeeRate?: number | null;
  feeRatePercentiles?: (number | null)[] | null;
}

/** The strip opens on its divider: the next block and the last mined one side by side. */
export function centerStrip(): void {
  const strip = document.querySelector<HTMLElement>('.strip');
  const now = strip?.querySelector<HTMLElement>('.bs-now');
  if (!strip || !now || strip.scrollWidth <= strip.clientWidth) return;
  strip.scrollLeft = Math.max(0, now.offsetLeft - strip.offsetLeft - strip.clientWidth / 2);
}

/** A mined block slides into the strip (newest first); the oldest tile goes. */
export function addStripBlock(b: StripBlock, link: boolean): void {
  const list = document.querySelector('[data-strip-mined]');
  if (!list || list.querySelector(`[data-hash="${CSS.escape(b.hash)}"]`)) return;
  const o = formatOptions();
  const p = b.feeRatePercentiles;
  const median = b.medianFeeRate ?? p?.[2] ?? null;
  const li = el('li', undefined, 'bs-mined bs-new');
  li.dataset.hash = b.hash;
  const box = link ? el('a') : el('div');
  if (box instanceof HTMLAnchorElement) box.href = `/blocks/${b.hash}`;
  const bar = fullness(4_000_000, b.weight);
  const age = el('span', formatValue(b.timeSec, 'ago', o), 'v');
  age.dataset.f = 'ago';
  age.dataset.v = String(b.timeSec);
  const small = el('small', `${formatValue(b.txCount, 'int', o)} tx · `);
  small.append(age);
  box.append(
    el('span', formatValue(b.height, 'int', o), 'bs-h'),
    el('strong', median === null ? '—' : `~${formatValue(median, 'satvb', o)}`),
    el('span', p?.[0] != null && p[4] != null ? `${formatValue(p[0], 'dec', o)} – ${formatValue(p[4], 'dec', o)} sat/vB` : '\u00a0', 'bs-span'),
    bar,
    small,
  );
  li.append(box);
  list.prepend(li);
  while (list.children.length > 6) list.lastElementChild?.remove();
}

/** A `mempool` event (your node) or a `public-mempool` one (its mempool and projected pieces). */
export function updateMempool(type: 'mempool' | 'public-mempool', data: unknown): void {
  const fig = document.querySelector<HTMLElement>(`[data-histogram="${type}"]`);
  if (!fig) return;
  const d = data as Mempool & { mempool?: { histogram?: { feeRate: number; vsize: number }[] }; projected?: Projected[] };
  const histogram = type === 'mempool' ? d.histogram : d.mempool?.histogram ? bucketize(d.mempool.histogram) : undefined;
  if (histogram) drawHistogram(fig, histogram);
  const projected = type === 'mempool' ? d.projectedBlocks : d.projected;
  const list = document.querySelector('[data-projected]');
  if (list && projected) drawProjected(list, projected);
  const strip = document.querySelector('[data-strip-projected]');
  if (strip && projected) drawStripProjected(strip, projected);
  // mempool.space's latest blocks, newest first: the ones the strip does not show yet slide in.
  const blocks = type === 'public-mempool' ? (d as { blocks?: StripBlock[] }).blocks : undefined;
  if (blocks) for (const b of [...blocks].slice(0, 6).reverse()) addStripBlock(b, false);
}

let lastPriceUsd = Number.NaN;

/** Fiat costs on the fee tiles follow their rate and the price (from a price event, or the page's price). */
export function updateFeeCosts(priceUsd?: number): void {
  if (priceUsd !== undefined && priceUsd > 0) lastPriceUsd = priceUsd;
  const price = lastPriceUsd > 0 ? lastPriceUsd : Number(document.querySelector<HTMLElement>('[data-k="price.usd"]')?.dataset.v);
  if (!(price > 0)) return;
  const o = formatOptions();
  document.querySelectorAll<HTMLElement>('.fee-tile').forEach((tile) => {
    const rate = Number(tile.querySelector<HTMLElement>('.rate .v')?.dataset.v);
    tile.querySelectorAll<HTMLElement>('[data-cost-vb]').forEach((c) => {
      const vb = Number(c.dataset.costVb);
      const first = c.firstChild;
      if (!(rate > 0) || !(vb > 0) || !first) return;
      const usd = (Math.ceil(rate * vb) / 1e8) * price;
      if (first instanceof HTMLElement && first.classList.contains('v')) {
        first.dataset.v = String(usd);
        first.textContent = formatValue(usd, 'fiat', o);
      }
    });
  });
}

interface NodeState {
  id: string;
  state: string;
  height: number | null;
  message: string | null;
}

export function updateNodes(nodes: NodeState[]): void {
  const o = formatOptions();
  for (const n of nodes) {
    const li = document.querySelector(`[data-node-list] [data-node="${CSS.escape(n.id)}"]`);
    if (!li) continue;
    const badge = el('span', n.state, `state state-${n.state}`);
    // The height stays a bound value (data-v), so a block event can move it with the tip.
    const height = el('span', formatValue(n.height, 'int', o), 'v');
    height.dataset.f = 'int';
    height.dataset.v = n.height === null ? '' : String(n.height);
    li.replaceChildren(badge, ' ', el('strong', n.id), ...(n.height === null ? [] : [' at ', height]), ' ', el('small', n.message ?? ''));
  }
}

interface Block {
  hash: string;
  height: number;
  timeSec: number;
  pool: string | null;
  txCount: number;
  sizeBytes: number;
  totalFeeSats: number | null;
  feeRatePercentiles: (number | null)[] | null;
  intervalSec: number | null;
}

export function addBlock(b: Block): void {
  const body = document.querySelector('[data-live-blocks] tbody');
  if (!body || body.querySelector(`[data-hash="${CSS.escape(b.hash)}"]`)) return;
  const o = formatOptions();
  const tr = el('tr');
  tr.dataset.hash = b.hash;
  const th = el('th');
  th.scope = 'row';
  const a = el('a', formatValue(b.height, 'int', o));
  a.href = `/blocks/${b.hash}`;
  th.append(a);
  const age = el('span', formatValue(b.timeSec, 'ago', o), 'v');
  age.dataset.f = 'ago';
  age.dataset.v = String(b.timeSec);
  const ageCell = el('td');
  ageCell.append(age);
  const cells = [b.pool ?? '—', formatValue(b.txCount, 'int', o), formatValue(b.sizeBytes, 'bytes', o), formatValue(b.totalFeeSats, 'btc', o), formatValue(b.feeRatePercentiles?.[2] ?? null, 'satvb', o), formatValue(b.intervalSec, 'duration', o)];
  tr.append(th, ageCell, ...cells.map((c) => el('td', c)));
  // The column names, for the stacked rows on phones (as the server writes them).
  const labels = [...body.parentElement?.querySelectorAll('thead th') ?? []].map((h) => h.textContent ?? '');
  tr.querySelectorAll('td').forEach((td, i) => (td.dataset.label = labels[i + 1] ?? ''));
  tr.classList.add('changed');
  body.prepend(tr);
  while (body.children.length > 25) body.lastElementChild?.remove();
}
