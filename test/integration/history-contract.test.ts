// One contract, two databases: SQLite (a real file, WAL) and a real PostgreSQL cluster.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { silentLogger } from '../../src/log.ts';
import { History, openHistory } from '../../src/store/history/history.ts';
import { loadMigrations, migrate } from '../../src/store/history/migrate.ts';
import { PostgresDriver } from '../../src/store/history/postgres-driver.ts';
import { DAY_SEC, HOUR_SEC } from '../../src/store/history/queries/compaction.ts';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { IN_CI } from '../helpers/services.ts';

const NOW = 1_780_730_885; // the fixtures' moment, 2026-06-06T07:28:05Z

function contract(name: string, open: () => Promise<History>, cleanup: () => Promise<void> = async () => undefined) {
  describe(`${name} history contract`, () => {
    let h: History;
    before(async () => {
      h = await open();
    });
    after(async () => {
      await h.close();
      await cleanup();
    });

    test('migrate() is idempotent and records each version once', async () => {
      assert.deepEqual(await h.migrate(), []);
      const rows = await h.db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => Number(r.version)), loadMigrations().map((m) => m.version));
    });

    test('concurrent migrators apply each migration exactly once', async () => {
      const results = await Promise.all([migrate(h.db), migrate(h.db), migrate(h.db)]);
      assert.deepEqual(results, [[], [], []]);
    });

    test('upsertPoints() is idempotent: a rerun keeps one row with the last value', async () => {
      await h.upsertPoints([
        { series: 'price.usd', tsSec: NOW, value: 60_000 },
        { series: 'price.usd', tsSec: NOW + 60, value: 60_100 },
      ]);
      await h.upsertPoints([{ series: 'price.usd', tsSec: NOW + 60, value: 60_823.5 }]);
      const pts = await h.rawPoints('price.usd', NOW, NOW + 60);
      assert.deepEqual(pts.map((p) => [p.tsSec, p.value]), [
        [NOW, 60_000],
        [NOW + 60, 60_823.5],
      ]);
      assert.deepEqual(await h.latestPoint('price.usd'), { series: 'price.usd', tsSec: NOW + 60, value: 60_823.5 });
      assert.equal(await h.latestPoint('nothing'), undefined);
    });

    test('upsertPoints() rejects a non-finite value and writes nothing of the batch', async () => {
      assert.throws(() => h.upsertPoints([{ series: 'bad', tsSec: NOW, value: 1 }, { series: 'bad', tsSec: NOW + 1, value: Number.NaN }]), /finite/);
      assert.deepEqual(await h.rawPoints('bad', 0, NOW * 2), []);
    });

    test('a large batch is written whole', async () => {
      const pts = Array.from({ length: 1000 }, (_, i) => ({ series: 'bulk', tsSec: NOW + i, value: i }));
      await h.upsertPoints(pts);
      assert.equal((await h.rawPoints('bulk', 0, NOW * 2)).length, 1000);
    });

    test('settings round-trip JSON and are validated on read', async () => {
      await h.setSetting('power', { costPerKwh: 0.12, watts: 3250 });
      await h.setSetting('power', { costPerKwh: 0.1, watts: 3250 });
      const schema = z.object({ costPerKwh: z.number(), watts: z.number() });
      assert.deepEqual(await h.getSetting('power', schema), { costPerKwh: 0.1, watts: 3250 });
      assert.equal(await h.getSetting('power', z.string()), undefined);
      assert.equal(await h.getSetting('missing', schema), undefined);
    });

    test('job runs are recorded once per id and listed newest first', async () => {
      const run = { id: `r-${name}-1`, job: 'prices', holder: 'h1', startedAtMs: 1000, finishedAtMs: 1500, outcome: 'ok' as const, error: null };
      await h.recordJobRun(run);
      await h.recordJobRun(run);
      await h.recordJobRun({ ...run, id: `r-${name}-2`, startedAtMs: 2000, finishedAtMs: 2100, outcome: 'error', error: 'boom' });
      const runs = await h.jobRuns('prices');
      assert.deepEqual(runs.map((r) => [r.id, r.outcome, r.error]), [
        [`r-${name}-2`, 'error', 'boom'],
        [`r-${name}-1`, 'ok', null],
      ]);
    });

    test('compact() rolls raw points into hourly and daily aggregates and applies retention', async () => {
      const base = Math.floor((NOW - 10 * DAY_SEC) / DAY_SEC) * DAY_SEC; // a day boundary, 10 days ago
      const pts = [];
      // Two days of points, every 20 minutes: values 0..143.
      for (let i = 0; i < 144; i++) pts.push({ series: 'mempool.vsize', tsSec: base + i * 1200, value: i });
      // Recent raw points (kept) and one in the current, incomplete hour (not rolled up yet).
      pts.push({ series: 'mempool.vsize', tsSec: NOW - 2 * HOUR_SEC, value: 1000 });
      pts.push({ series: 'mempool.vsize', tsSec: NOW, value: 5000 });
      await h.upsertPoints(pts);

      const first = await h.compact(NOW);
      const again = await h.compact(NOW);
      assert.ok(first.rawDeleted >= 144, 'raw points older than 7 days are gone');
      assert.equal(again.rawDeleted, 0);

      const hourly = await h.aggregates('hour', 'mempool.vsize', base, NOW);
      assert.deepEqual(hourly[0], { tsSec: base, avg: 1, min: 0, max: 2, count: 3 });
      assert.equal(hourly.filter((x) => x.tsSec < base + 2 * DAY_SEC).length, 48);
      assert.ok(hourly.some((x) => x.avg === 1000), 'a recent complete hour is rolled up');
      assert.ok(!hourly.some((x) => x.avg === 5000), 'the current hour is not');

      const daily = await h.aggregates('day', 'mempool.vsize', base, NOW);
      assert.deepEqual(daily.slice(0, 2), [
        { tsSec: base, avg: 35.5, min: 0, max: 71, count: 72 },
        { tsSec: base + DAY_SEC, avg: 107.5, min: 72, max: 143, count: 72 },
      ]);
      assert.deepEqual((await h.rawPoints('mempool.vsize', 0, NOW * 2)).map((p) => p.value), [1000, 5000]);

      // Hourly aggregates older than two years are expired; daily ones are kept forever.
      const old = NOW - 800 * DAY_SEC;
      await h.db.run('INSERT INTO points_hourly (series, ts, avg, min, max, count) VALUES (?, ?, 1, 1, 1, 1)', ['ancient', old]);
      await h.db.run('INSERT INTO points_daily (series, ts, avg, min, max, count) VALUES (?, ?, 1, 1, 1, 1)', ['ancient', old]);
      const third = await h.compact(NOW);
      assert.equal(third.hourlyDeleted, 1);
      assert.deepEqual(await h.aggregates('hour', 'ancient', 0, NOW), []);
      assert.equal((await h.aggregates('day', 'ancient', 0, NOW)).length, 1);
    });

    test('ping() answers', async () => {
      await h.ping();
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'satscope-hist-'));
contract('sqlite', () => openHistory({ databaseUrl: undefined, dataDir: dir, log: silentLogger }));

test('the SQLite file is in WAL mode and passes its integrity check', async () => {
  const h = await openHistory({ databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'satscope-wal-')), log: silentLogger });
  const [mode] = await h.db.all<{ journal_mode: string }>('PRAGMA journal_mode');
  assert.equal(mode?.journal_mode, 'wal');
  assert.equal(await h.integrityCheck(), 'ok');
  await h.close();
});

if (hasPostgres() || IN_CI) {
  let pg: PostgresServer | undefined;
  contract(
    'postgres',
    async () => {
      pg = await startPostgres();
      return openHistory({ databaseUrl: pg.url, dataDir: dir, log: silentLogger });
    },
    async () => pg?.stop(),
  );

  test('History reports HISTORY_UNAVAILABLE when PostgreSQL is unreachable', async () => {
    const h = new History(new PostgresDriver('postgres://postgres@127.0.0.1:1/none', () => undefined));
    await assert.rejects(h.ping(), (e: { code?: string }) => e.code === 'HISTORY_UNAVAILABLE');
    await h.close();
  });
} else {
  test('postgres history contract', (t) => t.skip('PostgreSQL not installed'));
}
