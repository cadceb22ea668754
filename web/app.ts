// The browser entry: bind live values, connect (one connection per browser), and start the page's
// own module. Hidden tabs keep only the latest event of each type and paint it when shown again.
import { showAlert } from './alerts.ts';
import { Binder } from './bind.ts';
import { initBoot } from './boot.ts';
import { initCharts } from './charts.ts';
import { addBlock, addStripBlock, centerStrip, updateFeeCosts, updateMempool, updateNodes } from './live-widgets.ts';
import { LiveClient, type LivePayload } from './live.ts';
import { initMarketTable } from './market-table.ts';
import { Monitor, store, stored } from './monitor.ts';
import { startBeacon, startStatusRefresh } from './status.ts';
import { initTables } from './tables.ts';
import { initWorkers, poolBlockFound, updateWorkers } from './workers.ts';

/** Cards the reader may hide for good (the setup hint): the choice stays in this browser. */
function initDismiss(): void {
  document.querySelectorAll<HTMLElement>('[data-dismissable]').forEach((card) => {
    const key = `satscope.dismissed.${card.dataset.dismissable ?? ''}`;
    if (stored(key) === '1') card.hidden = true;
    card.querySelector('[data-dismiss]')?.addEventListener('click', () => {
      store(key, '1');
      card.hidden = true;
    });
  });
}

/** Copy buttons: data-copy names the element whose text goes to the clipboard, data-copy-text holds the text itself. */
function initCopy(): void {
  document.querySelectorAll<HTMLButtonElement>('[data-copy], [data-copy-text]').forEach((b) => {
    const label = b.textContent ?? 'Copy';
    b.addEventListener('click', () => {
      const text = b.dataset.copyText ?? document.getElementById(b.dataset.copy ?? '')?.textContent ?? '';
      navigator.clipboard.writeText(text).then(
        () => (b.textContent = 'Copied'),
        () => (b.textContent = 'Copy failed'),
      );
      window.setTimeout(() => (b.textContent = label), 2000);
    });
  });
}

/** Phones: the nav is one scrolling line; the current page's link is scrolled into it. */
function showCurrentNav(): void {
  const current = document.querySelector<HTMLElement>('.top nav [aria-current="page"]');
  const list = current?.closest('nav');
  if (!current || !list || list.scrollWidth <= list.clientWidth) return;
  const left = current.getBoundingClientRect().left - list.getBoundingClientRect().left + list.scrollLeft;
  list.scrollLeft = Math.max(0, left - list.clientWidth / 2 + current.offsetWidth / 2);
}

function main(): void {
  const binder = new Binder();
  const monitor = new Monitor();
  const pending = new Map<string, LivePayload>();
  const onMining = document.body.dataset.page === 'mining';
  let miningTimer: ReturnType<typeof setTimeout> | undefined;
  // One read of the mining read model a second after the last event that moves it (the server's view is rebuilt by then).
  const refreshMiningView = () => {
    clearTimeout(miningTimer);
    miningTimer = setTimeout(() => {
      fetch('/api/v1/mining', { headers: { accept: 'application/json' } })
        .then((r) => (r.ok ? (r.json() as Promise<{ data: unknown }>) : null))
        .then((reply) => {
          if (reply?.data) binder.apply('miningview', reply.data, Date.now());
        })
        .catch(() => undefined);
    }, 1000);
  };

  const paint = (type: string, p: LivePayload) => {
    if (type === 'price') {
      const cur = document.documentElement.dataset.currency;
      const d = p.data as { usd?: number; fiat?: Record<string, { value: number }> };
      const v = cur && d.fiat?.[cur]?.value;
      if (cur && cur !== 'USD' && v && d.usd) document.documentElement.dataset.usdRate = String(v / d.usd);
    }
    binder.apply(type, p.data, p.tsMs);
    if (type === 'mempool' || type === 'public-mempool') updateMempool(type, p.data);
    if (type === 'fees' || type === 'public-mempool' || type === 'price') updateFeeCosts(type === 'price' ? (p.data as { usd?: number }).usd : undefined);
    if (type === 'nodes' && Array.isArray(p.data)) updateNodes(p.data as Parameters<typeof updateNodes>[0]);
    if (type === 'workers') updateWorkers(p.data);
    if (type === 'mining') poolBlockFound(p.data);
    if (type === 'alert') showAlert(p.data);
    // Profitability and earnings a day are worked out by the server from the account, the network and the price.
    if (onMining && (type === 'mining' || type === 'price' || type === 'chain' || type === 'public-mempool')) refreshMiningView();
    if (type === 'block') {
      const b = p.data as Parameters<typeof addBlock>[0] & { source?: string };
      addBlock(b);
      addStripBlock(b as unknown as Parameters<typeof addStripBlock>[0], true);
      // A new block moves the tip at once; the full chain snapshot follows with the chain job.
      const shown = Number(document.querySelector<HTMLElement>('[data-k="chain.height"]')?.dataset.v ?? 0);
      if (b.height > shown) binder.apply('chain', { height: b.height, tipTimeSec: b.timeSec, source: b.source, asOfMs: p.tsMs }, p.tsMs);
      // The node that reported the block is at its height now: its row moves with the tip.
      const row = b.source ? document.querySelector<HTMLElement>(`[data-node="${CSS.escape(b.source)}"] .v`) : null;
      if (row && Number(row.dataset.v) < b.height) {
        row.dataset.v = String(b.height);
        row.textContent = b.height.toLocaleString(document.documentElement.dataset.locale ?? 'en-US');
      }
    }
  };

  const live = new LiveClient(
    (type, payload) => {
      monitor.updated();
      if (document.hidden) pending.set(type, payload);
      else paint(type, payload);
    },
    (state) => monitor.state(state),
  );
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    for (const [type, p] of pending) paint(type, p);
    pending.clear();
  });
  live.start();
  window.setInterval(() => {
    if (document.hidden) return;
    binder.tick();
    monitor.tick();
  }, 1000);
  monitor.tick();

  initCharts();
  initTables();
  centerStrip();
  initDismiss();
  initCopy();
  showCurrentNav();
  initMarketTable();
  initWorkers();
  initBoot();
  if (document.body.dataset.page === 'status') startStatusRefresh((data) => binder.apply('status', data, Date.now()));
  startBeacon();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
