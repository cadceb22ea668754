// Widgets that are lists or drawings rather than single values: the fee histogram, projected
// blocks, your nodes' states and the recent-blocks table. Each is rebuilt with DOM calls (no HTML
// strings) only when its event arrives.
import { histogramBars } from '../src/domain/charts.ts';
import { formatValue } from '../src/domain/format.ts';
import { formatOptions } from './bind.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

interface Mempool {
  histogram?: { feeRate: number; vsize: number }[];
  projectedBlocks?: { index: number; txCount: number; medianFeeRate: number; minFeeRate: number; maxFeeRate: number }[];
}

export function updateMempool(data: Mempool): void {
  const svg = document.querySelector<SVGSVGElement>('[data-histogram]');
  if (svg && data.histogram) {
    const rects = histogramBars(data.histogram, 600, 120).map((b) => {
      const r = document.createElementNS(SVG_NS, 'rect');
      for (const [k, v] of Object.entries({ x: b.x, y: b.y, width: b.w, height: b.h })) r.setAttribute(k, String(v));
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = b.label;
      r.append(title);
      return r;
    });
    svg.replaceChildren(...rects);
  }
  const list = document.querySelector('[data-projected]');
  if (list && data.projectedBlocks) {
    const o = formatOptions();
    list.replaceChildren(
      ...data.projectedBlocks.slice(0, 6).map((b) => {
        const li = el('li');
        li.append(el('strong', `+${b.index + 1}`), ` ${formatValue(b.medianFeeRate, 'satvb', o)} `, el('small', `${formatValue(b.minFeeRate, 'satvb', o)}–${formatValue(b.maxFeeRate, 'satvb', o)} · ${formatValue(b.txCount, 'int', o)} tx`));
        return li;
      }),
    );
  }
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
    li.replaceChildren(badge, ' ', el('strong', n.id), n.height === null ? '' : ` at ${formatValue(n.height, 'int', o)}`, ' ', el('small', n.message ?? ''));
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
  tr.classList.add('changed');
  body.prepend(tr);
  while (body.children.length > 25) body.lastElementChild?.remove();
}
