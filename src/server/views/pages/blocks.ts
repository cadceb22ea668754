// Blocks: the recent blocks your node has seen (new ones arrive live, web/blocks.ts), or the public
// list from mempool.space without a node; and one block's detail, with any rival at its height.
import type { BlockRecord } from '../../../domain/snapshots.ts';
import { SatscopeError } from '../../../errors.ts';
import { keys } from '../../../store/keys.ts';
import { blockLoader, blockTxsLoader, MAX_TX_PAGES, recentBlocksLoader, TX_PAGE_SIZE, txPageOf } from '../../routes/bitcoin.ts';
import type { BlockTx } from '../../../sources/bitcoind/node.ts';
import { describeError } from '../../../errors.ts';
import { readPieces } from '../../routes/public-data.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, freshness, stats, unavailable, type View } from '../widgets.ts';
import { NO_NODE, pieceFresh } from './overview.ts';

export const BLOCK_COLUMNS = ['Height', 'Age', 'Pool', 'Transactions', 'Size', 'Fees', 'Median fee', 'Interval'] as const;

export function blockRow(v: View, b: Pick<BlockRecord, 'hash' | 'height' | 'timeSec' | 'pool' | 'txCount' | 'sizeBytes' | 'totalFeeSats' | 'intervalSec'> & { medianFeeRate?: number | null }, link: boolean): SafeHtml {
  // Each cell names its column (data-label): on phones the rows stack and show the names.
  const [, age, pool, txs, size, fees, median, interval] = BLOCK_COLUMNS;
  return html`<tr data-hash="${b.hash}"><th scope="row">${link ? html`<a href="/blocks/${b.hash}">${bound(v, null, b.height, 'int')}</a>` : bound(v, null, b.height, 'int')}</th>
<td data-label="${age}">${bound(v, null, b.timeSec, 'ago')}</td><td data-label="${pool}">${b.pool ?? '—'}</td><td data-label="${txs}">${bound(v, null, b.txCount, 'int')}</td><td data-label="${size}">${bound(v, null, b.sizeBytes, 'bytes')}</td>
<td data-label="${fees}">${bound(v, null, b.totalFeeSats, 'btc')}</td><td data-label="${median}">${bound(v, null, b.medianFeeRate ?? null, 'satvb')}</td><td data-label="${interval}">${bound(v, null, b.intervalSec, 'duration')}</td></tr>`;
}

function table(rows: SafeHtml[], live: boolean): SafeHtml {
  return html`<div class="table-wrap stack-narrow" tabindex="0" role="region" aria-label="Recent blocks"><table class="blocks stacking"${live ? html` data-live-blocks` : ''}><thead><tr>${BLOCK_COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

const median = (b: BlockRecord) => b.feeRatePercentiles?.[2] ?? null;

export function blocksPage(ctx: PageContext): RenderedPage {
  const { app, r } = ctx;
  const v: View = { fmt: ctx.fmt };
  if (app.nodes.length > 0) {
    const blocks = r.load(recentBlocksLoader(app, 25, false)) ?? [];
    const newest = blocks[0];
    const fresh = freshness(v, 'block', newest ? { source: newest.source, asOfMs: newest.timeSec * 1000, stale: false } : { source: null, asOfMs: null, stale: false, reason: 'no block loaded yet' });
    return {
      title: 'Blocks',
      body: card({ id: 'recent', title: 'Recent blocks (your node)', wide: true, fresh }, blocks.length ? table(blocks.map((b) => blockRow(v, { ...b, medianFeeRate: median(b) }, true)), true) : html`${unavailable('no block loaded yet')}${table([], true)}`),
    };
  }
  const pub = readPieces(r, app, ['mempool.blocks'], { ages: false })['mempool.blocks'];
  const list = (pub?.data as (BlockRecord & { medianFeeRate: number })[] | null) ?? [];
  return {
    title: 'Blocks',
    body: html`${unavailable(NO_NODE)}${card({ id: 'recent', title: 'Recent blocks (mempool.space)', wide: true, fresh: pieceFresh(v, pub) }, list.length ? table(list.map((b) => blockRow(v, { ...b, intervalSec: null }, false)), false) : unavailable(pub?.reason ?? 'no public block list yet', pub?.detail))}`,
  };
}

export function blockPage(ctx: PageContext): RenderedPage {
  const id = ctx.params.id ?? '';
  if (!/^(\d{1,9}|[0-9a-fA-F]{64})$/.test(id)) throw new SatscopeError('BAD_REQUEST', 'A block is named by its height or its 64-character hash.');
  const found = ctx.r.load(blockLoader(ctx.app, id)) ?? [];
  const [b, ...rivals] = found;
  if (!b) throw new SatscopeError('NOT_FOUND', `Block ${id} is not in Satscope's history (it keeps the blocks your node has reported).`);
  const v: View = { fmt: ctx.fmt };
  const pct = b.feeRatePercentiles;
  const tip = ctx.r.get(keys.chain)?.height;
  const atTip = tip !== undefined && b.height >= tip;
  const body = html`<div class="grid">${card(
    { id: 'block', title: b.orphaned ? 'Summary (orphaned block)' : 'Summary', wide: true, fresh: freshness(v, null, { source: b.source, asOfMs: b.timeSec * 1000, stale: false }) },
    html`<p class="hash"><code id="block-hash">${b.hash}</code> <button type="button" class="copy" data-copy="block-hash" aria-label="Copy the block hash">Copy</button></p>${stats([
      ['Mined', bound(v, null, b.timeSec, 'datetime')],
      ['Age', bound(v, null, b.timeSec, 'ago')],
      ['Pool', html`${b.pool ?? 'unknown'}`],
      ['Transactions', bound(v, null, b.txCount, 'int')],
      ['Size', bound(v, null, b.sizeBytes, 'bytes')],
      ['Weight', bound(v, null, b.weight, 'wu')],
      ['Fees', bound(v, null, b.totalFeeSats, 'btc')],
      ['Subsidy', bound(v, null, b.subsidySats, 'btc')],
      ['Reward', bound(v, null, b.rewardSats, 'btc')],
      ['Since previous', bound(v, null, b.intervalSec, 'duration')],
      ['Fee rates p10–p90', pct ? html`${pct.map((p, i) => html`${i ? ' · ' : ''}${bound(v, null, p, 'satvb')}`)}` : html`<span class="why" title="the node does not report per-transaction fees">not reported</span>`],
    ])}
<nav class="pager" aria-label="Neighbouring blocks">${b.height > 0 ? html`<a href="/blocks/${b.height - 1}">← ${b.height - 1}</a>` : html`<span></span>`} ${atTip ? html`<span class="hint">the chain tip</span>` : html`<a href="/blocks/${b.height + 1}">${b.height + 1} →</a>`}</nav>`,
  )}${txCard(ctx, v, b.hash, b.txCount)}${rivals.length ? card({ id: 'rivals', title: 'Other blocks at this height', wide: true }, html`<ul>${rivals.map((r) => html`<li><code>${r.hash}</code>${r.orphaned ? ' (orphaned)' : ''}</li>`)}</ul>`) : ''}</div>`;
  return { title: `Block ${b.height}`, body };
}

const TX_COLUMNS = ['#', 'Transaction', 'Inputs → outputs', 'Output value', 'Size', 'Fee', 'Fee rate'] as const;

function txRow(v: View, t: BlockTx, index: number): SafeHtml {
  const [, , io, value, size, fee, rate] = TX_COLUMNS;
  return html`<tr><th scope="row">${bound(v, null, index, 'int')}</th><td data-label="Transaction"><code class="txid" title="${t.txid}">${t.txid.slice(0, 12)}…${t.txid.slice(-6)}</code> <button type="button" class="copy small" data-copy-text="${t.txid}" aria-label="Copy transaction id ${t.txid}">Copy</button>${t.coinbase ? html` <span class="tag">coinbase</span>` : ''}</td>
<td data-label="${io}">${t.inputs} → ${t.outputs}</td><td data-label="${value}">${bound(v, null, t.outputSats, 'btc')}</td><td data-label="${size}">${bound(v, null, t.vsize, 'vbytes')}</td><td data-label="${fee}">${t.coinbase ? '—' : bound(v, null, t.feeSats, 'sats')}</td><td data-label="${rate}">${t.coinbase ? '—' : bound(v, null, t.feeRate, 'satvb')}</td></tr>`;
}

/** "← 1 · page 2 of 120 · 3 →": links to the neighbouring pages of a block's transactions. */
function txPager(hash: string, page: number, pages: number): SafeHtml {
  const link = (n: number, text: string) => html`<a href="/blocks/${hash}${n > 1 ? `?page=${n}` : ''}">${text}</a>`;
  return html`<nav class="pager" aria-label="Pages of transactions">${page > 1 ? link(page - 1, '← Previous') : html`<span></span>`}<span>page ${page} of ${pages}</span>${page < pages ? link(page + 1, 'Next →') : html`<span></span>`}</nav>`;
}

/** The block's transactions from your node, 25 a page; the rest of the page stands if the node cannot answer. */
function txCard(ctx: PageContext, v: View, hash: string, txCount: number): SafeHtml {
  const title = 'Transactions';
  if (ctx.app.nodes.length === 0) return card({ id: 'txs', title, wide: true }, unavailable(NO_NODE));
  let txs: BlockTx[] | undefined;
  try {
    txs = ctx.r.load(blockTxsLoader(ctx.app, hash));
  } catch (err) {
    return card({ id: 'txs', title, wide: true }, unavailable('Your node did not give this block\'s transactions; it is asked again when you reload the page.', describeError(err)));
  }
  if (!txs) return card({ id: 'txs', title, wide: true }, unavailable('loading the transactions from your node'));
  const pages = Math.max(1, Math.ceil(txs.length / TX_PAGE_SIZE));
  const page = txPageOf(ctx.query);
  const first = (page - 1) * TX_PAGE_SIZE;
  const shown = txs.slice(first, first + TX_PAGE_SIZE);
  const fees = txs.some((t) => !t.coinbase && t.feeSats === null) ? html` This node does not report each transaction's fee (Bitcoin Core does, with its undo data).` : '';
  const body =
    shown.length === 0
      ? html`${unavailable(`There is no ${page > MAX_TX_PAGES ? 'such page' : `page ${page}`}: the block's ${txs.length} transactions fill ${pages} page${pages === 1 ? '' : 's'}.`)}<nav class="pager" aria-label="Pages of transactions"><a href="/blocks/${hash}${pages > 1 ? `?page=${pages}` : ''}">← the last page</a></nav>`
      : html`<p class="hint">${bound(v, null, txCount, 'int')} ${txCount === 1 ? 'transaction' : 'transactions'}${txCount > shown.length ? `, ${first + 1}–${first + shown.length} shown` : ''}.${fees}</p><div class="table-wrap stack-narrow" tabindex="0" role="region" aria-label="Transactions of the block"><table class="txs stacking"><thead><tr>${TX_COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead><tbody>${shown.map((t, i) => txRow(v, t, first + i))}</tbody></table></div>${pages > 1 ? txPager(hash, page, pages) : ''}`;
  return card({ id: 'txs', title, wide: true }, body);
}
