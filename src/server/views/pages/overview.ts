// Overview: what the user has, first. The pulse strip (tip, fees, mempool, next block), the fee
// tiles with what a payment costs, the mempool with its histogram and projected blocks, the chain
// tip, the price: from your node when there is one, else from mempool.space (each card names its
// source). Without a node one setup card says how to add it; with one, the public network stands
// beside it for comparison.
import { TYPICAL_TX_VB, bucketize, tiersFromNode, tiersFromPublic, txFeeSats, type FeeTier } from '../../../domain/fee-tiers.ts';
import type { BlockRecord, ChainSnapshot, FeesSnapshot, MempoolSnapshot, NodeStatus } from '../../../domain/snapshots.ts';
import { nextHalving, supplySats } from '../../../domain/bitcoin.ts';
import { keys } from '../../../store/keys.ts';
import { kpis } from '../../market-data.ts';
import { recentBlocksLoader } from '../../routes/bitcoin.ts';
import { readPieces, type PieceReply } from '../../routes/public-data.ts';
import { histogramFigure } from '../histogram.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Reader } from '../../../read-model/views.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, chart, freshness, progress, sparkline, STALE_MS, stats, unavailable, type Freshness, type View } from '../widgets.ts';
import { sparkLoader } from '../../routes/charts.ts';

export const NO_NODE = 'No Bitcoin node configured: set BITCOIN_RPC_URL (or BITCOIN_RPC_COOKIE) to see your own node here.';

const nodeFreshness = (snap: { source: string; asOfMs: number } | undefined, r: Reader, reason: string): Freshness =>
  snap ? { source: snap.source, asOfMs: snap.asOfMs, stale: r.after(snap.asOfMs + STALE_MS.node + 1), reason: 'the node has not answered for a minute', staleAfterMs: STALE_MS.node } : { source: null, asOfMs: null, stale: false, reason };

/** The footer of a public card; `live` is its `public-<source>` event, so live updates renew it. */
export const pieceFresh = (v: View, p: PieceReply | undefined, live: string | null = null) => freshness(v, live, pieceFreshness(p));

const pieceFreshness = (p: PieceReply | undefined): Freshness => ({ source: p?.source ?? null, asOfMs: p?.asOf ? Date.parse(p.asOf) : null, stale: p?.stale ?? false, reason: p?.reason });

/** The body of a card whose public piece is missing: the reason, with its detail one click away. */
export const pieceMissing = (p: PieceReply | undefined, fallback = 'no data yet') => unavailable(p?.reason ?? fallback, p?.detail);

interface ProjectedView {
  txCount: number;
  medianFeeRate: number;
  minFeeRate: number;
  maxFeeRate: number;
  vsize: number;
  totalFeeSats: number;
}

export function projectedList(v: View, blocks: readonly ProjectedView[]): SafeHtml {
  return html`<ol class="projected" data-projected>${blocks.slice(0, 6).map(
    (b, i) => html`<li><span class="pb-n">${i === 0 ? 'next block' : `+${i + 1}`}</span><strong>~${bound(v, null, b.medianFeeRate, 'satvb')}</strong>
<span class="pb-span">${feeSpan(v, b.minFeeRate, b.maxFeeRate)}</span>
<progress max="1000000" value="${Math.min(1_000_000, b.vsize)}" aria-label="fullness"></progress><small>${bound(v, null, b.txCount, 'int')} tx · ${bound(v, null, b.totalFeeSats, 'btc')}</small></li>`,
  )}</ol>`;
}

/** The mempool as the page shows it, from your node or from mempool.space. */
interface MempoolView {
  txCount: number | null;
  vsize: number | null;
  totalFeeSats: number | null;
  usageBytes: number | null;
  histogram: { feeRate: number; vsize: number }[];
  projected: ProjectedView[];
  fresh: Freshness;
  /** SSE type that redraws the histogram and the projected blocks, and the path prefix of its values. */
  live: 'mempool' | 'public-mempool';
  prefix: string;
}

function nodeMempool(m: MempoolSnapshot, fresh: Freshness): MempoolView {
  return { txCount: m.txCount, vsize: m.vsize, totalFeeSats: m.totalFeeSats, usageBytes: m.usageBytes, histogram: m.histogram, projected: m.projectedBlocks, fresh, live: 'mempool', prefix: 'mempool.' };
}

type PublicMempool = { txCount: number; vsize: number; totalFeeSats: number; histogram: { feeRate: number; vsize: number }[] };
type PublicProjected = { txCount: number; vsize: number; totalFeeSats: number; medianFeeRate: number; feeRange: number[] }[];

function publicMempool(p: PieceReply, projected: PieceReply | undefined): MempoolView | undefined {
  const m = p.data as PublicMempool | null;
  if (!m) return undefined;
  const blocks = ((projected?.data as PublicProjected | null) ?? []).map((b) => ({ ...b, minFeeRate: b.feeRange[0] ?? b.medianFeeRate, maxFeeRate: b.feeRange.at(-1) ?? b.medianFeeRate }));
  return { txCount: m.txCount, vsize: m.vsize, totalFeeSats: m.totalFeeSats, usageBytes: null, histogram: bucketize(m.histogram), projected: blocks, fresh: pieceFreshness(p), live: 'public-mempool', prefix: 'public-mempool.mempool.' };
}

function feeTiles(v: View, tiers: readonly FeeTier[], priceUsd: number | null, spark: SafeHtml): SafeHtml {
  return html`${spark}<ul class="fee-tiles">${tiers.map(
    (t) => html`<li class="fee-tile tier-${t.id}"><span class="tier">${t.label}</span>${
      t.satVb === null
        ? html`<span class="rate none" title="${t.note ?? 'no estimate'}">no estimate yet</span>`
        : html`<span class="rate">${bound(v, t.live || null, t.satVb, 'satvb')}</span>
${TYPICAL_TX_VB.map((tx) => html`<span class="cost" data-cost-vb="${tx.vbytes}" title="${tx.label}, ${tx.vbytes} vB">${bound(v, null, priceUsd !== null ? (txFeeSats(t.satVb as number, tx.vbytes) / 1e8) * priceUsd : null, 'fiat')} <small>${tx.vbytes} vB</small></span>`)}`
    }
<small class="aim">${t.aim}${t.fromMempool ? html` · <span class="from-mempool" title="${t.note ?? ''}">from your mempool</span>` : ''}</small></li>`,
  )}</ul>`;
}

function pulse(v: View, o: { height: number | null; heightLive: string | null; tipTimeSec: number | null; tipLive?: string; tiers: FeeTier[]; mempool: MempoolView | undefined; source: string }): SafeHtml {
  // The fastest tier that has a rate, and the slowest (a node without estimates still has its mempool minimum).
  const byPriority = ['high', 'medium', 'low', 'none'].map((id) => o.tiers.find((t) => t.id === id)).filter((t): t is FeeTier => t?.satVb !== null && t !== undefined);
  const high = byPriority[0];
  const low = byPriority.length > 1 ? byPriority.at(-1) : undefined;
  const next = o.mempool?.projected[0];
  return html`<section class="pulse" aria-label="Bitcoin right now (${o.source})">
<a class="pulse-item" href="#tip"><span class="pl">Block height</span><strong>${bound(v, o.heightLive, o.height, 'int')}</strong><small>${o.tipTimeSec === null ? o.source : bound(v, o.tipLive ?? null, o.tipTimeSec, 'ago')}</small></a>
<a class="pulse-item" href="#fees"><span class="pl">Fees${high ? ` (${high.label.toLowerCase()})` : ''}</span><strong>${bound(v, high?.live || null, high?.satVb ?? null, 'satvb')}</strong><small>${low ? html`${low.label.toLowerCase()} ${bound(v, low.live || null, low.satVb, 'satvb')}` : high ? 'the only rate so far' : 'no estimate yet'}</small></a>
<a class="pulse-item" href="#mempool"><span class="pl">Mempool</span><strong>${bound(v, o.mempool ? `${o.mempool.prefix}txCount` : null, o.mempool?.txCount ?? null, 'int')} tx</strong><small>${bound(v, o.mempool ? `${o.mempool.prefix}vsize` : null, o.mempool?.vsize ?? null, 'vbytes')}</small></a>
<a class="pulse-item" href="#mempool"><span class="pl">Next block</span><strong>${next ? html`~${bound(v, null, next.medianFeeRate, 'satvb')}` : '—'}</strong><small>${next ? feeSpan(v, next.minFeeRate, next.maxFeeRate) : 'no projection yet'}</small></a>
</section>`;
}

/** "0.22 – 0.36 sat/vB": a fee span with its unit once. */
export function feeSpan(v: View, min: number, max: number): SafeHtml {
  return html`${bound(v, null, min, 'dec')} – ${bound(v, null, max, 'dec')} sat/vB`;
}

/** A mined block as the strip shows it. */
export interface MinedView {
  height: number;
  hash: string;
  timeSec: number;
  txCount: number;
  weight: number;
  medianFeeRate: number | null;
  minFeeRate: number | null;
  maxFeeRate: number | null;
  /** Links to its detail page (blocks your node reported; Satscope keeps no public block history). */
  link: boolean;
}

export const MAX_BLOCK_WEIGHT = 4_000_000;

export function minedFromNode(b: BlockRecord): MinedView {
  const p = b.feeRatePercentiles;
  return { height: b.height, hash: b.hash, timeSec: b.timeSec, txCount: b.txCount, weight: b.weight, medianFeeRate: p?.[2] ?? null, minFeeRate: p?.[0] ?? null, maxFeeRate: p?.[4] ?? null, link: true };
}

type PublicBlock = { hash: string; height: number; timeSec: number; txCount: number; weight: number; medianFeeRate: number };

export function minedTile(v: View, b: MinedView): SafeHtml {
  const inner = html`<span class="bs-h">${bound(v, null, b.height, 'int')}</span><strong>${b.medianFeeRate === null ? html`<span class="muted">${b.txCount <= 1 ? 'coinbase only' : 'no fee data'}</span>` : html`~${bound(v, null, b.medianFeeRate, 'satvb')}`}</strong>
<span class="bs-span">${b.minFeeRate !== null && b.maxFeeRate !== null ? feeSpan(v, b.minFeeRate, b.maxFeeRate) : html`&nbsp;`}</span>
<progress max="${MAX_BLOCK_WEIGHT}" value="${Math.min(MAX_BLOCK_WEIGHT, b.weight)}" aria-label="fullness"></progress><small>${bound(v, null, b.txCount, 'int')} tx · ${bound(v, null, b.timeSec, 'ago')}</small>`;
  return html`<li class="bs-mined" data-hash="${b.hash}">${b.link ? html`<a href="/blocks/${b.hash}">${inner}</a>` : html`<div>${inner}</div>`}</li>`;
}

/** mempool.space's strip: the blocks the mempool would make (right to left, the next one nearest) and the last mined ones. */
function blocksStrip(v: View, projected: readonly ProjectedView[], mined: readonly MinedView[], source: string): SafeHtml {
  const next = projected.slice(0, 4).reverse();
  return html`<section class="strip" aria-label="Next and recent blocks (${source})"><ol class="bs-projected" data-strip-projected>${next.map(
    (b, i) => html`<li class="bs-next"><span class="bs-h">${next.length - i === 1 ? 'next' : `+${next.length - i}`}</span><strong>~${bound(v, null, b.medianFeeRate, 'satvb')}</strong>
<span class="bs-span">${feeSpan(v, b.minFeeRate, b.maxFeeRate)}</span>
<progress max="1000000" value="${Math.min(1_000_000, b.vsize)}" aria-label="fullness"></progress><small>${bound(v, null, b.txCount, 'int')} tx</small></li>`,
  )}</ol><span class="bs-now" aria-hidden="true"></span><ol class="bs-recent" data-strip-mined>${mined.slice(0, 6).map((b) => minedTile(v, b))}</ol></section>`;
}

function marketCard(v: View, k: PieceReply, spark: SafeHtml, span2 = false): SafeHtml {
  const d = k.data as Record<string, number | null> | null;
  return card(
    { id: 'price', title: 'Bitcoin price', fresh: pieceFresh(v, k), span2 },
    d
      ? html`<p class="big">${bound(v, 'price.usd', d.priceUsd, 'fiat')}</p>${spark}${stats([
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

function mempoolCard(v: View, m: MempoolView | undefined, reason: string, fresh: Freshness, spark: SafeHtml): SafeHtml {
  return card(
    { id: 'mempool', title: 'Mempool', fresh: freshness(v, m?.live ?? null, m?.fresh ?? fresh), wide: true },
    m
      ? html`${stats([
          ['Transactions', bound(v, `${m.prefix}txCount`, m.txCount, 'int')],
          ['Virtual size', bound(v, `${m.prefix}vsize`, m.vsize, 'vbytes')],
          ['Fees waiting', bound(v, `${m.prefix}totalFeeSats`, m.totalFeeSats, 'btc')],
          ...(m.usageBytes === null ? [] : ([['Node memory', bound(v, 'mempool.usageBytes', m.usageBytes, 'bytes')]] as [string, SafeHtml][])),
        ])}${spark}${histogramFigure(m.histogram, v.fmt, m.live)}<h3>Projected blocks</h3>${m.projected.length ? projectedList(v, m.projected) : html`<p class="hint" data-projected-empty>Nothing waiting: the next block takes whatever arrives.</p>`}`
      : unavailable(reason),
  );
}

function nodeChainCards(v: View, chain: ChainSnapshot, fresh: () => SafeHtml, spark: SafeHtml): SafeHtml[] {
  return [
    card(
      { id: 'tip', title: 'Chain tip', fresh: fresh() },
      html`<p class="big">${bound(v, 'chain.height', chain.height, 'int')}</p>${stats([
        ['Block age', bound(v, 'chain.tipTimeSec', chain.tipTimeSec, 'ago')],
        ['Difficulty', bound(v, 'chain.difficulty', chain.difficulty, 'difficulty')],
        ['Hashrate', bound(v, 'chain.hashrateHs', chain.hashrateHs, 'hashrate')],
        ['Supply', bound(v, 'chain.supplySats', chain.supplySats, 'btc')],
        ['Share of 21M mined', bound(v, 'chain.supplyPctOf21M', chain.supplyPctOf21M, 'pct')],
      ])}${spark}`,
    ),
    card(
      { id: 'retarget', title: 'Difficulty adjustment', fresh: fresh() },
      chain.retarget
        ? html`${progress(v, 'chain.retarget.progressPct', chain.retarget.progressPct, 'epoch progress')}${stats([
            ['Blocks left', bound(v, 'chain.retarget.blocksLeft', chain.retarget.blocksLeft, 'int')],
            ['Estimated change', bound(v, 'chain.retarget.estimatedChangePct', chain.retarget.estimatedChangePct, 'signedPct')],
            ['Expected', bound(v, 'chain.retarget.estimatedAtSec', chain.retarget.estimatedAtSec, 'until')],
          ])}`
        : unavailable(`${chain.chain} does not retarget difficulty`),
    ),
    card(
      { id: 'halving', title: 'Halving', fresh: fresh() },
      stats([
        ['Next at', bound(v, 'chain.halving.nextHeight', chain.halving.nextHeight, 'int')],
        ['Blocks left', bound(v, 'chain.halving.blocksLeft', chain.halving.blocksLeft, 'int')],
        ['Expected', bound(v, 'chain.halving.estimatedAtSec', chain.halving.estimatedAtSec, 'until')],
        ['Subsidy now', bound(v, 'chain.halving.subsidyNowSats', chain.halving.subsidyNowSats, 'btc')],
      ]),
    ),
  ];
}

/** The tip, adjustment and halving from mempool.space, when there is no node. */
function publicChainCards(v: View, p: Record<string, PieceReply>, spark: SafeHtml): SafeHtml[] {
  const tip = p['mempool.tip'];
  const height = typeof tip?.data === 'number' ? tip.data : null;
  // The halving estimate counts from the tip's own time (blocks left × 10 min).
  const nowSec = Math.floor((Date.parse(tip?.asOf ?? '') || 0) / 1000);
  const adj = p['mempool.difficulty']?.data as Record<string, number> | null;
  const hr = p['mempool.hashrate']?.data as { currentHashrateHs: number; currentDifficulty?: number } | null;
  const halving = height === null ? null : nextHalving(height, nowSec);
  const fresh = () => pieceFresh(v, tip, 'public-mempool');
  if (height === null) return [card({ id: 'tip', title: 'Chain tip', fresh: fresh() }, pieceMissing(tip, 'no public data yet'))];
  return [
    card(
      { id: 'tip', title: 'Chain tip', fresh: fresh() },
      html`<p class="big">${bound(v, 'public-mempool.tip', height, 'int')}</p>${stats([
        ['Hashrate', bound(v, 'public-mempool.hashrate.currentHashrateHs', hr?.currentHashrateHs ?? null, 'hashrate')],
        ['Supply', bound(v, null, supplySats(height), 'btc')],
      ])}${spark}`,
    ),
    card(
      { id: 'retarget', title: 'Difficulty adjustment', fresh: pieceFresh(v, p['mempool.difficulty'], 'public-mempool') },
      adj
        ? html`${progress(v, 'public-mempool.difficulty.progressPct', adj.progressPct ?? null, 'epoch progress')}${stats([
            ['Blocks left', bound(v, 'public-mempool.difficulty.remainingBlocks', adj.remainingBlocks ?? null, 'int')],
            ['Estimated change', bound(v, 'public-mempool.difficulty.estimatedChangePct', adj.estimatedChangePct ?? null, 'signedPct')],
            ['Expected', bound(v, 'public-mempool.difficulty.estimatedAtSec', adj.estimatedAtSec ?? null, 'until')],
          ])}`
        : pieceMissing(p['mempool.difficulty']),
    ),
    card(
      { id: 'halving', title: 'Halving', fresh: fresh() },
      stats([
        ['Next at', bound(v, null, halving?.nextHeight ?? null, 'int')],
        ['Blocks left', bound(v, null, halving?.blocksLeft ?? null, 'int')],
        ['Expected', bound(v, null, halving?.estimatedAtSec ?? null, 'until')],
        ['Subsidy now', bound(v, null, halving?.subsidyNowSats ?? null, 'btc')],
      ]),
    ),
  ];
}

function nodeListCard(v: View, statuses: readonly (NodeStatus | undefined)[], ids: readonly string[], r: Reader): SafeHtml {
  const checked = Math.max(0, ...statuses.map((s) => s?.checkedAtMs ?? 0));
  const fresh = checked ? freshness(v, 'nodes', { source: 'node-status', asOfMs: checked, stale: r.after(checked + STALE_MS.node + 1), staleAfterMs: STALE_MS.node, reason: 'node status has not been checked for a minute' }) : freshness(v, 'nodes', { source: null, asOfMs: null, stale: false, reason: 'not checked yet' });
  const body = html`<ul class="node-list" data-node-list>${ids.map((id, i) => {
    const s = statuses[i];
    const height = s?.height ?? null;
    return html`<li data-node="${id}"><span class="state state-${s?.state ?? 'pending'}">${s?.state ?? 'pending'}</span> <strong>${id}</strong>${height === null ? '' : html` at ${bound(v, null, height, 'int')}`} <small>${s?.message ?? ''}</small></li>`;
  })}</ul>`;
  return card({ id: 'nodes', title: 'Your nodes', fresh }, body);
}

/** mempool.space beside your node, for comparison (only shown when you have a node). */
function networkCard(v: View, p: Record<string, PieceReply>): SafeHtml {
  const tip = p['mempool.tip'];
  const nowSec = Math.floor((Date.parse(tip?.asOf ?? '') || 0) / 1000);
  const fees = p['mempool.fees']?.data as Record<string, number> | null;
  const adj = p['mempool.difficulty']?.data as Record<string, number> | null;
  const hr = p['mempool.hashrate']?.data as { currentHashrateHs: number } | null;
  const height = typeof tip?.data === 'number' ? tip.data : null;
  const halving = height === null ? null : nextHalving(height, nowSec);
  return card(
    { id: 'network', title: 'Public network', fresh: pieceFresh(v, tip, 'public-mempool'), span2: true },
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
          ['Halving in (blocks)', bound(v, null, halving?.blocksLeft ?? null, 'int')],
        ]),
  );
}

function setupCard(): SafeHtml {
  return html`<section class="card wide setup" id="setup" aria-labelledby="setup-h" data-dismissable="setup"><h2 id="setup-h">Add your own node</h2>
<p>The figures above come from mempool.space. Point Satscope at your Bitcoin Core node to see your own chain, mempool and fees, verified by you:</p>
<pre><code>BITCOIN_RPC_URL=http://user:password@127.0.0.1:8332 npm start</code></pre>
<p class="hint">Or <code>BITCOIN_RPC_COOKIE=~/.bitcoin/.cookie</code>. An Electrum server: <code>ELECTRUM_URL=tcp://host:50001</code>. More in the README.</p>
<button type="button" data-dismiss>Hide this</button></section>`;
}

export function overviewPage(ctx: PageContext): RenderedPage {
  const { app, r } = ctx;
  const v: View = { fmt: ctx.fmt };
  const k = kpis(r, app, { ages: false });
  const priceUsd = (k.data as { priceUsd?: number | null } | null)?.priceUsd ?? null;
  const pub = readPieces(r, app, ['mempool.tip', 'mempool.fees', 'mempool.difficulty', 'mempool.hashrate', 'mempool.mempool', 'mempool.projected', 'mempool.blocks'], { ages: false });
  const hasNode = app.nodes.length > 0;
  const sparks = {
    price: sparkline(v, r.load(sparkLoader(app, 'price', '7d')), { span: '7 d', kind: 'fiat', label: 'BTC price' }),
    mempool: sparkline(v, r.load(sparkLoader(app, 'mempool', '1d')), { span: '24 h', kind: 'int', label: 'Transactions waiting' }),
    hashrate: sparkline(v, r.load(sparkLoader(app, 'hashrate', '30d')), { span: '30 d', kind: 'hashrate', label: 'Hashrate' }),
    fees: sparkline(v, r.load(sparkLoader(app, 'fees', '1d')), { span: '24 h', kind: 'satvb', label: hasNode ? 'Next-block median fee' : 'Next-block fee' }),
  };
  const chartCard = card({ id: 'price-chart', title: 'Price history', wide: true }, chart({ id: 'chart-price', name: 'price', title: 'BTC price', ranges: ['1d', '30d', '90d', '1y'], range: '30d' }));

  if (!hasNode) {
    const tiers = tiersFromPublic(pub['mempool.fees']?.data as Parameters<typeof tiersFromPublic>[0]);
    const mempool = pub['mempool.mempool'] ? publicMempool(pub['mempool.mempool'], pub['mempool.projected']) : undefined;
    const tip = pub['mempool.tip'];
    const fees = card({ id: 'fees', title: 'Transaction fees', wide: true, fresh: pieceFresh(v, pub['mempool.fees'], 'public-mempool') }, pub['mempool.fees']?.data ? feeTiles(v, tiers, priceUsd, sparks.fees) : pieceMissing(pub['mempool.fees']));
    const mined = ((pub['mempool.blocks']?.data as PublicBlock[] | null) ?? []).map((b) => ({ ...b, minFeeRate: null, maxFeeRate: null, link: false }));
    const body = html`${pulse(v, { height: typeof tip?.data === 'number' ? tip.data : null, heightLive: 'public-mempool.tip', tipTimeSec: null, tiers, mempool, source: 'mempool.space' })}
${blocksStrip(v, mempool?.projected ?? [], mined, 'mempool.space')}
<div class="grid">${fees}${mempoolCard(v, mempool, pub['mempool.mempool']?.reason ?? 'no public mempool data yet', pieceFreshness(pub['mempool.mempool']), sparks.mempool)}${publicChainCards(v, pub, sparks.hashrate)}${marketCard(v, k, sparks.price)}${setupCard()}
${chartCard}</div>`;
    return { title: 'Overview', body };
  }

  const chain = r.get(keys.chain);
  const mempoolSnap = r.get(keys.mempool);
  const feesSnap: FeesSnapshot | undefined = r.get(keys.fees);
  const statuses = app.nodes.map((n) => r.get(keys.nodeStatus(n.id)));
  const reason = 'waiting for the first reading from your node';
  const tiers = tiersFromNode(feesSnap?.estimates ?? [], feesSnap?.mempoolMinSatVb ?? null, mempoolSnap?.projectedBlocks);
  const mempool = mempoolSnap ? nodeMempool(mempoolSnap, nodeFreshness(mempoolSnap, r, reason)) : undefined;
  const chainFresh = () => freshness(v, 'chain', nodeFreshness(chain, r, reason));
  const fees = card({ id: 'fees', title: 'Transaction fees', wide: true, fresh: freshness(v, 'fees', nodeFreshness(feesSnap, r, reason)) }, feesSnap ? feeTiles(v, tiers, priceUsd, sparks.fees) : unavailable(reason));
  const recent = (r.load(recentBlocksLoader(app, 6, false)) ?? []).map(minedFromNode);
  const body = html`${pulse(v, { height: chain?.height ?? null, heightLive: 'chain.height', tipTimeSec: chain?.tipTimeSec ?? null, tipLive: 'chain.tipTimeSec', tiers, mempool, source: chain?.source ?? 'your node' })}
${blocksStrip(v, mempool?.projected ?? [], recent, chain?.source ?? 'your node')}
<div class="grid">${fees}${mempoolCard(v, mempool, reason, nodeFreshness(mempoolSnap, r, reason), sparks.mempool)}${chain ? nodeChainCards(v, chain, chainFresh, sparks.hashrate) : card({ id: 'tip', title: 'Chain tip', fresh: chainFresh() }, unavailable(reason))}${nodeListCard(v, statuses, app.nodes.map((n) => n.id), r)}${marketCard(v, k, sparks.price, true)}${networkCard(v, pub)}
${chartCard}</div>`;
  return { title: 'Overview', body };
}
