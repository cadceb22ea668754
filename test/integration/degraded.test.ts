// Degraded answers, not errors: with Redis or PostgreSQL down a web process still serves its pages
// from what it holds, with a banner naming what is down; a reply that needs the missing dependency
// is a 503 naming it (as JSON, or as a page for a browser); and a flood of them is one log line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log.ts';
import { waitFor } from '../helpers/ports.ts';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI } from '../helpers/services.ts';

const available = hasRedis() && hasPostgres();
if (!available && IN_CI) throw new Error('redis-server and PostgreSQL are required in CI (see .ci/run)');
const TOKEN = 'degraded-test-admin-token';
const HTML = { accept: 'text/html' };
const banner = (page: string) => /<p class="degraded-banner" role="alert">(.*?)<\/p>/s.exec(page)?.[1];

describe('a web process with its dependencies down', { skip: available ? false : 'needs redis-server and PostgreSQL' }, () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let web: Awaited<ReturnType<typeof testRuntime>>;
  const lines: string[] = [];

  before(async () => {
    [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    const log = createLogger({ level: 'info', secrets: [], write: (l) => lines.push(l) });
    web = await testRuntime({ REDIS_URL: redis.url, DATABASE_URL: postgres.url, ADMIN_TOKEN: TOKEN }, { role: 'web', jobs: 'production', log });
  });
  after(async () => {
    await web?.close();
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  test('Redis down: pages answer 200 with a banner naming Redis, a reply that needs it is a 503 naming the store, and the log says so once', async () => {
    const up = await (await fetch(`${web.base}/`, { headers: HTML })).text();
    assert.equal(banner(up), undefined, 'no banner while all is well');
    await redis.stop();
    const page = await waitFor('the banner', async () => {
      const text = await (await fetch(`${web.base}/`, { headers: HTML })).text();
      return banner(text) ? text : undefined;
    }, 10_000, 200);
    assert.match(banner(page)!, /state store \(Redis\) is not answering/);
    for (const path of ['/market', '/blocks', '/status', '/score']) {
      const res = await fetch(web.base + path, { headers: HTML });
      assert.equal(res.status, 200, path);
      assert.ok(banner(await res.text()), `${path} has the banner`);
    }
    const flush = () => fetch(`${web.base}/api/admin/cache/flush`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    const res = await flush();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    const body = (await res.json()) as { error: { code: string; details: { dependency: string; backend: string } } };
    assert.equal(body.error.code, 'STORE_UNAVAILABLE');
    assert.deepEqual(body.error.details, { dependency: 'store', backend: 'redis' });
    for (let i = 0; i < 30; i++) assert.equal((await flush()).status, 503);
    const logged = lines.filter((l) => l.includes('request answered 503') && l.includes('/api/admin/cache/flush'));
    assert.equal(logged.length, 1, `31 failed requests wrote ${logged.length} lines`);
    assert.ok(!lines.some((l) => / error /.test(l) && l.includes('request failed')), 'no error lines for a dependency that is down');

    redis = await startRedis(redis.port);
    await waitFor('the banner gone', async () => (banner(await (await fetch(`${web.base}/`, { headers: HTML })).text()) ? undefined : true), 15_000, 250);
  });

  test('PostgreSQL down: pages keep their banner-marked last data, history replies are a 503 naming history', async () => {
    assert.equal((await fetch(`${web.base}/api/v1/jobs/runs?limit=5`)).status, 200);
    await postgres.stop();
    await waitFor('the banner', async () => (banner(await (await fetch(`${web.base}/blocks`, { headers: HTML })).text()) ? true : undefined), 10_000, 200);
    const page = await fetch(`${web.base}/`, { headers: HTML });
    assert.equal(page.status, 200);
    assert.match(banner(await page.text())!, /history database \(PostgreSQL\) is not answering/);
    await sleep(100);
    // Never asked before, so nothing to fall back on: 503, naming history.
    const res = await fetch(`${web.base}/api/v1/history/chain.difficulty?hours=3`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { code: string; details: { dependency: string; backend: string } } };
    assert.equal(body.error.code, 'HISTORY_UNAVAILABLE');
    assert.deepEqual(body.error.details, { dependency: 'history', backend: 'postgres' });
    const health = await fetch(`${web.base}/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as { history: { status: string } }).history.status, 'down');
  });
});

test('a worker whose Redis is down writes a few lines, not one per job per try', { skip: hasRedis() ? false : 'needs redis-server' }, async () => {
  const redis = await startRedis();
  const lines: string[] = [];
  const log = createLogger({ level: 'info', secrets: [], write: (l) => lines.push(l) });
  const jobs = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, intervalMs: 200, timeoutMs: 1000, cooldownMs: 0, run: async () => undefined }));
  const worker = await testRuntime({ REDIS_URL: redis.url }, { role: 'worker', jobs: () => jobs, log });
  try {
    await sleep(500);
    await redis.stop();
    const from = lines.length;
    await sleep(8000);
    const during = lines.slice(from).filter((l) => / (warn|error) /.test(l));
    assert.ok(during.length <= 6, `${during.length} warning lines in 8 s:\n${during.join('\n')}`);
    assert.ok(during.some((l) => l.includes('jobs not started: a dependency is down') && l.includes('STORE_UNAVAILABLE')), 'the cause is said once');
  } finally {
    await worker.close();
    await redis.stop();
  }
});
