// Chaos, as an operator meets it: two `satscope worker` processes and a web process on a real Redis
// and a real PostgreSQL, a bcoin regtest node as main. The worker running `mempool` and `chain` is
// killed with SIGKILL, Redis is restarted (losing everything, as without persistence), and
// PostgreSQL is restarted; the jobs move, the scheduler remembers, and history loses nothing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startRegtestNode, type RegtestNode } from '../helpers/bcoin.ts';
import { freePort, waitFor } from '../helpers/ports.ts';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { PUBLIC_OFF, testRuntime } from '../helpers/runtime.ts';
import { IN_CI, childEnv } from '../helpers/services.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ROOT = new URL('../..', import.meta.url).pathname;
const available = hasRedis() && hasPostgres();
if (!available && IN_CI) throw new Error('redis-server and PostgreSQL are required in CI (see .ci/run)');

interface Worker {
  proc: ChildProcess;
  url: string;
  pid: number;
  log: string[];
}

async function startWorker(env: Record<string, string>): Promise<Worker> {
  const metricsPort = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'bin/satscope.js'), 'worker'], {
    env: childEnv({ ...env, METRICS_PORT: String(metricsPort), DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-chaos-')) }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  proc.stderr!.on('data', (b: Buffer) => log.push(...b.toString().split('\n').filter(Boolean)));
  const url = `http://127.0.0.1:${metricsPort}`;
  await waitFor('the worker\'s /health', async () => ((await fetch(`${url}/health`).catch(() => undefined))?.ok ? true : undefined), 30_000, 100);
  return { proc, url, pid: proc.pid!, log };
}

const holderPid = (holder: string) => Number(holder.split(':')[1]);

describe('chaos: a killed worker, a Redis restart, a PostgreSQL restart', { skip: available ? false : 'needs redis-server and PostgreSQL', timeout: 240_000 }, () => {
  let node: RegtestNode;
  let redis: RedisServer;
  let postgres: PostgresServer;
  let db: pg.Pool;
  let env: Record<string, string>;
  const workers: Worker[] = [];
  let web: Awaited<ReturnType<typeof testRuntime>>;
  let survivor: Worker;
  let testStartMs: number;

  const runsSince = async (job: string, sinceMs: number): Promise<{ holder: string; started: number; outcome: string; error: string | null }[]> =>
    (await db.query('SELECT holder, started_at_ms::float8 AS started, outcome, error FROM job_runs WHERE job = $1 AND started_at_ms > $2 ORDER BY started_at_ms', [job, sinceMs])).rows;
  const jobs = async (): Promise<Json[]> => ((await (await fetch(`${web.base}/api/v1/jobs`)).json()) as Json).jobs as Json[];

  before(async () => {
    testStartMs = Date.now();
    [node, redis, postgres] = await Promise.all([startRegtestNode({ blocks: 110 }), freePort().then((p) => startRedis(p)), startPostgres()]);
    // A pool: the test's own connections are cut by the PostgreSQL restart too.
    db = new pg.Pool({ connectionString: postgres.url, max: 2 });
    db.on('error', () => undefined);
    env = { REDIS_URL: redis.url, DATABASE_URL: postgres.url, BITCOIN_RPC_URL: node.rpcUrl, BLOCKS_BACKFILL: '5', SOURCES_DISABLED: PUBLIC_OFF, LAKE: 'off', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    workers.push(await startWorker(env));
    await waitFor('a first mempool run', async () => ((await runsSince('mempool', 0)).some((r) => r.outcome === 'ok') ? true : undefined), 30_000, 200);
    workers.push(await startWorker(env));
    web = await testRuntime(env, { role: 'web', jobs: 'production' });
  });
  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await web?.close();
    await db?.end().catch(() => undefined);
    await Promise.all([node?.stop(), redis?.stop(), postgres?.stop()]);
  });

  test('kill -9 of the worker running mempool and chain: the other runs both within 20 s, and /api/v1/jobs never shows the dead holder running', async (t) => {
    // Both workers take turns; the victim is the one that ran both mempool and chain last.
    const lastHolder = async (job: string) => ((await db.query('SELECT holder FROM job_runs WHERE job = $1 ORDER BY started_at_ms DESC LIMIT 1', [job])).rows[0] as { holder: string } | undefined)?.holder;
    const victimPid = await waitFor('one worker that ran both mempool and chain last', async () => {
      const [m, c] = await Promise.all([lastHolder('mempool'), lastHolder('chain')]);
      return m && c && holderPid(m) === holderPid(c) && workers.some((w) => w.pid === holderPid(m)) ? holderPid(m) : undefined;
    }, 60_000, 300);
    const victim = workers.find((w) => w.pid === victimPid)!;
    survivor = workers.find((w) => w !== victim)!;
    const killedAtMs = Date.now();
    victim.proc.kill('SIGKILL');
    await once(victim.proc, 'exit');
    const moved = await waitFor('mempool and chain on the survivor', async () => {
      const [m, c] = await Promise.all([runsSince('mempool', killedAtMs), runsSince('chain', killedAtMs)]);
      const mine = (rows: { holder: string; started: number }[]) => rows.find((r) => holderPid(r.holder) === survivor.pid);
      const mm = mine(m);
      const cc = mine(c);
      return mm && cc ? { mempool: mm.started - killedAtMs, chain: cc.started - killedAtMs } : undefined;
    }, 25_000, 200);
    t.diagnostic(`after the kill: mempool ran on the other worker in ${moved.mempool} ms, chain in ${moved.chain} ms`);
    assert.ok(moved.mempool < 20_000 && moved.chain < 20_000, `mempool ran again after ${moved.mempool} ms, chain after ${moved.chain} ms`);
    // Past the victim's lease, no job names it as a running holder.
    await sleep(Math.max(0, killedAtMs + 11_000 - Date.now()));
    const listed = await jobs();
    const ghost = listed.filter((j) => j.running && typeof j.lockHolder === 'string' && holderPid(j.lockHolder) === victim.pid);
    assert.deepEqual(ghost.map((j) => j.name), [], 'jobs shown as running on the killed worker');
    const health = (await (await fetch(`${survivor.url}/health`)).json()) as Json;
    assert.equal(health.status, 'ok');
  });

  test('after a Redis restart no job whose interval is 10 minutes or more runs within 60 s unless it was due', async (t) => {
    const before = (await jobs()).filter((j) => j.intervalMs >= 600_000 && j.lastFinishedAtMs);
    assert.ok(before.length >= 2, `long-interval jobs that have run: ${before.map((j) => j.name).join(', ')}`);
    await redis.stop();
    await sleep(500);
    const restartedAtMs = Date.now();
    redis = await startRedis(redis.port);
    // The short jobs carry on, on the new Redis.
    await waitFor('mempool after the restart', async () => ((await runsSince('mempool', restartedAtMs)).some((r) => r.outcome === 'ok') ? true : undefined), 30_000, 250);
    await sleep(Math.max(0, restartedAtMs + 60_000 - Date.now()));
    for (const j of before) {
      const due = (j.nextRunAtMs as number) <= restartedAtMs + 60_000;
      const early = await runsSince(j.name as string, restartedAtMs);
      t.diagnostic(`${j.name}: every ${j.intervalMs / 60_000} min, next due ${new Date(j.nextRunAtMs).toISOString()} (${due ? 'due' : 'not due'} within 60 s of the restart at ${new Date(restartedAtMs).toISOString()}); runs since: ${early.length}`);
      if (!due) assert.deepEqual(early.map((r) => new Date(r.started).toISOString()), [], `${j.name} (every ${j.intervalMs / 60_000} min, next due ${new Date(j.nextRunAtMs).toISOString()}) ran early`);
    }
    // The statuses are back in Redis, with their next run where it was.
    const after = await jobs();
    for (const j of before.filter((b) => (b.nextRunAtMs as number) > restartedAtMs + 60_000)) {
      const now = after.find((a) => a.name === j.name)!;
      assert.equal(now.lastFinishedAtMs, j.lastFinishedAtMs, `${j.name}: the status was recovered`);
      assert.equal(now.nextRunAtMs, j.nextRunAtMs, `${j.name}: its next run is where it was`);
    }
  });

  test('a PostgreSQL restart: failures are blamed on history, runs in the outage are recorded once it is back, and no row is lost or duplicated', async (t) => {
    const downAtMs = Date.now();
    await postgres.restart(15_000);
    const upAtMs = Date.now();
    // The runs that failed while PostgreSQL was down were kept and written when it came back.
    const during = await waitFor('runs of the outage recorded', async () => {
      const rows = (await runsSince('mempool', downAtMs).catch(() => [])).filter((r) => r.started < upAtMs);
      return rows.length > 0 ? rows : undefined;
    }, 30_000, 500);
    const failed = during.filter((r) => r.outcome !== 'ok');
    assert.ok(failed.length > 0, 'a mempool run failed during the outage');
    for (const f of failed) {
      assert.match(f.error ?? '', /HISTORY_UNAVAILABLE/, 'the failure names history');
      assert.doesNotMatch(f.error ?? '', /NODE_UNAVAILABLE/, 'and does not blame the node');
    }
    // A block mined now lands once; the chain in history has every height once.
    await node.mine(1);
    const tip = node.height();
    await waitFor('the new block in PostgreSQL', async () => ((await db.query('SELECT 1 FROM blocks WHERE height = $1', [tip])).rowCount ? true : undefined), 30_000, 250);
    const heights = (await db.query('SELECT height, count(*)::int AS n FROM blocks WHERE orphaned = 0 GROUP BY height ORDER BY height')).rows as { height: number; n: number }[];
    assert.ok(heights.every((h) => h.n === 1), 'a height held twice');
    const hs = heights.map((h) => Number(h.height));
    assert.deepEqual(hs, Array.from({ length: hs.length }, (_, i) => hs[0]! + i), 'no height missing');
    assert.equal(hs.at(-1), tip);
    // The mempool minute series has a point for every minute since the first run: none lost to the kill or the restarts.
    const minutes = (await db.query("SELECT ts::float8 AS ts FROM points WHERE series = 'mempool.tx_count' AND ts >= $1 ORDER BY ts", [Math.floor(testStartMs / 60_000) * 60])).rows.map((r: { ts: number }) => r.ts);
    const gaps = minutes.slice(1).filter((t, i) => t - minutes[i]! !== 60);
    assert.ok(minutes.length >= 2, `${minutes.length} minutes`);
    t.diagnostic(`mempool.tx_count: ${minutes.length} consecutive minutes; failed runs during the PostgreSQL outage: ${failed.length}, recorded after it`);
    assert.deepEqual(gaps, [], `minutes missing from mempool.tx_count: ${gaps.map((t) => new Date(t * 1000).toISOString()).join(', ')}`);
    const dupRuns = (await db.query('SELECT id FROM job_runs GROUP BY id HAVING count(*) > 1')).rowCount;
    assert.equal(dupRuns, 0);
    assert.ok(survivor.log.every((l) => !/uncaught/i.test(l)), 'the survivor did not crash');
  });
});
