import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { isSatscopeError } from '../../src/errors.ts';
import { lakeDdl } from '../../src/lake/ddl.ts';
import { changedRows, type Snapshot } from '../../src/lake/extract.ts';
import { backoffMs, s3Key, s3Target } from '../../src/lake/s3.ts';
import { eventId, hourOf, parsePartitionDir, partitionDir, PARTITION_COLUMNS, TABLES, TABLE_NAMES } from '../../src/lake/tables.ts';

test('partition folders: zero-padded UTC year/month/day/hour, parsed back, anything else refused', () => {
  const h = Date.UTC(2026, 0, 5, 7);
  assert.equal(partitionDir('price_ticks', h), 'price_ticks/year=2026/month=01/day=05/hour=07');
  assert.deepEqual(parsePartitionDir('price_ticks/year=2026/month=01/day=05/hour=07'), { table: 'price_ticks', hourMs: h });
  assert.equal(hourOf(h + 59 * 60_000 + 59_999), h);
  for (const bad of ['price_ticks/year=2026/month=13/day=05/hour=07', 'other/year=2026/month=01/day=05/hour=07', 'price_ticks/year=2026/month=1/day=05/hour=07', '../x/year=2026/month=01/day=05/hour=07', 'price_ticks/year=2026/month=02/day=30/hour=00'])
    assert.equal(parsePartitionDir(bad), undefined, bad);
});

test('no table has a column named like a partition column; every table has event_id and schema_version', () => {
  for (const name of TABLE_NAMES) {
    const cols = TABLES[name].columns.map((c) => c.name);
    for (const p of PARTITION_COLUMNS) assert.ok(!cols.includes(p), `${name}.${p}`);
    assert.ok(cols.includes('event_id') && cols.includes('schema_version') && cols.includes('ts'), name);
  }
  assert.equal(eventId('a', 1), eventId('a', 1));
  assert.notEqual(eventId('a', 1), eventId('a', 2));
  assert.notEqual(eventId('a1', ''), eventId('a', '1'), 'parts are separated');
});

const snap = (usd: number, quotes: Record<string, number>, eur?: number): Snapshot => ({
  price: {
    asOfMs: 1_000_000,
    data: {
      usd,
      sources: Object.entries(quotes).map(([source, v]) => ({ source, usd: v, asOfMs: 999_000 })),
      fiat: eur === undefined ? {} : { EUR: { value: eur, sources: [{ source: 'coingecko', value: eur, asOfMs: 999_000 }] } },
    },
  },
});

test('changedRows: the first pass takes every value; then only what moved by more than the minimum change', () => {
  const opts = { currencies: ['USD', 'EUR'], minChangePct: 0 };
  const a = changedRows(snap(100, { coingecko: 100, coinbase: 101 }, 90), new Map(), opts);
  assert.deepEqual(a.rows.map((r) => `${r.values.currency} ${r.values.source} ${r.values.price}`).sort(), ['EUR coingecko 90', 'EUR median 90', 'USD coinbase 101', 'USD coingecko 100', 'USD median 100']);
  const b = changedRows(snap(100, { coingecko: 100, coinbase: 101 }, 90), a.lastValues, opts);
  assert.equal(b.rows.length, 0);
  const c = changedRows(snap(100.5, { coingecko: 100, coinbase: 102 }, 90), a.lastValues, opts);
  assert.deepEqual(c.rows.map((r) => `${r.values.source} ${r.values.price}`).sort(), ['coinbase 102', 'median 100.5']);
  // A 1 % minimum: 0.5 % is not a change, 1.5 % is.
  const pct = { currencies: ['USD'], minChangePct: 1 };
  assert.equal(changedRows(snap(100.5, { coingecko: 100 }), a.lastValues, pct).rows.filter((r) => r.values.source === 'median').length, 0);
  assert.equal(changedRows(snap(101.5, { coingecko: 100 }), a.lastValues, pct).rows.filter((r) => r.values.source === 'median').length, 1);
  // A currency not configured is not written; a non-positive price never is.
  assert.ok(changedRows(snap(100, {}, 90), new Map(), { currencies: ['USD'], minChangePct: 0 }).rows.every((r) => r.values.currency === 'USD'));
  assert.equal(changedRows(snap(-1, { coingecko: 0 }), new Map(), opts).rows.length, 0);
});

test('changedRows: fee levels and mempool when any figure changed; each block once', () => {
  const opts = { currencies: ['USD'], minChangePct: 0 };
  const fees = { source: 'mempool', asOfMs: 5, data: { fastestSatVb: 3, halfHourSatVb: 2, hourSatVb: 2, economySatVb: 1, minimumSatVb: 1 } };
  const block = (h: number) => ({ hash: `h${h}`, height: h, timeSec: 1_700_000_000 + h, txCount: 1, sizeBytes: 1, weight: 4, totalFeeSats: 1, rewardSats: 1, medianFeeRate: 1, pool: null });
  const a = changedRows({ fees, blocks: { source: 'mempool', data: [block(2), block(1)] } }, new Map(), opts);
  assert.deepEqual(a.rows.map((r) => r.table).sort(), ['blocks', 'blocks', 'fee_levels']);
  const b = changedRows({ fees: { ...fees, asOfMs: 6 }, blocks: { source: 'mempool', data: [block(3), block(2), block(1)] } }, a.lastValues, opts);
  assert.deepEqual(b.rows.map((r) => `${r.table} ${r.values.height ?? ''}`), ['blocks 3'], 'same fee levels later: not written; only the new block');
  const c = changedRows({ fees: { ...fees, data: { ...fees.data, fastestSatVb: 4 } } }, new Map([...a.lastValues, ...b.lastValues]), opts);
  assert.equal(c.rows.length, 1);
  assert.equal(c.rows[0]?.values.fastest_sat_vb, 4);
});

test('lake configuration: S3 bucket and prefix, retention per table, and every mistake named', () => {
  const c = loadConfig({ DATA_DIR: '/tmp/x', LAKE_S3_URL: 's3://my-bucket/satscope/lake/', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'shh-secret', LAKE_RETENTION_DAYS: 'mempool=30, fee_levels=7' });
  assert.equal(c.lake.dir, '/tmp/x/lake');
  assert.deepEqual({ bucket: c.lake.s3?.bucket, prefix: c.lake.s3?.prefix }, { bucket: 'my-bucket', prefix: 'satscope/lake' });
  assert.deepEqual(c.lake.retentionDays, { mempool: 30, fee_levels: 7 });
  assert.ok(c.secrets.includes('shh-secret'));
  assert.equal(s3Key(c.lake.s3 as NonNullable<typeof c.lake.s3>, 'price_ticks/x.parquet'), 'satscope/lake/price_ticks/x.parquet');
  assert.doesNotMatch(s3Target(c.lake.s3 as NonNullable<typeof c.lake.s3>), /AKIA1|shh/);
  assert.equal(loadConfig({ LAKE: 'off' }).lake.enabled, false);
  assert.equal(loadConfig({}).lake.enabled, true, 'on by default');
  for (const [env, variable] of [
    [{ LAKE_S3_URL: 'https://bucket' }, 'LAKE_S3_URL'],
    [{ LAKE_RETENTION_DAYS: 'nosuch=3' }, 'LAKE_RETENTION_DAYS'],
    [{ LAKE_RETENTION_DAYS: 'mempool=0' }, 'LAKE_RETENTION_DAYS'],
    [{ LAKE: 'maybe' }, 'LAKE'],
    [{ LAKE_S3_URL: 's3://bucket', AWS_ACCESS_KEY_ID: 'x' }, 'AWS_SECRET_ACCESS_KEY'],
    [{ LAKE_S3_ENDPOINT: 'http://127.0.0.1:9000' }, 'LAKE_S3_URL'],
  ] as const) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => isSatscopeError(err, 'CONFIG_INVALID') && err.message.includes(variable),
      JSON.stringify(env),
    );
  }
});

test('lake ddl: an external table per table with partition projection over the S3 location, and DuckDB views', () => {
  const c = loadConfig({ DATA_DIR: '/srv/satscope', LAKE_S3_URL: 's3://bkt/p', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 'not-in-ddl' });
  const ddl = lakeDdl(c.lake);
  for (const t of TABLE_NAMES) {
    assert.match(ddl, new RegExp(`CREATE EXTERNAL TABLE IF NOT EXISTS satscope\\.${t} \\(`));
    assert.match(ddl, new RegExp(`LOCATION 's3://bkt/p/${t}/'`));
    assert.match(ddl, new RegExp(`CREATE OR REPLACE VIEW ${t} AS SELECT \\* FROM read_parquet\\('/srv/satscope/lake/${t}/`));
  }
  assert.match(ddl, /'storage\.location\.template' = 's3:\/\/bkt\/p\/price_ticks\/year=\$\{year\}\/month=\$\{month\}\/day=\$\{day\}\/hour=\$\{hour\}\/'/);
  assert.match(ddl, /`ts` timestamp/);
  assert.doesNotMatch(ddl, /not-in-ddl/);
});

test('upload backoff doubles from 5 s up to 30 minutes', () => {
  assert.deepEqual([1, 2, 3, 4].map(backoffMs), [5_000, 10_000, 20_000, 40_000]);
  assert.equal(backoffMs(40), 30 * 60_000);
});
