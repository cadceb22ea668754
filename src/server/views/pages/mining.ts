// Mining (OCEAN): your hashrate first (the headline window, the others beside it, a 24 h chart),
// then earnings and payouts, profitability with every input one click away, the pool and the
// blocks it found with your share of each. Live over the `mining` event; without an address the
// page says how to set one, and an address OCEAN does not know is said plainly.
import { miningReply, type MiningData } from '../../mining-data.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, chart, freshness, stats, unavailable, type Freshness, type View } from '../widgets.ts';

const WINDOWS: [string, string][] = [
  ['60', '60 s'],
  ['600', '10 min'],
  ['10800', '3 h'],
  ['86400', '24 h'],
];

function hashrateCard(v: View, d: MiningData, fresh: SafeHtml): SafeHtml {
  const h = d.hashrate.headline;
  const label = h.windowSec === 60 ? '60 s average' : '3 h average';
  return card(
    { id: 'hashrate', title: 'Your hashrate', wide: true, fresh },
    html`<div class="kpi-head"><p class="big">${bound(v, `mining.windowsHs.${h.windowSec}`, h.hashrateHs, 'hashrate')}</p><p class="hint">${label}${h.lowHashrateMode ? html` · low-hashrate mode: below ${d.hashrate.lowHashrateThs} TH/s the 3-hour figure leads (the 60 s one jumps around)` : ''}</p></div>
${stats(
  WINDOWS.filter(([w]) => d.hashrate.windowsHs[w] !== undefined).map(([w, name]): [string, SafeHtml] => [name, bound(v, `mining.windowsHs.${w}`, d.hashrate.windowsHs[w] ?? null, 'hashrate')]),
)}
${chart({ id: 'chart-mining', name: 'mining', title: 'Hashrate', ranges: ['1d', '7d', '30d'], range: '1d' })}`,
  );
}

function earningsCard(v: View, d: MiningData, fresh: SafeHtml): SafeHtml {
  const e = d.earnings;
  const price = d.profitability?.inputs.priceUsd ?? null;
  return card(
    { id: 'earnings', title: 'Earnings', fresh },
    html`<p class="big">${bound(v, 'mining.unpaidSats', e.unpaidSats, 'sats')}</p><p class="hint">unpaid · ${bound(v, null, e.unpaidSats === null || price === null ? null : (e.unpaidSats / 1e8) * price, 'fiat')}</p>${stats([
      ['Next block (est.)', bound(v, 'mining.estimatedEarnNextBlockSats', e.nextBlockSats, 'sats')],
      ['Per day (est.)', bound(v, 'miningview.earnings.perDaySats', e.perDaySats, 'sats')],
      ['Payout at next block', bound(v, 'mining.estimatedPayoutNextBlockSats', e.payoutNextBlockSats, 'sats')],
      ['Payout threshold', bound(v, null, e.payoutThresholdSats, 'sats')],
      ['Next payout', e.daysToPayout === null ? html`<span class="why">no earnings to project</span>` : e.daysToPayout === 0 ? html`at the next block` : html`in ${bound(v, null, e.daysToPayout * 86_400, 'duration')}`],
      ...(e.onChain
        ? ([['On chain (your Electrum server)', html`${bound(v, null, e.onChain.confirmedSats, 'sats')}${e.onChain.unconfirmedSats ? html`<br><small>+ ${bound(v, null, e.onChain.unconfirmedSats, 'sats')} unconfirmed</small>` : ''}`]] as [string, SafeHtml][])
        : []),
    ])}`,
  );
}

function payoutsCard(v: View, d: MiningData): SafeHtml {
  return card(
    { id: 'payouts', title: 'Payouts', span2: true },
    d.payouts.length
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Payouts"><table class="stacking"><thead><tr><th scope="col">When <small>(${d.settings.timezone})</small></th><th scope="col">Amount</th><th scope="col">How</th></tr></thead><tbody>${d.payouts.slice(0, 12).map(
          (p) => html`<tr><th scope="row">${bound(v, null, p.timeSec, 'datetime')}</th><td data-label="Amount">${bound(v, null, p.paidSats, 'sats')}</td><td data-label="How">${p.lightning ? 'Lightning' : html`<code class="short" title="${p.txid ?? ''}">${(p.txid ?? '').slice(0, 10)}…</code>`}</td></tr>`,
        )}</tbody></table></div><p><a class="csv" href="/api/v1/mining/payouts?format=csv" download>All payouts as CSV</a></p>`
      : unavailable('No payouts in the last 60 days.'),
  );
}

function profitCard(v: View, d: MiningData): SafeHtml {
  const p = d.profitability;
  if (!p) return card({ id: 'profit', title: 'Profitability' }, unavailable(d.profitabilityReason ?? 'not enough data yet'));
  const i = p.inputs;
  const win = p.sources.hashrateWindowSec === 86400 ? '24 h' : p.sources.hashrateWindowSec === 10800 ? '3 h' : '60 s';
  const power = i.powerWatts > 0;
  return card(
    { id: 'profit', title: 'Profitability', span2: true },
    html`${stats([
      ['Revenue a day', html`${bound(v, 'miningview.profitability.revenueSatsPerDay', p.revenueSatsPerDay, 'sats')}<br><small>${bound(v, 'miningview.profitability.revenueUsdPerDay', p.revenueUsdPerDay, 'fiat')}</small>`],
      [
        'Power a day',
        !power
          ? html`<span class="why" title="set your power use and price on the Settings page">not set</span>`
          : d.power.priceKwhUsd === null
            ? html`<span class="why">${d.power.reason ?? 'no price to convert'}</span><br><small>${bound(v, null, p.powerKwhPerDay, 'dec')} kWh</small>`
            : html`${bound(v, 'miningview.profitability.powerCostUsdPerDay', p.powerCostUsdPerDay, 'fiat')}<br><small>${bound(v, null, p.powerKwhPerDay, 'dec')} kWh</small>`,
      ],
      ['Profit a day', html`<span class="${(p.profitUsdPerDay ?? 0) < 0 ? 'neg' : 'pos'}">${bound(v, 'miningview.profitability.profitUsdPerDay', p.profitUsdPerDay, 'fiat')}</span>`],
      ['Profit a month', html`<span class="${(p.profitUsdPerMonth ?? 0) < 0 ? 'neg' : 'pos'}">${bound(v, 'miningview.profitability.profitUsdPerMonth', p.profitUsdPerMonth, 'fiat')}</span>`],
      ['Break-even power', power ? html`${bound(v, 'miningview.profitability.breakEvenUsdPerKwh', p.breakEvenUsdPerKwh, 'fiat')} <small>/ kWh</small>` : html`<span class="why">set your power use</span>`],
      ['Hashprice', html`${bound(v, 'miningview.profitability.hashpriceSatsPerThDay', p.hashpriceSatsPerThDay, 'dec')} <small>sats / TH / day</small><br><small>${bound(v, 'miningview.profitability.hashpriceUsdPerThDay', p.hashpriceUsdPerThDay, 'fiat')}</small>`],
      ['Your share of the network', bound(v, null, i.shareOfNetwork * 100, 'pct')],
    ])}
<details class="inputs"><summary>How these are worked out</summary><p>Revenue = your hashrate (${win} average, ${bound(v, null, i.hashrateHs, 'hashrate')}) ÷ the network's (${bound(v, null, i.networkHashrateHs, 'hashrate')}, ${p.sources.network}) × (the subsidy at height ${bound(v, null, i.height, 'int')}, ${bound(v, null, i.subsidySats, 'btc')}, + average fees of ${bound(v, null, i.avgFeesPerBlockSats, 'btc')} a block, ${p.sources.fees}) × 144 blocks a day × (1 − the pool fee of ${bound(v, null, i.poolFeePct, 'dec')} %). Power = ${bound(v, null, i.powerWatts, 'int')} W × 24 h × ${d.power.priceKwhUsd === null ? html`${d.power.priceKwh} ${d.power.currency} (${d.power.reason ?? 'not converted'})` : html`${bound(v, null, i.powerPriceKwhUsd, 'fiat')}${d.power.currency === 'USD' ? '' : html` (${d.power.priceKwh} ${d.power.currency})`}`} a kWh. Prices: ${p.sources.price ?? 'no price yet'}. Hashprice is the revenue of 1 TH/s before the pool fee.</p></details>`,
  );
}

function poolCard(v: View, d: MiningData): SafeHtml {
  const p = d.pool;
  return card(
    { id: 'pool', title: 'OCEAN pool', span2: true },
    p
      ? stats([
          ['Pool hashrate', bound(v, null, p.hashrate300sHs ?? p.hashrate60sHs, 'hashrate')],
          ['Miners', bound(v, null, p.activeUsers, 'int')],
          ['Workers', bound(v, null, p.activeWorkers, 'int')],
          ['Block reward now', bound(v, null, p.estimatedBlockRewardSats, 'btc')],
          ['Your shares in TIDES', bound(v, 'mining.sharesInTides', d.sharesInTides, 'int')],
        ])
      : unavailable('no pool figures yet'),
  );
}

function blocksCard(v: View, d: MiningData): SafeHtml {
  return card(
    { id: 'pool-blocks', title: 'Blocks found by OCEAN', wide: true },
    d.blocks.length
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Blocks found by the pool"><table class="stacking" data-pool-blocks="${d.blocks[0]?.hash ?? ''}"><thead><tr><th scope="col">Height</th><th scope="col">Found</th><th scope="col">Reward</th><th scope="col">Fees</th><th scope="col">Found by</th><th scope="col">You earned</th><th scope="col">Your share</th></tr></thead><tbody>${d.blocks.slice(0, 15).map(
          (b) => html`<tr><th scope="row">${bound(v, null, b.height, 'int')}</th><td data-label="Found">${bound(v, null, b.timeSec, 'ago')}</td><td data-label="Reward">${bound(v, null, b.rewardSats, 'btc')}</td><td data-label="Fees">${bound(v, null, b.feesSats, 'btc')}</td><td data-label="Found by"><small>${finder(b.finder)}</small></td><td data-label="You earned">${bound(v, null, b.yourEarnedSats, 'sats')}</td><td data-label="Your share">${bound(v, null, b.yourSharePct, 'pct')}</td></tr>`,
        )}</tbody></table></div>`
      : unavailable('OCEAN listed no blocks'),
  );
}

/** "bc1qcnpu….s21-rack7": the worker, with its address shortened. */
const finder = (f: string | null) => {
  if (!f) return '—';
  const dot = f.lastIndexOf('.');
  const who = dot > 0 ? f.slice(0, dot) : f;
  return `${who.length > 12 ? `${who.slice(0, 8)}…` : who}${dot > 0 ? f.slice(dot) : ''}`;
};

function workersSummary(v: View, d: MiningData): SafeHtml {
  return card(
    { id: 'workers-summary', title: 'Workers' },
    html`<p class="big">${bound(v, 'mining.workersOnline', d.workers.online, 'int')} <small>of ${d.workers.total} online</small></p>${stats([
      ['Stale', bound(v, 'mining.workersStale', d.workers.stale, 'int')],
      ['Offline', bound(v, 'mining.workersOffline', d.workers.offline, 'int')],
    ])}<p><a href="/workers">All workers →</a></p>`,
  );
}

export function miningPage(ctx: PageContext): RenderedPage {
  const v: View = { fmt: ctx.fmt };
  const m = miningReply(ctx.r, ctx.app, { ages: false });
  if (!m.data) {
    const title = m.account === 'disabled' ? 'Set up pool mining' : m.account === 'unknown' ? 'OCEAN knows no worker for this address' : 'Waiting for OCEAN';
    const body = card(
      { id: 'mining-setup', title, wide: true },
      html`${unavailable(m.reason ?? 'no data yet')}${m.account === 'disabled' ? html`<p>Enter your payout address on the <a href="/settings#mining">Settings page</a> (with ADMIN_TOKEN set), or start Satscope with it:</p><pre><code>OCEAN_ADDRESS=bc1q… MINING_POWER_WATTS=3250 MINING_POWER_PRICE_KWH=0.10 npm start</code></pre><p class="hint">Satscope then reads your account from OCEAN's public API every minute: hashrate, workers, earnings, payouts, and what mining earns you after power.</p>` : ''}`,
    );
    return { title: 'Mining', body: html`<div class="grid">${body}</div>` };
  }
  const d = m.data;
  const f: Freshness = { source: `ocean · ${d.address.slice(0, 10)}…`, asOfMs: m.asOf ? Date.parse(m.asOf) : null, stale: m.stale, reason: 'OCEAN has not answered for three minutes', staleAfterMs: 180_000 };
  const fresh = () => freshness(v, 'mining', f);
  const notes = Object.entries(d.notes);
  const body = html`${notes.length ? html`<p class="notice" role="status">OCEAN did not give ${notes.map(([k]) => k).join(', ')} this time; the last figures are shown.</p>` : ''}<div class="block-found" data-block-found hidden role="status"></div>
<div class="grid">${hashrateCard(v, d, fresh())}${earningsCard(v, d, fresh())}${workersSummary(v, d)}${profitCard(v, d)}${payoutsCard(v, d)}${poolCard(v, d)}${blocksCard(v, d)}</div>`;
  return { title: 'Mining', body };
}
