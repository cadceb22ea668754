// Blocks: the recent blocks your node has seen (new ones arrive live, web/blocks.ts), or the public
// list from mempool.space without a node; and one block's detail, with any rival at its height.
import type { BlockRecord } from '../../../domain/snapshots.ts';
import { SatscopeError } from '../../../errors.ts';
import { keys } from '../../../store/keys.ts';
import { blockLoader, recentBlocksLoader } from '../../routes/bitcoin.ts';
import { readPieces } from '../../routes/public-data.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, freshness, stats, unavailable, type View } from '../widgets.ts';
import { NO_NODE, pieceFresh } from './overview.ts';

export const BLOCK_COLUMNS = ['Height', 'Age', 'Pool', 'Transactions', 'Size', 'Fees', 'Median fee', 'Interval'] as const;

export function blockRow(v: View, b: Pick<BlockRecord, 'hash' | 'height' | 'timeSec' | 'pool' | 'txCount' | 'sizeBytes' | 'totalFeeSats' | 'intervalSec'> & { medianFeeRate?: number | null }, link: boolean): SafeHtml {
  return html`<tr data-hash="${b.hash}"><th scope="row">${link ? html`<a href="/blocks/${b.hash}">${bound(v, null, b.height, 'int')}</a>` : bound(v, null, b.height, 'int')}</th>
<td>${bound(v, null, b.timeSec, 'ago')}</td><td>${b.pool ?? '—'}</td><td>${bound(v, null, b.txCount, 'int')}</td><td>${bound(v, null, b.sizeBytes, 'bytes')}</td>
<td>${bound(v, null, b.totalFeeSats, 'btc')}</td><td>${bound(v, null, b.medianFeeRate ?? null, 'satvb')}</td><td>${bound(v, null, b.intervalSec, 'duration')}</td></tr>`;
}

function table(rows: SafeHtml[], live: boolean): SafeHtml {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Recent blocks"><table class="blocks"${live ? html` data-live-blocks` : ''}><thead><tr>${BLOCK_COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
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
      ['Fee rates p10–p90', pct ? html`${pct.map((p, i) => html`${i ? ' · ' : ''}${bound(v, null, p, 'satvb')}`)}` : html`<span class="why">the node does not report per-transaction fees</span>`],
    ])}
<nav class="pager" aria-label="Neighbouring blocks">${b.height > 0 ? html`<a href="/blocks/${b.height - 1}">← ${b.height - 1}</a>` : html`<span></span>`} ${atTip ? html`<span class="hint">the chain tip</span>` : html`<a href="/blocks/${b.height + 1}">${b.height + 1} →</a>`}</nav>`,
  )}${rivals.length ? card({ id: 'rivals', title: 'Other blocks at this height', wide: true }, html`<ul>${rivals.map((r) => html`<li><code>${r.hash}</code>${r.orphaned ? ' (orphaned)' : ''}</li>`)}</ul>`) : ''}</div>`;
  return { title: `Block ${b.height}`, body };
}
