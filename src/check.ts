// `satscope check`: the configuration, the stores, and one cheap request to every enabled source.
import type { Config, PublicSourceName } from './config.ts';
import { describeError } from './errors.ts';
import { silentLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { openStore } from './main.ts';
import { buildSourceCatalog, PROBE_PATHS } from './sources/catalog.ts';
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
  const catalog = buildSourceCatalog(config, { store, metrics: createMetrics(), log: silentLogger });
  await Promise.all(
    catalog.trackers.map(async (t) => {
      if (!t.def.enabled) return rows.push({ what: t.def.name, state: 'off', detail: t.def.disabledReason ?? '' });
      const client = catalog.http[t.def.name as PublicSourceName];
      if (!client) return rows.push({ what: t.def.name, state: 'off', detail: `${t.def.kind} probing arrives with its client (target ${t.def.target})` });
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
