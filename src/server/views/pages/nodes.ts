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

function nodeTable(v: View, ids: readonly string[], statuses: readonly (NodeStatus | undefined)[]): SafeHtml {
  const row = (label: string, cell: (s: NodeStatus) => SafeHtml | string) =>
    html`<tr><th scope="row">${label}</th>${statuses.map((s) => html`<td>${s ? cell(s) : 'not checked yet'}</td>`)}</tr>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Your nodes side by side"><table class="side-by-side"><thead><tr><th scope="col">Node</th>${ids.map((id) => html`<th scope="col">${id}</th>`)}</tr></thead><tbody>
${row('State', (s) => html`<span class="state state-${s.state}">${s.state}</span> <small>${s.message ?? ''}</small>`)}
${row('Version', (s) => s.subversion ?? s.version ?? '—')}
${row('Chain', (s) => s.chain ?? '—')}
${row('Height', (s) => bound(v, null, s.height, 'int'))}
${row('Headers', (s) => bound(v, null, s.headers, 'int'))}
${row('Synced', (s) => (s.verificationProgress === null ? '—' : bound(v, null, s.verificationProgress * 100, 'pct')))}
${row('Peers in / out', (s) => (s.peers ? `${s.peers.inbound} / ${s.peers.outbound}` : '—'))}
${row('Networks', (s) => s.networks.filter((n) => n.reachable).map((n) => `${n.name} (${n.peers})`).join(', ') || '—')}
${row('Receiving', (s) => (s.recvRateBps === null ? '—' : html`${bound(v, null, s.recvRateBps, 'bytes')}/s`))}
${row('Sending', (s) => (s.sentRateBps === null ? '—' : html`${bound(v, null, s.sentRateBps, 'bytes')}/s`))}
${row('Uptime', (s) => bound(v, null, s.uptimeSec, 'duration'))}
${row('Checked', (s) => bound(v, null, s.checkedAtMs / 1000, 'ago'))}
${row('Missing methods', (s) => s.missingMethods.join(', ') || 'none')}
${row('Warnings', (s) => s.warnings.join('; ') || 'none')}
</tbody></table></div>`;
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
    ids.length === 0 ? unavailable(NO_NODE) : html`<p class="agreement ${agreement.agree === false ? 'warn' : ''}">${agreement.detail}</p>${nodeTable(v, ids, statuses)}`,
  );
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
    : unavailable(app.config.electrumUrl ? (electrum?.message ?? 'waiting for the first answer from the Electrum server') : NO_ELECTRUM);
  const electrumCard = card(
    { id: 'electrum', title: 'Electrum server', fresh: electrum ? freshness(v, null, { source: electrum.target, asOfMs: electrum.checkedAtMs, stale: electrum.state !== 'ok' || r.after(electrum.checkedAtMs + STALE_MS.node + 1), reason: electrum.state === 'ok' ? undefined : 'the server is not answering' }) : undefined },
    el,
  );
  const bn = pub['bitnodes.latest']?.data as { totalNodes: number; height: number; clients: { name: string; count: number }[]; networks: { name: string; count: number }[]; countries: { name: string; count: number }[] } | null;
  const reach = card(
    { id: 'reachable', title: 'Reachable nodes (Bitnodes)', fresh: pieceFresh(v, pub['bitnodes.latest'], 'public-bitnodes') },
    bn
      ? html`<p class="big">${bound(v, 'public-bitnodes.latest.totalNodes', bn.totalNodes, 'int')}</p>${stats(bn.networks.slice(0, 5).map((n) => [n.name, bound(v, null, n.count, 'int')] as [string, SafeHtml]))}<h3>Clients</h3>${stats(bn.clients.slice(0, 6).map((c) => [c.name, bound(v, null, c.count, 'int')] as [string, SafeHtml]))}`
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
    { id: 'chaintips', title: 'Chain tips (ForkMonitor)', fresh: pieceFresh(v, pub['forkmonitor.tips']) },
    tips ? html`<ul class="tips">${tips.slice(0, 5).map((t) => html`<li>${bound(v, null, t.height, 'int')} <code class="short">${t.hash.slice(0, 16)}…</code> · ${t.nodes} nodes</li>`)}</ul>` : pieceMissing(pub['forkmonitor.tips']),
  );
  return { title: 'Nodes', body: html`<div class="grid">${nodes}${electrumCard}${reach}${poolCard}${lnCard}${tipsCard}</div>` };
}
