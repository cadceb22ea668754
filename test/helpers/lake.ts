// Test helpers for the lake: a config pointing at a temp DATA_DIR, DuckDB opened by the test itself
// (not the engine under test) to read the files back, and the fixture-fed state the stream reads.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadConfig, type Config } from '../../src/config.ts';
import { jobTable } from '../../src/jobs/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { buildNodes } from '../../src/sources/bitcoind/nodes.ts';
import { buildSourceCatalog } from '../../src/sources/catalog.ts';
import { openHistory, type History } from '../../src/store/history/history.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/types.ts';
import { PUBLIC_OFF } from './runtime.ts';

export function lakeConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-lake-')), SOURCES_DISABLED: PUBLIC_OFF, ...env });
}

/** A DuckDB connection of the test's own, with rows as plain objects. */
export async function duck(): Promise<{ all<T = Record<string, unknown>>(sql: string): Promise<T[]>; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const con: DuckDBConnection = await instance.connect();
  return {
    async all<T>(sql: string): Promise<T[]> {
      const reader = await con.runAndReadAll(sql);
      const names = reader.columnNames();
      return reader.getRows().map((r) => Object.fromEntries(r.map((v, i) => [names[i], typeof v === 'bigint' ? Number(v) : v]))) as T[];
    },
    close() {
      con.closeSync();
      instance.closeSync();
    },
  };
}

/** The state the jobs keep, filled by running the price and mempool jobs once against the configured sources. */
export async function jobsState(config: Config): Promise<{ store: Store; history: History; run(name: string): Promise<void>; close(): Promise<void> }> {
  const store = new MemoryStore();
  const metrics = createMetrics();
  const history = await openHistory({ databaseUrl: undefined, dataDir: config.dataDir, log: silentLogger });
  const sources = buildSourceCatalog(config, { store, metrics, log: silentLogger });
  const jobs = jobTable({ config, store, history, sources, nodes: buildNodes(config, sources, metrics), log: silentLogger });
  const run = async (name: string) => {
    const job = jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job ${name}`);
    await job.run({ signal: AbortSignal.timeout(30_000), log: silentLogger, progress: () => undefined });
  };
  return { store, history, run, close: () => history.close() };
}
