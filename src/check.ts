// `satscope check`: the configuration, the stores, and one cheap request to every enabled source.
// One line per source with the cause in plain words; exit 1 when the stores or any enabled source
// fail, so a deployment script can rely on it. When no public source answers at all, the machine
// is probably offline: `satscope demo` runs without a network.
import type { Config, PublicSourceName } from './config.ts';
import { describeError } from './errors.ts';
import { envEffective, loadMiningSettings } from './mining-settings.ts';
import { explainError } from './sources/explain.ts';
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
  public?: boolean;
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
  let payoutAddress = config.oceanAddress ?? null;
  try {
    const history = await openHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: silentLogger });
    rows.push({ what: 'history', state: 'ok', detail: `${history.kind}, migrations applied, integrity ${await history.integrityCheck()}` });
    payoutAddress = (await loadMiningSettings(history, config).catch(() => envEffective(config))).address;
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
      // OCEAN is asked only about a payout address: without one it is not used.
      if (t.def.name === 'ocean' && !payoutAddress) return rows.push({ what: 'ocean', state: 'off', detail: 'no payout address: set OCEAN_ADDRESS, or one on the Settings page' });
      if (t.def.kind === 'rpc') return rows.push(await probeNode(nodes.find((n) => n.id === t.def.name)));
      if (t.def.kind === 'electrum') return rows.push(await probeElectrum(config.electrumUrl ?? '', t, config.electrumTlsVerify));
      const client = catalog.http[t.def.name as PublicSourceName];
      if (!client) return rows.push({ what: t.def.name, state: 'off', detail: 'no client' });
      try {
        await client.getText(PROBE_PATHS[t.def.name as PublicSourceName]);
        rows.push({ what: t.def.name, state: 'ok', detail: t.def.target ?? '', public: true });
      } catch (err) {
        rows.push({ what: t.def.name, state: 'FAIL', detail: explainError(err, t.def.name).summary, public: true });
      }
    }),
  );
  await store.close();
  const width = Math.max(...rows.map((r) => r.what.length));
  print('Configuration: valid');
  for (const r of rows) print(`${r.what.padEnd(width)}  ${r.state.padEnd(4)}  ${r.detail}`);
  const failed = rows.filter((r) => r.state === 'FAIL');
  const publicRows = rows.filter((r) => r.public);
  if (publicRows.length > 0 && publicRows.every((r) => r.state === 'FAIL')) {
    print('No public source answered: is this machine offline? `satscope demo` shows the dashboard without a network,');
    print(`and SOURCES_DISABLED=${publicRows.map((r) => r.what).join(',')} keeps an offline install quiet.`);
  }
  if (failed.length > 0) print(`${failed.length} of ${rows.filter((r) => r.state !== 'off').length} checks failed: ${failed.map((r) => r.what).join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

async function probeNode(node: BitcoinNode | undefined): Promise<Row> {
  if (!node) return { what: 'node', state: 'off', detail: 'not configured' };
  try {
    const [info, net, caps] = await Promise.all([node.blockchainInfo(), node.network(), node.capabilities()]);
    const missing = caps.missing.length ? `; missing ${caps.missing.join(', ')} (fallbacks in use)` : '; all optional methods present';
    return { what: node.id, state: 'ok', detail: `${net.info.subversion} ${info.chain} height ${info.blocks}, ${net.peers.length} peers${missing}` };
  } catch (err) {
    return { what: node.id, state: 'FAIL', detail: `${explainError(err, node.id).summary} (${node.target ?? ''})` };
  }
}

async function probeElectrum(url: string, tracker: SourceTracker, tlsVerify: boolean): Promise<Row> {
  const client = new ElectrumClient({ url, tracker, log: silentLogger, timeoutMs: 5000, tlsVerify });
  try {
    await client.start();
    return { what: 'electrum', state: 'ok', detail: `${client.serverVersion?.[0] ?? '?'} protocol ${client.serverVersion?.[1] ?? '?'}, tip ${client.tip?.height ?? '?'}` };
  } catch (err) {
    return { what: 'electrum', state: 'FAIL', detail: explainError(err, 'electrum').summary };
  } finally {
    await client.close();
  }
}
