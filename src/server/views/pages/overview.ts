// Overview: the market, your node's chain, mempool and fees, and the public network beside them.
import { histogramBars } from '../../../domain/charts.ts';
import type { ChainSnapshot, FeesSnapshot, MempoolSnapshot, NodeStatus } from '../../../domain/snapshots.ts';
import { nextHalving, supplySats } from '../../../domain/bitcoin.ts';
import { keys } from '../../../store/keys.ts';
import { kpis } from '../../market-data.ts';
import { readPieces, type PieceReply } from '../../routes/public-data.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, chart, freshness, progress, STALE_MS, stats, unavailable, type View } from '../widgets.ts';

export const NO_NODE = 'No Bitcoin node configured: set BITCOIN_RPC_URL (or BITCOIN_RPC_COOKIE) to see your own node here.';

const nodeFresh = (v: View, live: string, snap: { source: string; asOfMs: number } | undefined, nowMs: number, reason: string) =>
  freshness(v, live, snap ? { source: snap.source, asOfMs: snap.asOfMs, stale: nowMs - snap.asOfMs > STALE_MS.node, reason: 'the node has not answered for a minute', staleAfterMs: STALE_MS.node } : { source: null, asOfMs: null, stale: false, reason });

/** The footer of a public card; `live` is its `public-<source>` event, so live updates renew it. */
export const pieceFresh = (v: View, p: PieceReply | undefined, live: string | null = null) =>
  freshness(v, live, { source: p?.source ?? null, asOfMs: p?.asOf ? Date.parse(p.asOf) : null, stale: p?.stale ?? false, reason: p?.reason });

/** The body of a card whose public piece is missing: the reason, with its detail one click away. */
export const pieceMissing = (p: PieceReply | undefined, fallback = 'no data yet') => unavailable(p?.reason ?? fallback, p?.detail);

export function histogramSvg(buckets: readonly { feeRate: number; vsize: number }[]): SafeHtml {
  const bars = histogramBars(buckets, 600, 120);
  return html`<svg class="histogram" viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="Mempool by fee rate (vsize per bucket)" data-histogram>${bars.map((b) => html`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}"><title>${b.label}</title></rect>`)}</svg>`;
}

export function projectedList(v: View, blocks: MempoolSnapshot['projectedBlocks']): SafeHtml {
  return html`<ol class="projected" data-projected>${blocks.slice(0, 6).map(
    (b) => html`<li><strong>+${b.index + 1}</strong> ${bound(v, null, b.medianFeeRate, 'satvb')} <small>${bound(v, null, b.minFeeRate, 'satvb')}–${bound(v, null, b.maxFeeRate, 'satvb')} · ${bound(v, null, b.txCount, 'int')} tx</small></li>`,
  )}</ol>`;
}

function marketCard(v: View, k: PieceReply): SafeHtml {
  const d = k.data as Record<string, number | null> | null;
  return card(
    { id: 'price', title: 'Bitcoin price', fresh: pieceFresh(v, k) },
    d
      ? html`<p class="big">${bound(v, 'price.usd', d.priceUsd, 'fiat')}</p>${stats([
          ['24 h', bound(v, null, d.change24hPct, 'signedPct')],
          ['Market cap', bound(v, null, d.marketCapUsd, 'fiatCompact')],
          ['Dominance', bound(v, null, d.dominancePct, 'pct')],
          ['From ATH', bound(v, null, d.drawdownFromAthPct, 'signedPct')],
          ['Days since ATH', bound(v, null, d.daysSinceAth, 'int')],
          ['30 d volatility', bound(v, null, d.volatility30dPct, 'pct')],
        ])}`
      : unavailable(k.reason ?? 'no price yet', k.detail),
  );
}

function chainCards(v: View, chain: ChainSnapshot | undefined, reason: string, nowMs: number): SafeHtml[] {
  const f = () => nodeFresh(v, 'chain', chain, nowMs, reason);
  if (!chain) return [card({ id: 'tip', title: 'Chain tip', fresh: f() }, unavailable(reason))];
  return [
    card(
      { id: 'tip', title: 'Chain tip', fresh: f() },
      html`<p class="big">${bound(v, 'chain.height', chain.height, 'int')}</p>${stats([
        ['Block age', bound(v, 'chain.tipTimeSec', chain.tipTimeSec, 'ago')],
        ['Difficulty', bound(v, 'chain.difficulty', chain.difficulty, 'difficulty')],
        ['Hashrate', bound(v, 'chain.hashrateHs', chain.hashrateHs, 'hashrate')],
        ['Supply', bound(v, 'chain.supplySats', chain.supplySats, 'btc')],
        ['of 21M', bound(v, 'chain.supplyPctOf21M', chain.supplyPctOf21M, 'pct')],
      ])}`,
    ),
    card(
      { id: 'retarget', title: 'Difficulty adjustment', fresh: f() },
      chain.retarget
        ? html`${progress(v, 'chain.retarget.progressPct', chain.retarget.progressPct, 'epoch progress')}${stats([
            ['Blocks left', bound(v, 'chain.retarget.blocksLeft', chain.retarget.blocksLeft, 'int')],
            ['Estimated change', bound(v, 'chain.retarget.estimatedChangePct', chain.retarget.estimatedChangePct, 'signedPct')],
            ['Expected', bound(v, 'chain.retarget.estimatedAtSec', chain.retarget.estimatedAtSec, 'until')],
          ])}`
        : unavailable(`${chain.chain} does not retarget difficulty`),
    ),
    card(
      { id: 'halving', title: 'Halving', fresh: f() },
      stats([
        ['Next at', bound(v, 'chain.halving.nextHeight', chain.halving.nextHeight, 'int')],
        ['Blocks left', bound(v, 'chain.halving.blocksLeft', chain.halving.blocksLeft, 'int')],
        ['Expected', bound(v, 'chain.halving.estimatedAtSec', chain.halving.estimatedAtSec, 'until')],
        ['Subsidy now', bound(v, 'chain.halving.subsidyNowSats', chain.halving.subsidyNowSats, 'btc')],
      ]),
    ),
  ];
}

function mempoolCards(v: View, mempool: MempoolSnapshot | undefined, fees: FeesSnapshot | undefined, reason: string, nowMs: number): SafeHtml[] {
  const feeRows = (fees?.estimates ?? []).map((e, i) => [`${e.targetBlocks} block${e.targetBlocks === 1 ? '' : 's'}`, e.feeRateSatVb === null ? html`<span class="why">${e.note ?? 'no estimate'}</span>` : bound(v, `fees.estimates.${i}.feeRateSatVb`, e.feeRateSatVb, 'satvb')] as [string, SafeHtml]);
  return [
    card(
      { id: 'fees', title: 'Fee estimates', fresh: nodeFresh(v, 'fees', fees, nowMs, reason) },
      fees ? stats([...feeRows, ['Mempool minimum', bound(v, 'fees.mempoolMinSatVb', fees.mempoolMinSatVb, 'satvb')]]) : unavailable(reason),
    ),
    card(
      { id: 'mempool', title: 'Mempool', fresh: nodeFresh(v, 'mempool', mempool, nowMs, reason), wide: true },
      mempool
        ? html`${stats([
            ['Transactions', bound(v, 'mempool.txCount', mempool.txCount, 'int')],
            ['Size', bound(v, 'mempool.vsize', mempool.vsize, 'vbytes')],
            ['Fees', bound(v, 'mempool.totalFeeSats', mempool.totalFeeSats, 'btc')],
            ['Memory', bound(v, 'mempool.usageBytes', mempool.usageBytes, 'bytes')],
          ])}<h3>By fee rate</h3>${histogramSvg(mempool.histogram)}<h3>Projected blocks</h3>${projectedList(v, mempool.projectedBlocks)}`
        : unavailable(reason),
    ),
  ];
}

function nodeListCard(v: View, statuses: readonly (NodeStatus | undefined)[], ids: readonly string[], nowMs: number): SafeHtml {
  const checked = Math.max(0, ...statuses.map((s) => s?.checkedAtMs ?? 0));
  const fresh = checked ? freshness(v, 'nodes', { source: 'node-status', asOfMs: checked, stale: nowMs - checked > STALE_MS.node, staleAfterMs: STALE_MS.node, reason: 'node status has not been checked for a minute' }) : freshness(v, 'nodes', { source: null, asOfMs: null, stale: false, reason: ids.length ? 'not checked yet' : NO_NODE });
  const body =
    ids.length === 0
      ? unavailable(NO_NODE)
      : html`<ul class="node-list" data-node-list>${ids.map((id, i) => {
          const s = statuses[i];
          const height = s?.height ?? null;
          return html`<li data-node="${id}"><span class="state state-${s?.state ?? 'pending'}">${s?.state ?? 'pending'}</span> <strong>${id}</strong>${height === null ? '' : html` at ${bound(v, null, height, 'int')}`} <small>${s?.message ?? ''}</small></li>`;
        })}</ul>`;
  return card({ id: 'nodes', title: 'Your nodes', fresh }, body);
}

function networkCard(v: View, p: Record<string, PieceReply>, nowSec: number): SafeHtml {
  const tip = p['mempool.tip'];
  const fees = p['mempool.fees']?.data as Record<string, number> | null;
  const adj = p['mempool.difficulty']?.data as Record<string, number> | null;
  const hr = p['mempool.hashrate']?.data as { currentHashrateHs: number } | null;
  const height = typeof tip?.data === 'number' ? tip.data : null;
  const halving = height === null ? null : nextHalving(height, nowSec);
  return card(
    { id: 'network', title: 'Public network', fresh: pieceFresh(v, tip, 'public-mempool'), wide: true },
    height === null
      ? pieceMissing(tip, 'no public data yet')
      : stats([
          ['Tip', bound(v, 'public-mempool.tip', height, 'int')],
          ['Next block fee', bound(v, 'public-mempool.fees.fastestSatVb', fees?.fastestSatVb ?? null, 'satvb')],
          ['1 hour fee', bound(v, 'public-mempool.fees.hourSatVb', fees?.hourSatVb ?? null, 'satvb')],
          ['Economy fee', bound(v, 'public-mempool.fees.economySatVb', fees?.economySatVb ?? null, 'satvb')],
          ['Epoch progress', bound(v, 'public-mempool.difficulty.progressPct', adj?.progressPct ?? null, 'pct')],
          ['Next adjustment', bound(v, 'public-mempool.difficulty.estimatedChangePct', adj?.estimatedChangePct ?? null, 'signedPct')],
          ['Hashrate', bound(v, 'public-mempool.hashrate.currentHashrateHs', hr?.currentHashrateHs ?? null, 'hashrate')],
          ['Halving in', bound(v, null, halving?.blocksLeft ?? null, 'int')],
          ['Supply', bound(v, null, supplySats(height), 'btc')],
        ]),
  );
}

export function overviewPage(ctx: PageContext): RenderedPage {
  const { app, nowMs, r } = ctx;
  const v: View = { fmt: ctx.fmt };
  const k = kpis(r, app);
  const chain = r.get(keys.chain);
  const mempool = r.get(keys.mempool);
  const fees = r.get(keys.fees);
  const statuses = app.nodes.map((n) => r.get(keys.nodeStatus(n.id)));
  const pub = readPieces(r, app, ['mempool.tip', 'mempool.fees', 'mempool.difficulty', 'mempool.hashrate']);
  const reason = app.nodes.length === 0 ? NO_NODE : 'waiting for the first reading from your node';
  const [feesCard, mempoolCard] = mempoolCards(v, mempool, fees, reason, nowMs);
  const body = html`<div class="grid">${marketCard(v, k)}${chainCards(v, chain, reason, nowMs)}${feesCard}${nodeListCard(v, statuses, app.nodes.map((n) => n.id), nowMs)}${mempoolCard}${networkCard(v, pub, Math.floor(nowMs / 1000))}
${card({ id: 'price-chart', title: 'BTC price', wide: true }, chart({ id: 'chart-price', name: 'price', title: 'BTC price', ranges: ['1d', '30d', '90d', '1y'], range: '30d' }))}</div>`;
  return { title: 'Overview', body };
}
