// Satscope scaled out as an operator runs it: a worker and a web process sharing a real Redis and
// a real PostgreSQL, a bcoin regtest node as main. Blocks reach the web's live stream through
// Redis pub/sub, history lands in PostgreSQL, and both processes carry on after Redis restarts.
// Two processes migrating one fresh database at once apply each migration exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startRegtestNode, type RegtestNode } from '../helpers/bcoin.ts';
import { waitFor } from '../helpers/ports.ts';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI, childEnv } from '../helpers/services.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = async (base: string, path: string): Promise<Json> => (await (await fetch(base + path)).json()) as Json;
const available = hasRedis() && hasPostgres();
if (!available && IN_CI) throw new Error('redis-server and PostgreSQL are required in CI (see .ci/run)');

/** Reads an SSE stream, collecting each event's type and parsed frame ({tsMs, data}). */
function stream(base: string) {
  const events: { type: string; data: Json }[] = [];
  const controller = new AbortController();
  void (async () => {
    const res = await fetch(`${base}/api/stream`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += Buffer.from(value).toString('utf8');
      let end: number;
      while ((end = buf.indexOf('\n\n')) !== -1) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const type = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) as Json });
      }
    }
  })().catch(() => undefined);
  return { events, close: () => controller.abort() };
}

describe('a worker and a web process on Redis and PostgreSQL', { skip: available ? false : 'needs redis-server and PostgreSQL' }, () => {
  let node: RegtestNode;
  let redis: RedisServer;
  let postgres: PostgresServer;
  let worker: Awaited<ReturnType<typeof testRuntime>>;
  let web: Awaited<ReturnType<typeof testRuntime>>;

  before(async () => {
    [node, redis, postgres] = await Promise.all([startRegtestNode({ blocks: 110 }), startRedis(), startPostgres()]);
    const env = { REDIS_URL: redis.url, DATABASE_URL: postgres.url, BITCOIN_RPC_URL: node.rpcUrl, BLOCKS_BACKFILL: '5' };
    worker = await testRuntime(env, { role: 'worker', jobs: 'production' });
    web = await testRuntime(env, { role: 'web', jobs: 'production' });
  });
  after(async () => {
    await Promise.all([web?.close(), worker?.close()]);
    await Promise.all([node?.stop(), redis?.stop(), postgres?.stop()]);
  });

  test('the web process serves what the worker found, with history in PostgreSQL', async () => {
    assert.equal(web.scheduler, undefined, 'the web role runs no jobs');
    const chain = await waitFor('the chain through Redis', async () => {
      const c = await get(web.base, '/api/v1/chain');
      return c.data?.height === 110 ? c : undefined;
    }, 30_000, 250);
    assert.equal(chain.source, 'main');
    const blocks = await waitFor('blocks from PostgreSQL', async () => {
      const b = (await get(web.base, '/api/v1/blocks?limit=5')).blocks as Json[];
      return b.length === 5 ? b : undefined;
    }, 30_000, 250);
    assert.deepEqual(blocks.map((b) => b.height), [110, 109, 108, 107, 106]);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const rows = (await db.query("SELECT count(*)::int AS n FROM job_runs WHERE job = 'chain' AND outcome = 'ok'")).rows as { n: number }[];
      assert.ok((rows[0]?.n ?? 0) >= 1, 'job runs are recorded in PostgreSQL');
      const heights = (await db.query('SELECT height FROM blocks ORDER BY height DESC LIMIT 1')).rows as { height: number }[];
      assert.equal(Number(heights[0]?.height), 110);
    } finally {
      await db.end();
    }
    assert.equal((await get(web.base, '/health')).history.kind, 'postgres');
  });

  test('a mined block reaches the web process\'s live stream, before and after Redis restarts', async () => {
    const s = stream(web.base);
    try {
      await waitFor('the stream open', async () => (s.events.some((e) => e.type === 'snapshot') ? true : undefined), 10_000, 50);
      await node.mine(1);
      const first = await waitFor('block 111 on the stream', async () => s.events.find((e) => e.type === 'block' && e.data.data?.height === 111), 20_000, 100);
      assert.equal(first.data.data.source, 'main');

      // Redis goes away and comes back on the same port, empty.
      await redis.stop();
      const health = await waitFor('the outage seen', async () => {
        const r = await fetch(`${web.base}/health`);
        return r.status === 503 ? ((await r.json()) as Json) : undefined;
      }, 10_000, 200);
      assert.equal(health.store.status, 'down');
      redis = await startRedis(redis.port);
      await waitFor('the web process reconnected', async () => ((await fetch(`${web.base}/health`)).status === 200 ? true : undefined), 30_000, 250);
    } finally {
      s.close();
    }
    // The web process re-subscribed: a new block still reaches a new stream.
    const again = stream(web.base);
    try {
      await waitFor('the stream open again', async () => (again.events.some((e) => e.type === 'snapshot') ? true : undefined), 10_000, 50);
      await node.mine(1);
      const second = await waitFor('block 112 on the stream', async () => again.events.find((e) => e.type === 'block' && e.data.data?.height === 112), 40_000, 100);
      assert.equal(second.data.data.height, 112);
      const chain = await waitFor('the chain state restored', async () => {
        const c = await get(web.base, '/api/v1/chain');
        return c.data?.height === 112 ? c : undefined;
      }, 30_000, 250);
      assert.equal(chain.stale, false);
    } finally {
      again.close();
    }
  });
});

test('two processes migrating one fresh PostgreSQL database at once apply each migration once', { skip: hasPostgres() ? false : 'needs PostgreSQL' }, async () => {
  const postgres = await startPostgres();
  try {
    const script = new URL('../helpers/migrate-once.ts', import.meta.url).pathname;
    const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', script], { env: childEnv({ DATABASE_URL: postgres.url }), stdio: ['ignore', 'pipe', 'pipe'] }));
    const outputs = children.map((c) => {
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      return () => out;
    });
    const codes = await Promise.all(children.map(async (c) => ((await once(c, 'exit')) as [number])[0]));
    assert.deepEqual(codes, [0, 0], outputs.map((o) => o()).join('\n'));
    const applied = outputs.map((o) => JSON.parse(o().trim().split('\n').at(-1) ?? '[]') as number[]);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const versions = ((await db.query('SELECT version FROM schema_migrations ORDER BY version')).rows as { version: number }[]).map((r) => Number(r.version));
    await db.end();
    assert.ok(versions.length > 0);
    assert.deepEqual([...applied[0]!, ...applied[1]!].sort((a, b) => a - b), versions, 'between them, each migration was applied once');
  } finally {
    await postgres.stop();
  }
});
