// The lake engine: a child process that holds DuckDB (its native library costs about 60 MB of
// memory), started on demand by engine-client.ts and stopped when idle, so that the dashboard's
// own process never carries it. It writes Parquet files, merges an hour's files, and answers the
// lake's queries, over the IPC channel; it exits when its parent goes away.
//
// Every file is written under a temporary name, flushed to disk, then renamed into place: a file
// in the lake is whole or absent.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EngineReply, EngineRequest, WriteFile } from './engine-protocol.ts';
import { SCHEMA_VERSION, TABLES } from './tables.ts';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const list = (paths: readonly string[]) => `[${paths.map(q).join(', ')}]`;

let connection: Promise<DuckDBConnection> | undefined;
function connect(): Promise<DuckDBConnection> {
  return (connection ??= (async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    // One thread and a small memory cap: the lake's files are small and this box serves pages too.
    // No extension is installed or loaded behind our back (there is no network here, and nothing needs one).
    const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '256MB', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    return instance.connect();
  })());
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(path: string): void {
  try {
    syncFile(path);
  } catch {
    // some filesystems refuse to open a folder: the rename is still atomic
  }
}

/** COPY … TO a temporary file, then into place. */
async function copyTo(con: DuckDBConnection, select: string, path: string): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await con.run(`COPY (${select}) TO ${q(tmp)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {schema_version: '${SCHEMA_VERSION}', writer: 'satscope'})`);
    syncFile(tmp);
    renameSync(tmp, path);
    syncDir(dirname(path));
  } finally {
    rmSync(tmp, { force: true });
  }
  return statSync(path).size;
}

async function write(con: DuckDBConnection, file: WriteFile): Promise<{ path: string; rows: number; bytes: number }> {
  const def = TABLES[file.table];
  // Times arrive as epoch milliseconds and become TIMESTAMP_MS in the SELECT that writes the file.
  const cols = def.columns.map((c) => `${c.name} ${c.type === 'TIMESTAMP_MS' ? 'BIGINT' : c.type}`).join(', ');
  const select = def.columns.map((c) => (c.type === 'TIMESTAMP_MS' ? `epoch_ms(${c.name})::TIMESTAMP_MS AS ${c.name}` : c.name)).join(', ');
  await con.run(`CREATE OR REPLACE TEMP TABLE incoming (${cols})`);
  const appender = await con.createAppender('incoming');
  try {
    for (const row of file.rows) {
      def.columns.forEach((c, i) => {
        const v = row[i];
        if (v === null || v === undefined) appender.appendNull();
        else if (c.type === 'VARCHAR') appender.appendVarchar(String(v));
        else if (c.type === 'DOUBLE') appender.appendDouble(Number(v));
        else if (c.type === 'INTEGER') appender.appendInteger(Math.round(Number(v)));
        else if (c.type === 'UTINYINT') appender.appendUTinyInt(Number(v));
        else appender.appendBigInt(BigInt(Math.round(Number(v))));
      });
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
  const bytes = await copyTo(con, `SELECT ${select} FROM incoming ORDER BY ts`, file.path);
  await con.run('DROP TABLE incoming');
  return { path: file.path, rows: file.rows.length, bytes };
}

/** Rows of a query as plain objects, BIGINTs as numbers. */
async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await con.runAndReadAll(sql);
  const names = reader.columnNames();
  return reader.getRows().map((r) => Object.fromEntries(r.map((v, i) => [names[i], typeof v === 'bigint' ? Number(v) : v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : String(v)])));
}

/**
 * One copy of each event (at-least-once delivery may have written a row twice), with exactly the
 * given columns: the folder names are not read as columns (hive_partitioning off), so a merged file
 * has the same layout as the files it came from.
 */
const deduped = (files: readonly string[], columns: string, where: string) =>
  `SELECT ${columns} FROM read_parquet(${list(files)}, union_by_name = true, hive_partitioning = false) WHERE ${where} QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1`;

async function handle(req: EngineRequest): Promise<unknown> {
  const con = await connect();
  switch (req.op) {
    case 'write': {
      const out = [];
      for (const f of req.files) out.push(await write(con, f));
      return out;
    }
    case 'compact': {
      const columns = TABLES[req.table].columns.map((c) => c.name).join(', ');
      const [{ n } = { n: 0 }] = (await rows(con, `SELECT count(*) AS n FROM (${deduped(req.inputs, columns, 'true')})`)) as { n: number }[];
      const bytes = await copyTo(con, `${deduped(req.inputs, columns, 'true')} ORDER BY ts`, req.output);
      return { rows: n, bytes };
    }
    case 'count':
      return rows(con, `SELECT file_name AS path, sum(row_group_num_rows)::BIGINT AS rows FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata(${list(req.files)})) GROUP BY file_name`);
    case 'hourly':
      return rows(
        con,
        `SELECT (epoch_ms(ts) // 3600000) * 3600000 AS hour_ms, avg(price) AS avg, min(price) AS min, max(price) AS max, count(*) AS count, epoch_ms(max(ts)) AS last_ms
         FROM (${deduped(req.files, 'ts, price, event_id, currency, source', `currency = ${q(req.currency)} AND source = ${q(req.source)} AND epoch_ms(ts) >= ${Math.floor(req.fromMs)} AND epoch_ms(ts) <= ${Math.floor(req.toMs)}`)})
         GROUP BY 1 ORDER BY 1`,
      );
    case 'stats':
      return (
        await rows(
          con,
          `SELECT count(*) AS count, avg(price) AS avg, min(price) AS min, max(price) AS max, median(price) AS median, stddev_pop(price) AS std, epoch_ms(min(ts)) AS first_ms, epoch_ms(max(ts)) AS last_ms
           FROM (${deduped(req.files, 'ts, price, event_id, currency, source', `currency = ${q(req.currency)} AND source = ${q(req.source)} AND epoch_ms(ts) >= ${Math.floor(req.fromMs)} AND epoch_ms(ts) <= ${Math.floor(req.toMs)}`)})`,
        )
      )[0];
    case 'sql':
      return rows(con, req.sql);
  }
}

process.on('message', (msg: EngineRequest) => {
  handle(msg).then(
    (result): void => void process.send?.({ id: msg.id, ok: true, result } satisfies EngineReply),
    (err: unknown): void => void process.send?.({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies EngineReply),
  );
});
// The parent went away (or closed the channel): nothing else will ask.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' } satisfies EngineReply);
