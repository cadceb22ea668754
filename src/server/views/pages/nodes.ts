// Nodes: your nodes side by side with the tip-agreement check, your Electrum server, and the public
// network (reachable nodes, mining pools, Lightning, chain tips).
import { withElectrumLag, type NodeStatus } from '../../../domain/snapshots.ts';
import { ELECTRUM_TARGETS as ELECTRUM_ESTIMATES } from '../../../jobs/electrum.ts';
import { keys } from '../../../store/keys.ts';
import { readPieces } from '../../routes/public-data.ts';
import { tipAgreement } from '../../routes/bitcoin.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, freshness, STALE_MS, stats, unavailable, type View } from '../widgets.ts';
import { NO_NODE, pieceFresh, pieceMissing } from './overview.ts';

const NO_ELECTRUM = 'No Electrum server configured: set ELECTRUM_URL (tcp://host:50001 or ssl://host:50002).';

type NodeRow = [string, (s: NodeStatus) => SafeHtml | string];

function nodeRows(v: View): NodeRow[] {
  return [
    ['State', (s) => html`<span class="state state-${s.state}">${s.state}</span> <small>${s.message ?? ''}</small>`],
    ['Version', (s) => s.subversion ?? s.version ?? '—'],
    ['Chain', (s) => s.chain ?? '—'],
    ['Height', (s) => bound(v, null, s.height, 'int')],
    ['Headers', (s) => bound(v, null, s.headers, 'int')],
    ['Synced', (s) => (s.verificationProgress === null ? '—' : bound(v, null, s.verificationProgress * 100, 'pct'))],
    ['Peers in / out', (s) => (s.peers ? `${s.peers.inbound} / ${s.peers.outbound}` : '—')],
    ['Networks', (s) => s.networks.filter((n) => n.reachable).map((n) => `${n.name} (${n.peers})`).join(', ') || '—'],
    ['Receiving', (s) => (s.recvRateBps === null ? '—' : html`${bound(v, null, s.recvRateBps, 'bytes')}/s`)],
    ['Sending', (s) => (s.sentRateBps === null ? '—' : html`${bound(v, null, s.sentRateBps, 'bytes')}/s`)],
    ['Uptime', (s) => bound(v, null, s.uptimeSec, 'duration')],
    ['Checked', (s) => bound(v, null, s.checkedAtMs / 1000, 'ago')],
    ['Missing methods', (s) => s.missingMethods.join(', ') || 'none'],
    ['Warnings', (s) => s.warnings.join('; ') || 'none'],
  ];
}

/** Several nodes side by side in a table; one node as a grid of figures (a two-column table across the page is mostly empty). */
function nodeTable(v: View, ids: readonly string[], statuses: readonly (NodeStatus | undefined)[]): SafeHtml {
  const rows = nodeRows(v);
  if (ids.length === 1) {
    const s = statuses[0];
    return s ? stats(rows.map(([label, cell]): [string, SafeHtml] => [label, html`${cell(s)}`])) : unavailable(`${ids[0] ?? 'the node'} is not checked yet`);
  }
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Your nodes side by side"><table class="side-by-side"><thead><tr><th scope="col">Node</th>${ids.map((id) => html`<th scope="col">${id}</th>`)}</tr></thead><tbody>
${rows.map(([label, cell]) => html`<tr><th scope="row">${label}</th>${statuses.map((s) => html`<td>${s ? cell(s) : 'not checked yet'}</td>`)}</tr>
`)}</tbody></table></div>`;
}

/** Names with a count each, one line per name (Bitnodes' networks and clients). */
function counts(v: View, items: readonly { name: string; count: number }[]): SafeHtml {
  return html`<ul class="counts">${items.map((i) => html`<li><span>${i.name}</span> ${bound(v, null, i.count, 'int')}</li>`)}</ul>`;
}

export function nodesPage(ctx: PageContext): RenderedPage {
  const { app, r } = ctx;
  const v: View = { fmt: ctx.fmt };
  const ids = app.nodes.map((n) => n.id);
  const statuses = app.nodes.map((n) => r.get(keys.nodeStatus(n.id)));
  const storedElectrum = r.get(keys.electrum);
  const chain = r.get(keys.chain);
  const pub = readPieces(r, app, ['bitnodes.latest', 'mempool.pools', 'mempool.lightning', 'forkmonitor.tips'], { ages: false });
  const electrum = storedElectrum ? withElectrumLag(storedElectrum, chain?.height ?? null) : undefined;
  const known = statuses.filter((s): s is NodeStatus => s !== undefined);
  const agreement = tipAgreement(known);
  const checked = Math.max(0, ...known.map((s) => s.checkedAtMs));
  const nodes = card(
    { id: 'your-nodes', title: 'Your nodes', wide: true, fresh: freshness(v, 'nodes', checked ? { source: 'node-status', asOfMs: checked, stale: r.after(checked + STALE_MS.node + 1), staleAfterMs: STALE_MS.node } : { source: null, asOfMs: null, stale: false, reason: ids.length ? 'not checked yet' : NO_NODE }) },
    ids.length === 0 ? unavailable(NO_NODE) : html`${ids.length > 1 ? html`<p class="agreement ${agreement.agree === false ? 'warn' : ''}">${agreement.detail}</p>` : ''}${nodeTable(v, ids, statuses)}`,
  );
  const noElectrum = unavailable(app.config.electrumUrl ? (electrum?.message ?? 'waiting for the first answer from the Electrum server') : NO_ELECTRUM);
  const el = electrum && (electrum.lastOkAtMs !== null || electrum.serverSoftware !== null)
    ? stats([
        ['State', html`<span class="state state-${electrum.state}">${electrum.state}</span> <small>${electrum.message ?? ''}</small>`],
        ['Server', html`${electrum.serverSoftware ?? '—'} (protocol ${electrum.protocol ?? '—'})`],
        ['Tip', bound(v, null, electrum.tipHeight, 'int')],
        ['Behind your node', bound(v, null, electrum.tipLagBlocks, 'int')],
        ['Relay fee', bound(v, null, electrum.relayFeeSatVb, 'satvb')],
        ...ELECTRUM_ESTIMATES.map((t): [string, SafeHtml] => [`Fee, ${t} blocks`, electrum.estimateSatVb[String(t)] == null && electrum.notes?.[`estimate.${t}`] ? html`<small>${electrum.notes[`estimate.${t}`]}</small>` : bound(v, null, electrum.estimateSatVb[String(t)] ?? null, 'satvb')]),
        ['Peers', bound(v, null, electrum.peerCount, 'int')],
      ])
    : noElectrum;
  const electrumCard = card(
    { id: 'electrum', title: 'Electrum server', span2: el !== noElectrum, fresh: electrum ? freshness(v, null, { source: electrum.target, asOfMs: electrum.checkedAtMs, stale: electrum.state !== 'ok' || r.after(electrum.checkedAtMs + STALE_MS.node + 1), reason: electrum.state === 'ok' ? undefined : 'the server is not answering' }) : undefined },
    el,
  );
  const bn = pub['bitnodes.latest']?.data as { totalNodes: number; height: number; clients: { name: string; count: number }[]; networks: { name: string; count: number }[]; countries: { name: string; count: number }[] } | null;
  const reach = card(
    { id: 'reachable', title: 'Reachable nodes (Bitnodes)', span2: true, fresh: pieceFresh(v, pub['bitnodes.latest'], 'public-bitnodes') },
    bn
      ? html`<p class="big">${bound(v, 'public-bitnodes.latest.totalNodes', bn.totalNodes, 'int')}</p><div class="cols"><div><h3>Networks</h3>${counts(v, bn.networks.slice(0, 6))}</div><div><h3>Clients</h3>${counts(v, bn.clients.slice(0, 8))}</div></div>`
      : pieceMissing(pub['bitnodes.latest']),
  );
  const pools = pub['mempool.pools']?.data as { blockCount: number; pools: { name: string; sharePct: number; blockCount: number }[] } | null;
  const poolCard = card(
    { id: 'pools', title: 'Mining pools (last week)', fresh: pieceFresh(v, pub['mempool.pools']) },
    pools ? html`<ol class="pools">${pools.pools.slice(0, 10).map((p) => html`<li>${p.name} <span>${bound(v, null, p.sharePct, 'pct')}</span></li>`)}</ol>` : pieceMissing(pub['mempool.pools']),
  );
  const ln = pub['mempool.lightning']?.data as { nodes: number; channels: number; capacitySats: number; torNodes: number } | null;
  const lnCard = card(
    { id: 'lightning', title: 'Lightning network', fresh: pieceFresh(v, pub['mempool.lightning'], 'public-mempool') },
    ln ? stats([['Nodes', bound(v, 'public-mempool.lightning.nodes', ln.nodes, 'int')], ['Channels', bound(v, 'public-mempool.lightning.channels', ln.channels, 'int')], ['Capacity', bound(v, 'public-mempool.lightning.capacitySats', ln.capacitySats, 'btc')], ['Tor nodes', bound(v, 'public-mempool.lightning.torNodes', ln.torNodes, 'int')]]) : pieceMissing(pub['mempool.lightning']),
  );
  const tips = pub['forkmonitor.tips']?.data as { height: number; hash: string; nodes: number }[] | null;
  const tipsCard = card(
    { id: 'chaintips', title: 'Chain tips (ForkMonitor)', span2: true, fresh: pieceFresh(v, pub['forkmonitor.tips']) },
    tips ? html`<ul class="tips">${tips.slice(0, 5).map((t) => html`<li>${bound(v, null, t.height, 'int')} <code class="short" title="${t.hash}">…${t.hash.slice(-16)}</code> · ${t.nodes} nodes</li>`)}</ul>` : pieceMissing(pub['forkmonitor.tips']),
  );
  return { title: 'Nodes', body: html`<div class="grid">${nodes}${reach}${poolCard}${lnCard}${tipsCard}${electrumCard}</div>` };
}
