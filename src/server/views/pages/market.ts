// Market: price and KPIs, the BTC chart, the top 50 (search, sort and a watchlist kept in the
// browser by web/market-table.ts), and BTC's market cap beside coins, commodities and companies.
import { marketSummary } from '../../market-data.ts';
import type { PieceReply } from '../../routes/public-data.ts';
import { dataAttrs, html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, chart, sparkline, stats, unavailable, type View } from '../widgets.ts';
import { sparkLoader } from '../../routes/charts.ts';
import { pieceFresh } from './overview.ts';

interface Coin {
  id: string;
  symbol: string;
  name: string;
  rank: number | null;
  priceUsd: number | null;
  marketCapUsd: number | null;
  volume24hUsd: number | null;
  change24hPct: number | null;
}

const COLUMNS: [string, string, keyof Coin, 'text' | 'num'][] = [
  ['rank', '#', 'rank', 'num'],
  ['name', 'Coin', 'name', 'text'],
  ['price', 'Price', 'priceUsd', 'num'],
  ['change', '24 h', 'change24hPct', 'num'],
  ['cap', 'Market cap', 'marketCapUsd', 'num'],
  ['volume', 'Volume 24 h', 'volume24hUsd', 'num'],
];

function coinTable(v: View, piece: PieceReply): SafeHtml {
  const coins = (piece.data as Coin[] | null) ?? [];
  if (coins.length === 0) return unavailable(piece.reason ?? 'no coin list yet', piece.detail);
  return html`<div class="table-tools"><label>Search <input type="search" id="coin-search" autocomplete="off" placeholder="name or symbol"></label>
<label><input type="checkbox" id="watch-only"> watchlist only</label></div>
<div class="table-wrap" tabindex="0" role="region" aria-label="Top coins table"><table class="coins" id="coins"><caption class="sr-only">Top ${coins.length} coins by market cap</caption>
<thead><tr><th scope="col"><span class="sr-only">Watch</span></th>${COLUMNS.map(([key, label]) => html`<th scope="col" aria-sort="${key === 'rank' ? 'ascending' : 'none'}"><button type="button" data-sort="${key}">${label}</button></th>`)}</tr></thead>
<tbody>${coins.map(
    (c) => html`<tr${dataAttrs({ id: c.id, search: `${c.name} ${c.symbol}`.toLowerCase(), rank: c.rank, name: c.name.toLowerCase(), price: c.priceUsd, change: c.change24hPct, cap: c.marketCapUsd, volume: c.volume24hUsd })}>
<td><button type="button" class="star" data-watch="${c.id}" aria-pressed="false" aria-label="Watch ${c.name}">☆</button></td><td>${c.rank ?? '—'}</td><th scope="row">${c.name} <small>${c.symbol}</small></th>
<td>${bound(v, null, c.priceUsd, 'fiat')}</td><td>${bound(v, null, c.change24hPct, 'signedPct')}</td><td>${bound(v, null, c.marketCapUsd, 'fiatCompact')}</td><td>${bound(v, null, c.volume24hUsd, 'fiatCompact')}</td></tr>`,
  )}</tbody></table></div><p class="table-count" id="coin-count" role="status">${coins.length} coins</p>`;
}

export function marketPage(ctx: PageContext): RenderedPage {
  const v: View = { fmt: ctx.fmt };
  const m = marketSummary(ctx.r, ctx.app, { ages: false });
  const k = m.kpis.data as Record<string, number | null> | null;
  const kpiCard = card(
    { id: 'kpis', title: 'Bitcoin', fresh: pieceFresh(v, m.kpis), wide: true },
    k
      ? html`<div class="kpi-head"><p class="big">${bound(v, 'price.usd', k.priceUsd, 'fiat')}</p>${sparkline(v, ctx.r.load(sparkLoader(ctx.app, 'price', '30d')), { span: '30 d', kind: 'fiat', label: 'BTC price' })}</div>${stats([
          ['24 h', bound(v, null, k.change24hPct, 'signedPct')],
          ['24 h high', bound(v, null, k.high24hUsd, 'fiat')],
          ['24 h low', bound(v, null, k.low24hUsd, 'fiat')],
          ['Volume', bound(v, null, k.volume24hUsd, 'fiatCompact')],
          ['Market cap', bound(v, null, k.marketCapUsd, 'fiatCompact')],
          ['Dominance', bound(v, null, k.dominancePct, 'pct')],
          ['All-time high', bound(v, null, k.athUsd, 'fiat')],
          ['From ATH', bound(v, null, k.drawdownFromAthPct, 'signedPct')],
          ['30 d volatility', bound(v, null, k.volatility30dPct, 'pct')],
          ['Supply mined', bound(v, null, k.supplyPctOf21M, 'pct')],
        ])}`
      : unavailable(m.kpis.reason ?? 'no market data yet', m.kpis.detail),
  );
  const assets = card(
    { id: 'vs-assets', title: 'BTC beside other assets', wide: true },
    html`<div class="table-wrap" tabindex="0" role="region" aria-label="BTC beside other assets"><table><thead><tr><th scope="col">Asset</th><th scope="col">Market cap</th><th scope="col">BTC as % of it</th><th scope="col">Source</th></tr></thead><tbody>${m.btcVsAssets.map(
      // An asset without a figure says why in one row (often how to add it), not in a column of dashes.
      (r) =>
        r.marketCapUsd === null
          ? html`<tr class="missing"><th scope="row">${r.asset}</th><td colspan="3"><span class="why">${'reason' in r ? r.reason : 'unavailable'}</span></td></tr>`
          : html`<tr><th scope="row">${r.asset}</th><td>${bound(v, null, r.marketCapUsd, 'fiatCompact')}</td><td>${bound(v, null, r.btcSharePct, 'pct')}</td><td><small>${r.source}${r.asOf ? ` · ${r.asOf.slice(0, 10)}` : ''}</small></td></tr>`,
    )}</tbody></table></div>
<h3>BTC's market cap as a multiple of each coin's</h3>${
      m.btcVsCoins.length
        ? html`<ul class="multiples">${m.btcVsCoins.slice(0, 12).map((c) => html`<li><strong>${c.symbol}</strong> ×${bound(v, null, c.btcMultiple, 'dec')}</li>`)}</ul>`
        : unavailable('no coin list yet')
    }`,
  );
  const body = html`<div class="grid">${kpiCard}
${card({ id: 'btc-chart', title: 'BTC price', wide: true }, chart({ id: 'chart-btc', name: 'price', title: 'BTC price', ranges: ['1d', '30d', '90d', '1y', '10y', 'all'], range: '1y' }))}
${card({ id: 'top', title: 'Top coins', wide: true, fresh: pieceFresh(v, m.topCoins) }, coinTable(v, m.topCoins ?? { source: null, asOf: null, ageSec: null, stale: false, data: null, reason: 'not fetched yet' }))}
${assets}</div>`;
  return { title: 'Market', body };
}
