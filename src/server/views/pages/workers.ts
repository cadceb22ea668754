// Workers (OCEAN): the counts, then a grid of worker cards (state, kind, hashrate windows, last
// share, share of your total, a 24 h mini chart), filtered by state and kind, searched and sorted
// in the browser (web/workers.ts), and live over the `workers` event: a worker that goes offline
// turns so without a reload.
import { createHash } from 'node:crypto';
import type { MinerWorker } from '../../../domain/snapshots.ts';
import type { Loader } from '../../../read-model/views.ts';
import type { AppContext } from '../../app.ts';
import { workersReply } from '../../mining-data.ts';
import { dataAttrs, html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, freshness, sparkline, stats, unavailable, type View } from '../widgets.ts';
import { downsample } from '../../../domain/charts.ts';
import { MAX_WORKER_SERIES, steadyHashrate } from '../../../domain/mining.ts';

/** Mini charts for at most this many workers (each is a history read). */
const MAX_CHARTS = MAX_WORKER_SERIES;

const KIND_LABEL: Record<MinerWorker['kind'], string> = { asic: 'ASIC', small: 'Bitaxe-class', unknown: 'unknown kind' };

/** The last 24 h of each worker's hashrate, once a minute at most. */
const miniCharts = (app: AppContext, series: readonly string[]): Loader<Record<string, { t: number[]; v: number[] }>> => ({
  key: `worker-charts:${createHash('sha1').update(series.join('\n')).digest('hex')}`,
  maxAgeMs: 60_000,
  load: async () => {
    const toSec = Math.floor(Date.now() / 1000);
    const out: Record<string, { t: number[]; v: number[] }> = {};
    for (const s of series) {
      const pts = await app.history.rawPoints(s, toSec - 86_400, toSec);
      out[s] = downsample(
        pts.map((p) => p.tsSec),
        pts.map((p) => p.value),
        48,
      );
    }
    return out;
  },
});

const steady = (w: MinerWorker) => steadyHashrate(w.windowsHs);

function workerCard(v: View, w: MinerWorker, chart: { t: number[]; v: number[] } | undefined): SafeHtml {
  return html`<li class="worker state-${w.state}"${dataAttrs({ worker: w.name, state: w.state, kind: w.kind, hashrate: steady(w), last: w.lastShareSec, name: w.name.toLowerCase() })}>
<div class="w-head"><strong class="w-name">${w.name}</strong> <span class="state state-${w.state}" data-w-state>${w.state}</span></div>
<p class="w-rate">${bound(v, null, steady(w), 'hashrate')} <small>10 min</small></p>
${sparkline(v, chart, { span: '24 h', kind: 'hashrate', label: 'Hashrate' })}
${stats([
  ['60 s', bound(v, null, w.windowsHs['60'] ?? null, 'hashrate')],
  ['3 h', bound(v, null, w.windowsHs['10800'] ?? null, 'hashrate')],
  ['24 h', bound(v, null, w.windowsHs['86400'] ?? null, 'hashrate')],
  ['Last share', bound(v, null, w.lastShareSec, 'ago')],
  ['Share of yours', bound(v, null, w.sharePct, 'pct')],
  ['Kind', html`${KIND_LABEL[w.kind]}`],
])}</li>`;
}

export function workersPage(ctx: PageContext): RenderedPage {
  const v: View = { fmt: ctx.fmt };
  const w = workersReply(ctx.r, ctx.app, { ages: false });
  if (w.account !== 'ok') {
    return { title: 'Workers', body: html`<div class="grid">${card({ id: 'workers-setup', title: w.account === 'unknown' ? 'OCEAN knows no worker for this address' : 'Workers', wide: true }, unavailable(w.reason ?? 'no data yet'))}</div>` };
  }
  const charts = ctx.r.load(miniCharts(ctx.app, w.workers.slice(0, MAX_CHARTS).map((x) => x.series))) ?? {};
  const fresh = freshness(v, 'workers', { source: 'ocean', asOfMs: w.asOf ? Date.parse(w.asOf) : null, stale: w.stale, reason: 'OCEAN has not answered for three minutes', staleAfterMs: 180_000 });
  const counts = html`<section class="pulse worker-counts" aria-label="Workers by state">
<div class="pulse-item"><span class="pl">Online</span><strong>${bound(v, 'workers.counts.online', w.counts.online, 'int')}</strong></div>
<div class="pulse-item"><span class="pl">Stale</span><strong>${bound(v, 'workers.counts.stale', w.counts.stale, 'int')}</strong></div>
<div class="pulse-item"><span class="pl">Offline</span><strong>${bound(v, 'workers.counts.offline', w.counts.offline, 'int')}</strong></div>
<div class="pulse-item"><span class="pl">All</span><strong>${bound(v, 'workers.counts.total', w.counts.total, 'int')}</strong></div></section>`;
  const tools = html`<div class="table-tools worker-tools"><label>State <select id="w-state"><option value="">all</option><option value="online">online</option><option value="stale">stale</option><option value="offline">offline</option></select></label>
<label>Kind <select id="w-kind"><option value="">all</option><option value="asic">ASIC</option><option value="small">Bitaxe-class</option><option value="unknown">unknown</option></select></label>
<label>Search <input type="search" id="w-search" autocomplete="off" placeholder="worker name"></label>
<label>Sort <select id="w-sort"><option value="hashrate">hashrate</option><option value="name">name</option><option value="last">last share</option><option value="state">state</option></select></label></div>`;
  const body = html`${counts}${card(
    { id: 'workers', title: 'Your workers', wide: true, fresh },
    w.workers.length ? html`${tools}<ul class="worker-grid" data-workers>${w.workers.map((x) => workerCard(v, x, charts[x.series]))}</ul><p class="table-count" id="w-count" role="status">${w.workers.length} workers</p>` : unavailable('OCEAN lists no workers for this address yet.'),
  )}`;
  return { title: 'Workers', body };
}
