// `satscope stream` as its own process on Redis: a SIGKILL between accepting rows and flushing
// them loses none and duplicates none once it is restarted; two stream processes never run the
// pipeline at once. And the S3 mirror against a real S3-compatible server (s3rver): sealed files
// appear under the same keys with the same sizes; a server that is down makes uploads wait and
// retry, and `satscope lake sync` completes them later.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import S3rver from 's3rver';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLogger } from '../../src/log.ts';
import { LakeBuffer } from '../../src/lake/buffer.ts';
import { LakeEngine } from '../../src/lake/engine-client.ts';
import { bufferFile, Lake, listLakeFiles } from '../../src/lake/lake.ts';
import { LakeUploader } from '../../src/lake/s3.ts';
import { eventId, hourOf, type LakeRow } from '../../src/lake/tables.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import { keys } from '../../src/store/keys.ts';
import { freePort, waitFor } from '../helpers/ports.ts';
import { hasRedis, startRedis } from '../helpers/redis.ts';
import { childEnv, requireService } from '../helpers/services.ts';
import { duck, lakeConfig } from '../helpers/lake.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const HOUR = 3_600_000;

function satscope(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/satscope.js'), ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

const bufferedIds = (dataDir: string): string[] => {
  try {
    const b = new LakeBuffer(bufferFile(join(dataDir, 'lake')), { readonly: true });
    try {
      return (b as unknown as { db: { prepare(s: string): { all(): { event_id: string }[] } } }).db.prepare('SELECT event_id FROM buffer_rows ORDER BY seq').all().map((r) => r.event_id);
    } finally {
      b.close();
    }
  } catch {
    return [];
  }
};

test('SIGKILL of the stream process between accepting and flushing: after a restart every accepted row is in the lake exactly once', async (t) => {
  if (!requireService(t, 'redis-server', hasRedis())) return;
  const redis = await startRedis();
  const store = new RedisStore({ url: redis.url, log: silentLogger });
  await store.start();
  const config = lakeConfig();
  const env = { REDIS_URL: redis.url, DATA_DIR: config.dataDir, SOURCES_DISABLED: 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor,ocean' };
  const db = await duck();
  let first: ReturnType<typeof satscope> | undefined;
  let second: ReturnType<typeof satscope> | undefined;
  try {
    // A flush a day away: rows only accumulate in the buffer.
    first = satscope(['stream'], { ...env, LAKE_FLUSH_SEC: '3600' });
    const setPrice = (usd: number) => {
      const asOfMs = Date.now();
      return store.set(keys.publicPiece('market.price'), { source: 'coingecko+coinbase', asOfMs, data: { usd, sources: [{ source: 'coingecko', usd, asOfMs }, { source: 'coinbase', usd: usd + 0.5, asOfMs }], fiat: {} } });
    };
    let price = 60_000;
    const accepted = await waitFor(
      'rows accepted by the stream',
      async () => {
        await setPrice((price += 7));
        const ids = bufferedIds(config.dataDir);
        return ids.length >= 30 ? ids : undefined;
      },
      60_000,
      400,
    );
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    assert.equal(listLakeFiles(config.lake.dir).length, 0, 'nothing was flushed before the kill');
    const kept = bufferedIds(config.dataDir);
    assert.ok(kept.length >= accepted.length, 'every accepted row is still in the buffer after the kill');

    // The lock of the killed holder runs out; the restarted stream takes over and flushes.
    second = satscope(['stream'], { ...env, LAKE_FLUSH_SEC: '1' });
    await waitFor('the buffer flushed', async () => (bufferedIds(config.dataDir).length === 0 && listLakeFiles(config.lake.dir).length > 0 ? true : undefined), 90_000, 500);
    const rows = await db.all<{ event_id: string }>(`SELECT event_id FROM read_parquet('${config.lake.dir}/price_ticks/*/*/*/*/*.parquet', hive_partitioning = true)`);
    const ids = rows.map((r) => r.event_id);
    assert.equal(new Set(ids).size, ids.length, 'no row written twice');
    for (const id of kept) assert.ok(ids.includes(id), `accepted row ${id} is in the lake`);
    // After the restart only a real change is taken: the last price set, if the killed process had not seen it yet (median and two quotes).
    assert.ok(ids.length === kept.length || ids.length === kept.length + 3, `${ids.length} rows for ${kept.length} accepted`);
    const status = await waitFor('the lake status', async () => {
      const s = await store.get(keys.lakeStatus);
      return s && s.tables.length > 0 ? s : undefined;
    });
    assert.equal(status.tables.find((x) => x.table === 'price_ticks')?.rows, ids.length);
    second.child.kill('SIGTERM');
    const [code] = (await once(second.child, 'exit')) as [number];
    assert.equal(code, 0, second.output());
  } finally {
    first?.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
    db.close();
    await store.close();
    await redis.stop();
  }
});

async function startS3(port: number, directory: string): Promise<S3rver> {
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'lake', configs: [] }] });
  await server.run();
  return server;
}

const tick = (tsMs: number, price: number): LakeRow => ({ table: 'price_ticks', eventId: eventId('price_ticks', 'USD', 'median', tsMs, price), tsMs, values: { ts: tsMs, currency: 'USD', source: 'median', price } });

test('sealed files are uploaded to S3-compatible storage under the same keys and sizes; a store that is down makes uploads wait and retry, and lake sync completes them', async () => {
  const port = await freePort();
  const s3dir = mkdtempSync(join(tmpdir(), 'satscope-s3rver-'));
  const env = { LAKE_S3_URL: 's3://lake/satscope/prod', LAKE_S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const config = lakeConfig(env);
  const s3 = config.lake.s3;
  assert.ok(s3);
  let server: S3rver | undefined = await startS3(port, s3dir);
  const engine = new LakeEngine({ log: silentLogger });
  const lake = new Lake(config.lake, engine, silentLogger);
  const client = new S3Client({ region: 'us-east-1', endpoint: env.LAKE_S3_ENDPOINT, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  try {
    const now = Date.now();
    const hourA = hourOf(now) - 5 * HOUR;
    lake.buffer.accept(Array.from({ length: 90 }, (_, i) => tick(hourA + i * 60_000, 60_000 + i)), new Map());
    await lake.flushAll();
    const sealedA = await lake.seal(now);
    assert.equal(sealedA.length, 2, 'two closed hours');
    const uploader = new LakeUploader(config.lake.dir, s3, 5_000);
    const r1 = await uploader.uploadDue(lake.buffer, now);
    assert.deepEqual(r1, { uploaded: 2, failed: 0 });
    for (const f of sealedA) {
      const head = await client.send(new HeadObjectCommand({ Bucket: 'lake', Key: `satscope/prod/${f.path}` }));
      assert.equal(head.ContentLength, statSync(join(config.lake.dir, f.path)).size, f.path);
    }
    assert.ok(lake.buffer.files({ sealed: true }).every((f) => f.uploadedMs !== null));

    // The store goes down: the next hour's upload fails, is recorded, and waits its backoff.
    await server.close();
    server = undefined;
    const hourB = hourOf(now) - 2 * HOUR;
    lake.buffer.accept(Array.from({ length: 10 }, (_, i) => tick(hourB + i * 60_000, 61_000 + i)), new Map());
    await lake.flushAll();
    const [sealedB] = await lake.seal(now);
    assert.ok(sealedB);
    const r2 = await uploader.uploadDue(lake.buffer, now);
    assert.deepEqual(r2, { uploaded: 0, failed: 1 });
    const waiting = lake.buffer.files({ sealed: true }).find((f) => f.path === sealedB.path);
    assert.equal(waiting?.uploadAttempts, 1);
    assert.ok(waiting?.nextUploadMs && waiting.nextUploadMs > Date.now(), 'a retry is scheduled');
    assert.match(waiting?.uploadError ?? '', /refused|ECONNREFUSED|network|socket/i);
    assert.equal((await uploader.uploadDue(lake.buffer, Date.now())).failed, 0, 'not retried before its backoff');
    assert.ok(!(waiting?.uploadError ?? '').includes('S3RVER'), 'no credential in the error');
    lake.close();

    // Back up: `satscope lake sync` uploads what the bucket lacks and leaves the rest.
    server = await startS3(port, s3dir);
    const child = spawn(process.execPath, [join(ROOT, 'bin/satscope.js'), 'lake', 'sync'], { env: childEnv({ ...env, DATA_DIR: config.dataDir }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, out);
    assert.match(out, /checked 3 sealed file\(s\): 1 uploaded, 2 already there, 0 failed/);
    assert.doesNotMatch(out, /S3RVER/);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'lake', Key: `satscope/prod/${sealedB.path}` }));
    assert.equal(head.ContentLength, statSync(join(config.lake.dir, sealedB.path)).size);
    const after = new LakeBuffer(bufferFile(config.lake.dir));
    assert.ok(after.files({ sealed: true }).every((f) => f.uploadedMs !== null && f.uploadError === null));
    after.close();
  } finally {
    client.destroy();
    await engine.close();
    await server?.close();
  }
});
