// `satscope stream --test` (the pipeline's doctor) and `satscope lake sync|ddl`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { describeError } from '../errors.ts';
import { jobTable } from '../jobs/index.ts';
import type { JobDeps } from '../jobs/types.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { buildNodes } from '../sources/bitcoind/nodes.ts';
import { buildSourceCatalog } from '../sources/catalog.ts';
import { openHistory } from '../store/history/history.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { lakeDdl } from './ddl.ts';
import { LakeEngine } from './engine-client.ts';
import { changedRows, readSnapshot } from './extract.ts';
import { LakeBuffer } from './buffer.ts';
import { bufferFile, Lake } from './lake.ts';
import { LakeUploader, s3Target } from './s3.ts';
import { TABLES, type TableName } from './tables.ts';

/** The jobs whose state the stream reads, in the order they must run (the median after its sources). */
const EXTRACT_JOBS = ['public-mempool', 'public-coingecko', 'public-coinbase', 'market-price'];
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * One pass through the whole pipeline: each source fetched once, the changes taken, written and
 * flushed to Parquet in DATA_DIR/lake, then read back with DuckDB (hive partitioning) and checked:
 * row counts, columns and types, partition values, the USD price. Prints each step; 0 when all
 * held, 1 otherwise.
 */
export async function runStreamTest(config: Config, print: (line: string) => void): Promise<number> {
  let ok = true;
  const check = (cond: boolean, line: string) => {
    print(`${cond ? 'ok  ' : 'FAIL'}  ${line}`);
    if (!cond) ok = false;
    return cond;
  };
  print(`satscope stream --test: lake ${config.lake.dir}`);
  const store = new MemoryStore();
  const metrics = createMetrics();
  const history = await openHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: silentLogger });
  const engine = new LakeEngine({ log: silentLogger, timeoutMs: 60_000 });
  const tmp = mkdtempSync(join(tmpdir(), 'satscope-stream-test-'));
  let lake: Lake | undefined;
  try {
    const sources = buildSourceCatalog(config, { store, metrics, log: silentLogger });
    const deps: JobDeps = { config, store, history, sources, nodes: buildNodes(config, sources, metrics), log: silentLogger };
    const jobs = jobTable(deps);
    print('extract: each source once');
    for (const name of EXTRACT_JOBS) {
      const job = jobs.find((j) => j.name === name);
      if (!job) {
        print(`skip  ${name} (its source is disabled)`);
        continue;
      }
      const t0 = performance.now();
      try {
        await job.run({ signal: AbortSignal.timeout(job.timeoutMs), log: silentLogger, progress: () => undefined });
        print(`ok    ${name} (${Math.round(performance.now() - t0)} ms)`);
      } catch (err) {
        check(false, `${name}: ${describeError(err)}`);
      }
    }
    const snap = await readSnapshot(store);
    const { rows } = changedRows(snap, new Map(), { currencies: config.fiatCurrencies, minChangePct: config.lake.minChangePct });
    const byTable = new Map<TableName, string[]>();
    for (const r of rows) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r.eventId]);
    if (!check(rows.length > 0, `rows extracted: ${rows.length} (${[...byTable].map(([t, ids]) => `${t} ${ids.length}`).join(', ') || 'none'})`)) return 1;
    check(byTable.has('price_ticks'), 'price ticks extracted');

    print('write: buffer, flush to Parquet');
    lake = new Lake(config.lake, engine, silentLogger, join(tmp, 'buffer.db'));
    const accepted = lake.buffer.accept(rows, new Map());
    check(accepted === rows.length, `accepted into the buffer: ${accepted} of ${rows.length}`);
    const t0 = performance.now();
    const flushed = await lake.flushAll();
    const files = flushed.flatMap((f) => f.files);
    check(lake.buffer.pending().rows === 0 && files.length > 0, `flushed: ${files.length} file(s) in ${Math.round(performance.now() - t0)} ms (buffer empty)`);
    for (const f of files) print(`      ${f}`);

    print('read back: DuckDB read_parquet(hive_partitioning = true)');
    for (const [table, ids] of byTable) {
      const tableFiles = files.filter((f) => f.startsWith(`${table}/`)).map((f) => join(config.lake.dir, f));
      const src = `read_parquet([${tableFiles.map(q).join(', ')}], hive_partitioning = true)`;
      const idList = ids.map(q).join(', ');
      const [count] = await engine.call<{ n: number; distinct_ids: number; misplaced: number }[]>({
        op: 'sql',
        sql: `SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_ids, count(*) FILTER (WHERE year <> year(ts) OR month <> month(ts) OR day <> day(ts) OR hour <> hour(ts)) AS misplaced FROM ${src} WHERE event_id IN (${idList})`,
      });
      check(count?.n === ids.length && count.distinct_ids === ids.length, `${table}: ${count?.n ?? 0} row(s) read back, ${ids.length} written`);
      check(count?.misplaced === 0, `${table}: every row in the partition of its hour`);
      const described = await engine.call<{ column_name: string; column_type: string }[]>({ op: 'sql', sql: `DESCRIBE SELECT * FROM ${src}` });
      const want = [...TABLES[table].columns.map((c) => `${c.name} ${c.type === 'TIMESTAMP_MS' ? 'TIMESTAMP' : c.type}`)];
      const got = described.filter((d) => !['year', 'month', 'day', 'hour'].includes(d.column_name)).map((d) => `${d.column_name} ${d.column_type}`);
      check(JSON.stringify(got) === JSON.stringify(want), `${table}: columns ${got.length === want.length ? 'and types as declared' : `differ: ${got.join(', ')}`}`);
      check(['year', 'month', 'day', 'hour'].every((p) => described.some((d) => d.column_name === p)), `${table}: partition columns year, month, day, hour`);
      if (table === 'price_ticks') {
        const prices = await engine.call<{ currency: string; source: string; price: number; ts: string }[]>({
          op: 'sql',
          sql: `SELECT currency, source, price, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts FROM ${src} WHERE event_id IN (${idList}) ORDER BY currency, source = 'median' DESC, source`,
        });
        for (const p of prices) print(`      ${p.currency} ${p.source.padEnd(9)} ${p.price} at ${p.ts}`);
        const usd = prices.find((p) => p.currency === 'USD' && p.source === 'median');
        check(usd !== undefined && usd.price === snap.price?.data.usd, `USD median read back: ${usd?.price ?? 'missing'} (extracted ${snap.price?.data.usd ?? 'nothing'})`);
      }
    }
  } catch (err) {
    check(false, `stopped: ${describeError(err)}`);
  } finally {
    lake?.close();
    await engine.close();
    await history.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
  print(ok ? 'stream --test passed' : 'stream --test FAILED');
  return ok ? 0 : 1;
}

const LAKE_USAGE = `usage: satscope lake <command>
  sync   upload every sealed lake file the bucket lacks or holds differently (LAKE_S3_URL)
  ddl    print CREATE EXTERNAL TABLE statements (Athena/Trino, partition projection) and DuckDB views`;

export async function runLakeCommand(config: Config, args: readonly string[], print: (line: string) => void, printErr: (line: string) => void): Promise<number> {
  const sub = args[0];
  if (sub === 'ddl') {
    print(lakeDdl(config.lake).trimEnd());
    return 0;
  }
  if (sub === 'sync') {
    if (!config.lake.s3) {
      printErr('satscope lake sync: LAKE_S3_URL is not set');
      return 2;
    }
    // The manifest is only told of uploads (never rewritten): a stream running meanwhile keeps it.
    const buffer = new LakeBuffer(bufferFile(config.lake.dir));
    try {
      const uploader = new LakeUploader(config.lake.dir, config.lake.s3);
      print(`lake sync to ${s3Target(config.lake.s3)}`);
      const r = await uploader.sync(config.lake.dir, buffer, print);
      print(`checked ${r.checked} sealed file(s): ${r.uploaded} uploaded, ${r.checked - r.uploaded - r.failed} already there, ${r.failed} failed`);
      return r.failed ? 1 : 0;
    } finally {
      buffer.close();
    }
  }
  printErr(LAKE_USAGE);
  return 2;
}
