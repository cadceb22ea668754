// `satscope check`: the configuration, the stores, and one cheap request to every enabled source.
import type { Config, PublicSourceName } from './config.ts';
import { describeError } from './errors.ts';
import { silentLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { openStore } from './main.ts';
import { buildNodes } from './sources/bitcoind/nodes.ts';
import type { BitcoinNode } from './sources/bitcoind/node.ts';
import { buildSourceCatalog, PROBE_PATHS } from './sources/catalog.ts';
import { ElectrumClient } from './sources/electrum/client.ts';
import type { SourceTracker } from './sources/source-tracker.ts';
import { openHistory } from './store/history/history.ts';

interface Row {
  what: string;
  state: 'ok' | 'FAIL' | 'off';
  detail: string;
}

export async function runCheck(config: Config, print: (line: string) => void): Promise<number> {
  const rows: Row[] = [];
  const store = await openStore(config, silentLogger);
  try {
    await store.ping();
    rows.push({ what: 'store', state: 'ok', detail: store.kind });
  } catch (err) {
    rows.push({ what: 'store', state: 'FAIL', detail: `${store.kind}: ${describeError(err)}` });
  }
  try {
    const history = await openHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: silentLogger });
    rows.push({ what: 'history', state: 'ok', detail: `${history.kind}, migrations applied, integrity ${await history.integrityCheck()}` });
    await history.close();
  } catch (err) {
    rows.push({ what: 'history', state: 'FAIL', detail: describeError(err) });
  }
  const metrics = createMetrics();
  const catalog = buildSourceCatalog(config, { store, metrics, log: silentLogger });
  const nodes = buildNodes(config, catalog, metrics);
  await Promise.all(
    catalog.trackers.map(async (t) => {
      if (!t.def.enabled) return rows.push({ what: t.def.name, state: 'off', detail: t.def.disabledReason ?? '' });
      if (t.def.kind === 'rpc') return rows.push(await probeNode(nodes.find((n) => n.id === t.def.name)));
      if (t.def.kind === 'electrum') return rows.push(await probeElectrum(config.electrumUrl ?? '', t, config.electrumTlsVerify));
      const client = catalog.http[t.def.name as PublicSourceName];
      if (!client) return rows.push({ what: t.def.name, state: 'off', detail: 'no client' });
      try {
        await client.getText(PROBE_PATHS[t.def.name as PublicSourceName]);
        rows.push({ what: t.def.name, state: 'ok', detail: t.def.target ?? '' });
      } catch (err) {
        rows.push({ what: t.def.name, state: 'FAIL', detail: describeError(err) });
      }
    }),
  );
  await store.close();
  const width = Math.max(...rows.map((r) => r.what.length));
  print('Configuration: valid');
  for (const r of rows) print(`${r.what.padEnd(width)}  ${r.state.padEnd(4)}  ${r.detail}`);
  // Sources may be unreachable on an offline box; only the stores decide the exit code.
  return rows.some((r) => (r.what === 'store' || r.what === 'history') && r.state === 'FAIL') ? 1 : 0;
}

async function probeNode(node: BitcoinNode | undefined): Promise<Row> {
  if (!node) return { what: 'node', state: 'off', detail: 'not configured' };
  try {
    const [info, net, caps] = await Promise.all([node.blockchainInfo(), node.network(), node.capabilities()]);
    const missing = caps.missing.length ? `; missing ${caps.missing.join(', ')} (fallbacks in use)` : '; all optional methods present';
    return { what: node.id, state: 'ok', detail: `${net.info.subversion} ${info.chain} height ${info.blocks}, ${net.peers.length} peers${missing}` };
  } catch (err) {
    return { what: node.id, state: 'FAIL', detail: `${node.target ?? ''}: ${describeError(err)}` };
  }
}

async function probeElectrum(url: string, tracker: SourceTracker, tlsVerify: boolean): Promise<Row> {
  const client = new ElectrumClient({ url, tracker, log: silentLogger, timeoutMs: 5000, tlsVerify });
  try {
    await client.start();
    return { what: 'electrum', state: 'ok', detail: `${client.serverVersion?.[0] ?? '?'} protocol ${client.serverVersion?.[1] ?? '?'}, tip ${client.tip?.height ?? '?'}` };
  } catch (err) {
    return { what: 'electrum', state: 'FAIL', detail: `${url}: ${describeError(err)}` };
  } finally {
    await client.close();
  }
}
