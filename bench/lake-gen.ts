// A year of minute price ticks in the lake's layout, for the lake benchmark (bench/lake.ts):
// every minute up to `endMs`, the USD median and three sources' quotes (four rows a minute, about
// 2.1 million rows), one sealed file per hour as a rule (DATA_DIR/lake/price_ticks/year=/month=/day=/hour=/
// data.parquet), written by DuckDB like the pipeline's own files. The prices are a deterministic
// random walk: benchmark data, never shown as market data.
//
//   node --import tsx bench/lake-gen.ts DATA_DIR [DAYS]
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

export interface GenerateOptions {
  /** The lake folder (DATA_DIR/lake). */
  lakeDir: string;
  /** The last tick's time; ticks go back `days` from here, one a minute. */
  endMs: number;
  days?: number;
}

export async function generateTicks(o: GenerateOptions): Promise<{ rows: number; files: number; seconds: number }> {
  const t0 = performance.now();
  const days = o.days ?? 365;
  const minutes = days * 1440;
  const endMin = Math.floor((o.endMs - 17_000) / 60_000);
  const staging = join(o.lakeDir, '.staging-bench');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '2GB' });
  const con = await instance.connect();
  // A random walk from 40,000 USD, the same for any run with the same end: steps of ±0.05 %.
  await con.run(`
    CREATE TEMP TABLE minutes AS
    SELECT i, (${endMin} - ${minutes - 1} + i) * 60000 + 17000 AS ms,
           40000 * exp(sum(((hash(i) % 2001)::BIGINT - 1000) / 2000000.0) OVER (ORDER BY i)) AS usd
    FROM range(${minutes}) r(i)`);
  await con.run(`
    COPY (
      SELECT epoch_ms(ms)::TIMESTAMP_MS AS ts, 'USD' AS currency, s.source,
             round(CASE s.source WHEN 'median' THEN usd WHEN 'coingecko' THEN usd * 0.9998 WHEN 'coinbase' THEN usd * 1.0001 ELSE usd END, 2) AS price,
             md5(ms::VARCHAR || s.source)[1:24] AS event_id, 1::UTINYINT AS schema_version,
             strftime(epoch_ms(ms), '%Y') AS year, strftime(epoch_ms(ms), '%m') AS month, strftime(epoch_ms(ms), '%d') AS day, strftime(epoch_ms(ms), '%H') AS hour
      FROM minutes, (VALUES ('median'), ('coingecko'), ('coinbase'), ('mempool')) s(source)
      ORDER BY ms
    ) TO '${staging}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month, day, hour), KV_METADATA {schema_version: '1', writer: 'satscope-bench'})`);
  con.closeSync();
  instance.closeSync();
  // DuckDB names its files data_0.parquet: moved to the lake's sealed name, data.parquet.
  let files = 0;
  const target = join(o.lakeDir, 'price_ticks');
  for (const y of readdirSync(staging))
    for (const m of readdirSync(join(staging, y)))
      for (const d of readdirSync(join(staging, y, m)))
        for (const h of readdirSync(join(staging, y, m, d))) {
          const dir = join(target, y, m, d, h);
          mkdirSync(dir, { recursive: true });
          // One file per hour as a rule; a partition DuckDB split keeps its other files as parts (the pipeline seals them).
          readdirSync(join(staging, y, m, d, h)).forEach((name, i) => {
            renameSync(join(staging, y, m, d, h, name), join(dir, i === 0 ? 'data.parquet' : `part-bench-${i}.parquet`));
            files++;
          });
        }
  rmSync(staging, { recursive: true, force: true });
  return { rows: minutes * 4, files, seconds: (performance.now() - t0) / 1000 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dataDir = process.argv[2];
  if (!dataDir) {
    console.error('usage: node --import tsx bench/lake-gen.ts DATA_DIR [DAYS]');
    process.exit(2);
  }
  const r = await generateTicks({ lakeDir: join(dataDir, 'lake'), endMs: Date.now(), days: Number(process.argv[3] ?? 365) });
  console.log(`${r.rows} ticks in ${r.files} hourly files in ${r.seconds.toFixed(1)} s`);
}
