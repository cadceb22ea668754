// The Workers page: filter by state and kind, search by name, sort; and live, from the `workers`
// event: each card's state, hashrate and last share change in place (a worker that goes offline
// turns so without a reload), and the filters apply again. The Mining page: a short animation when
// the pool finds a block.
import { formatValue } from '../src/domain/format.ts';
import { steadyHashrate as steady } from '../src/domain/mining.ts';
import { formatOptions } from './bind.ts';

interface LiveWorker {
  name: string;
  state: 'online' | 'stale' | 'offline';
  windowsHs: Record<string, number>;
  lastShareSec: number | null;
  sharePct: number | null;
}

const STATE_ORDER = { online: 0, stale: 1, offline: 2 } as const;

let apply: (() => void) | undefined;

export function initWorkers(): void {
  const grid = document.querySelector<HTMLElement>('[data-workers]');
  if (!grid) return;
  const state = document.getElementById('w-state') as HTMLSelectElement | null;
  const kind = document.getElementById('w-kind') as HTMLSelectElement | null;
  const search = document.getElementById('w-search') as HTMLInputElement | null;
  const sort = document.getElementById('w-sort') as HTMLSelectElement | null;
  const count = document.getElementById('w-count');
  apply = () => {
    const cards = [...grid.querySelectorAll<HTMLElement>('[data-worker]')];
    const q = (search?.value ?? '').trim().toLowerCase();
    let shown = 0;
    for (const c of cards) {
      const visible = (!state?.value || c.dataset.state === state.value) && (!kind?.value || c.dataset.kind === kind.value) && (!q || (c.dataset.name ?? '').includes(q));
      c.hidden = !visible;
      if (visible) shown++;
    }
    const by = sort?.value ?? 'hashrate';
    const key = (c: HTMLElement): number | string =>
      by === 'name' ? (c.dataset.name ?? '') : by === 'last' ? -Number(c.dataset.last || 0) : by === 'state' ? STATE_ORDER[(c.dataset.state ?? 'offline') as keyof typeof STATE_ORDER] : -Number(c.dataset.hashrate || 0);
    const sorted = [...cards].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number) || (a.dataset.name ?? '').localeCompare(b.dataset.name ?? '');
    });
    if (sorted.some((c, i) => c !== cards[i])) grid.append(...sorted);
    if (count) count.textContent = `${shown} of ${cards.length} workers`;
  };
  for (const el of [state, kind, sort]) el?.addEventListener('change', apply);
  search?.addEventListener('input', apply);
}

/** A `workers` event: each known card follows its worker. */
export function updateWorkers(data: unknown): void {
  const d = data as { workers?: LiveWorker[] };
  if (!Array.isArray(d.workers)) return;
  const o = formatOptions();
  for (const w of d.workers) {
    const card = document.querySelector<HTMLElement>(`[data-worker="${CSS.escape(w.name)}"]`);
    if (!card) continue;
    if (card.dataset.state !== w.state) {
      card.dataset.state = w.state;
      card.classList.remove('state-online', 'state-stale', 'state-offline');
      card.classList.add(`state-${w.state}`, 'changed');
      const badge = card.querySelector<HTMLElement>('[data-w-state]');
      if (badge) {
        badge.textContent = w.state;
        badge.className = `state state-${w.state}`;
      }
    }
    card.dataset.hashrate = String(steady(w.windowsHs));
    card.dataset.last = w.lastShareSec === null ? '' : String(w.lastShareSec);
    const rate = card.querySelector<HTMLElement>('.w-rate .v');
    if (rate) {
      rate.dataset.v = String(steady(w.windowsHs));
      rate.textContent = formatValue(steady(w.windowsHs), 'hashrate', o);
    }
  }
  apply?.();
}

/** A `mining` event whose newest pool block is not the one on the page: OCEAN found a block. */
export function poolBlockFound(data: unknown): void {
  const table = document.querySelector<HTMLElement>('[data-pool-blocks]');
  const banner = document.querySelector<HTMLElement>('[data-block-found]');
  const newest = (data as { blocks?: { hash: string; height: number }[] }).blocks?.[0];
  if (!table || !banner || !newest || newest.hash === table.dataset.poolBlocks) return;
  table.dataset.poolBlocks = newest.hash;
  banner.textContent = `OCEAN found block ${newest.height.toLocaleString(document.documentElement.dataset.locale ?? 'en-US')}!`;
  banner.hidden = false;
  banner.classList.remove('found');
  void banner.offsetWidth;
  banner.classList.add('found');
  window.setTimeout(() => (banner.hidden = true), 8000);
}
