// The data lake against the fixture server: `satscope stream --test`, ticks reaching Parquet files
// in the right hour partitions (read back by DuckDB with hive partitioning), only changed prices
// written, sealing, a flush cut short and redone, and the price endpoints from the lake agreeing
// with the same figures from SQLite history.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { LakeEngine } from '../../src/lake/engine-client.ts';
import { Lake, listLakeFiles } from '../../src/lake/lake.ts';
import { LakePipeline } from '../../src/lake/pipeline.ts';
import { eventId, hourOf, isSealedName, partitionDir, TABLES, type LakeRow } from '../../src/lake/tables.ts';
import { childEnv } from '../helpers/services.ts';
import { FixtureServer } from '../helpers/fixture-server.ts';
import { duck, jobsState, lakeConfig } from '../helpers/lake.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/ports.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const HOUR = 3_600_000;

test('satscope stream --test against the fixture server exits 0 and leaves Parquet that DuckDB reads with hive partitioning, USD ≈ 60823', async () => {
  const fx = await new FixtureServer().start();
  const config = lakeConfig();
  try {
    const child = spawn(process.execPath, [join(ROOT, 'bin/satscope.js'), 'stream', '--test'], { env: childEnv({ ...fx.env, DATA_DIR: config.dataDir }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, out);
    assert.match(out, /stream --test passed/);
    assert.doesNotMatch(out, /FAIL/);
    const db = await duck();
    try {
      const rows = await db.all<{ price: number; currency: string; source: string; year: number; hour: number; ts: unknown }>(
        `SELECT price, currency, source, year, hour, ts FROM read_parquet('${config.lake.dir}/price_ticks/*/*/*/*/*.parquet', hive_partitioning = true)`,
      );
      const usd = rows.find((r) => r.currency === 'USD' && r.source === 'median');
      assert.ok(usd, 'a USD median row');
      assert.ok(Math.abs(usd.price - 60823) / 60823 < 0.01, `USD ${usd.price}`);
      assert.ok(rows.some((r) => r.source === 'coingecko') && rows.some((r) => r.source === 'coinbase'), 'each source\'s quote beside the median');
      for (const t of ['fee_levels', 'mempool', 'blocks']) assert.ok(listLakeFiles(config.lake.dir).some((f) => f.startsWith(`${t}/`)), `${t} written`);
    } finally {
      db.close();
    }
  } finally {
    await fx.stop();
  }
});

test('ticks from the fixture sources reach the hour partition of their time; only changed prices are written; a closed hour is sealed into one file', async () => {
  const fx = await new FixtureServer().start();
  const config = lakeConfig({ ...fx.env, SOURCES_DISABLED: 'bitnodes,forkmonitor,ocean,blockchain', LAKE_FLUSH_SEC: '1' });
  const state = await jobsState(config);
  const pipeline = new LakePipeline({ config, store: state.store, log: silentLogger });
  const db = await duck();
  try {
    for (const j of ['public-mempool', 'public-coingecko', 'public-coinbase', 'market-price']) await state.run(j);
    const first = await pipeline.extract();
    assert.ok(first >= 6, `first pass takes every value (${first})`);
    // The same state again: nothing changed, nothing written.
    assert.equal(await pipeline.extract(), 0);
    // CoinGecko moves; Coinbase and mempool.space do not.
    const simple = { bitcoin: { usd: 61_500, usd_market_cap: 1.2e12, usd_24h_vol: 3e10, usd_24h_change: 1.1, last_updated_at: Math.floor(Date.now() / 1000) } };
    fx.fault('/coingecko/api/v3/simple/price', { kind: 'json', body: simple });
    await state.run('public-coingecko');
    await state.run('market-price');
    const second = await pipeline.extract();
    await pipeline.flush();
    const files = listLakeFiles(config.lake.dir);
    const priceFiles = files.filter((f) => f.startsWith('price_ticks/'));
    assert.ok(priceFiles.length >= 1);
    for (const f of priceFiles) assert.ok(f.startsWith(partitionDir('price_ticks', hourOf(Date.now()))) || f.startsWith(partitionDir('price_ticks', hourOf(Date.now() - 60_000))), f);
    const rows = await db.all<{ source: string; currency: string; n: number; prices: string }>(
      `SELECT source, currency, count(*) AS n, string_agg(price::VARCHAR, ',' ORDER BY ts) AS prices FROM read_parquet('${config.lake.dir}/price_ticks/*/*/*/*/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
    );
    const of = (source: string) => rows.find((r) => r.source === source && r.currency === 'USD');
    assert.equal(of('coingecko')?.n, 2, JSON.stringify(rows));
    assert.equal(of('coingecko')?.prices, '60823.0,61500.0');
    assert.equal(of('coinbase')?.n, 1, 'an unchanged quote is not written again');
    assert.equal(of('mempool')?.n, 1);
    assert.equal(of('median')?.n, 2, 'the median moved (60823 → 60823.2)');
    assert.ok(second >= 2);
    // Every row sits in the partition of its own hour.
    const misplaced = await db.all<{ n: number }>(
      `SELECT count(*) AS n FROM read_parquet('${config.lake.dir}/*/*/*/*/*/*.parquet', hive_partitioning = true, union_by_name = true) WHERE year <> year(ts) OR month <> month(ts) OR day <> day(ts) OR hour <> hour(ts)`,
    );
    assert.equal(misplaced[0]?.n, 0);
    // Two hours later the hour is closed: its files become one data-<writer>.parquet with the same rows and columns.
    const before = (await db.all<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${config.lake.dir}/price_ticks/*/*/*/*/*.parquet')`))[0]?.n;
    await pipeline.maintain(Date.now() + 2 * HOUR);
    const sealed = listLakeFiles(config.lake.dir).filter((f) => f.startsWith('price_ticks/'));
    assert.ok(sealed.length >= 1 && sealed.every((f) => isSealedName(f.slice(f.lastIndexOf('/') + 1))), sealed.join(' '));
    const described = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${join(config.lake.dir, sealed[0] as string)}', hive_partitioning = false)`);
    assert.deepEqual(
      described.map((d) => d.column_name),
      TABLES.price_ticks.columns.map((c) => c.name),
      'a sealed file has the declared columns, no partition columns',
    );
    const after = (await db.all<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${config.lake.dir}/price_ticks/*/*/*/*/*.parquet')`))[0]?.n;
    assert.equal(after, before);
    const meta = await db.all<{ key: string; value: string }>(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${join(config.lake.dir, sealed[0] as string)}')`);
    assert.equal(meta.find((m) => m.key === 'schema_version')?.value, '1');
    const status = pipeline.status();
    assert.equal(status.tables.find((t) => t.table === 'price_ticks')?.rows, after);
    assert.equal(status.buffer.rows, 0);
  } finally {
    db.close();
    await pipeline.close();
    await state.close();
    await fx.stop();
  }
});

const tick = (tsMs: number, price: number): LakeRow => ({ table: 'price_ticks', eventId: eventId('price_ticks', 'USD', 'median', tsMs, price), tsMs, values: { ts: tsMs, currency: 'USD', source: 'median', price } });

test('a flush cut short after its files were written is redone with the same files: every row once', async () => {
  const config = lakeConfig();
  const engine = new LakeEngine({ log: silentLogger });
  const db = await duck();
  try {
    const base = hourOf(Date.now()) - 3 * HOUR;
    const rows = Array.from({ length: 300 }, (_, i) => tick(base + i * 60_000 + 30_000, 60_000 + i));
    const a = new Lake(config.lake, engine, silentLogger);
    a.buffer.accept(rows, new Map());
    // The process dies between writing the files and recording them.
    a.buffer.finishFlush = () => {
      throw new Error('killed');
    };
    await assert.rejects(a.flushOnce(), /killed/);
    const written = listLakeFiles(config.lake.dir);
    assert.ok(written.length >= 5);
    a.close();
    // Restarted: the unfinished flush is redone (same rows, same file names), nothing is added twice.
    const b = new Lake(config.lake, engine, silentLogger);
    const redo = await b.flushOnce();
    assert.equal(redo?.redone, true);
    assert.deepEqual(listLakeFiles(config.lake.dir).sort(), written.sort());
    assert.equal(await b.flushOnce(), undefined);
    const [c] = await db.all<{ n: number; ids: number }>(`SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM read_parquet('${config.lake.dir}/price_ticks/*/*/*/*/*.parquet')`);
    assert.deepEqual(c, { n: 300, ids: 300 });
    b.close();
  } finally {
    db.close();
    await engine.close();
  }
});

test('the price endpoints answer from the lake when it covers the window, with the figures SQLite history gives', async () => {
  const config = lakeConfig();
  const now = Date.now();
  // 30 hours of distinct minute prices, at :30 past each minute, up to now.
  const startMs = Math.floor((now - 30 * HOUR) / 60_000) * 60_000 + 30_000;
  const rows: LakeRow[] = [];
  for (let t = startMs, i = 0; t < now; t += 60_000, i++) rows.push(tick(t, Math.round((60_000 + 500 * Math.sin(i / 37) + i * 0.37) * 100) / 100));
  const engine = new LakeEngine({ log: silentLogger });
  const lake = new Lake(config.lake, engine, silentLogger);
  lake.buffer.accept(rows, new Map());
  await lake.flushAll();
  await lake.seal(now);
  lake.close();
  await engine.close();
  const points = rows.map((r) => ({ series: 'price.usd', tsSec: Math.floor(r.tsMs / 1000), value: r.values.price as number }));
  const fromHistory = await testRuntime({ LAKE: 'off' }, { dataDir: config.dataDir });
  const fromLake = await testRuntime({ LAKE: 'on' }, { dataDir: config.dataDir, role: 'web' });
  try {
    await fromHistory.history.upsertPoints(points);
    const get = async (base: string, path: string) => (await fetch(`${base}${path}`)).json() as Promise<Record<string, unknown>>;
    for (const hours of [1, 24]) {
      const [h, l] = await Promise.all([get(fromHistory.base, `/api/bitcoin/statistics?hours=${hours}`), get(fromLake.base, `/api/bitcoin/statistics?hours=${hours}`)]);
      assert.equal(h.source, 'history');
      assert.equal(l.source, 'lake', JSON.stringify(l));
      for (const k of ['count', 'avg', 'min', 'max', 'median', 'std']) assert.equal(l[k], h[k], `${k} over ${hours} h`);
      const [hh, lh] = await Promise.all([get(fromHistory.base, `/api/bitcoin/hourly?hours=${hours}`), get(fromLake.base, `/api/bitcoin/hourly?hours=${hours}`)]);
      assert.equal(lh.source, 'lake');
      assert.deepEqual(lh.points, hh.points, `hourly over ${hours} h`);
    }
    // 48 hours reach before the lake's first hour: history answers.
    assert.equal((await get(fromLake.base, '/api/bitcoin/statistics?hours=48')).source, 'history');
    const stats = (await get(fromLake.base, '/api/cache/stats')) as { lake: { answered: number; notCovered: number } };
    assert.ok(stats.lake.answered >= 4 && stats.lake.notCovered >= 1, JSON.stringify(stats.lake));
    const metrics = await (await fetch(`${fromLake.base}/metrics`)).text();
    assert.match(metrics, new RegExp(`satscope_lake_queries_total\\{result="answered"\\} ${stats.lake.answered}`));
  } finally {
    await fromLake.close();
    await fromHistory.close();
  }
  assert.ok(existsSync(join(config.lake.dir, 'price_ticks')) && readdirSync(join(config.lake.dir, 'price_ticks')).length > 0);
});

test('the lake engine: a killed child fails its requests without harming the caller, the next request starts a new one, and an idle one stops', async () => {
  const engine = new LakeEngine({ log: silentLogger });
  try {
    assert.deepEqual(await engine.call({ op: 'sql', sql: 'SELECT 42 AS x' }), [{ x: 42 }]);
    const first = engine.pid;
    assert.ok(first);
    const slow = engine.call({ op: 'sql', sql: 'SELECT count(*) AS n FROM range(5000000000)' });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(first, 'SIGKILL');
    await assert.rejects(slow, (err: unknown) => err instanceof Error && /LAKE_UNAVAILABLE|exited/.test(`${(err as { code?: string }).code} ${err.message}`));
    assert.deepEqual(await engine.call({ op: 'sql', sql: 'SELECT 7 AS x' }), [{ x: 7 }]);
    assert.notEqual(engine.pid, first);
    // A caller's deadline gives up waiting without replacing the engine.
    const second = engine.pid;
    await assert.rejects(engine.call({ op: 'sql', sql: 'SELECT count(*) AS n FROM range(5000000000)' }, 1_000, 300), /within 300 ms/);
    assert.equal(engine.pid, second);
    // Idle past its keep-alive, the child goes away.
    await waitFor('the idle engine to stop', async () => (engine.running ? undefined : true), 15_000, 100);
  } finally {
    await engine.close();
  }
});
