// Alerts with two workers on one Redis and one PostgreSQL: both run the alerts job, asked again and
// again, and a firing is still notified exactly once, and its resolution once (the job runs under
// the scheduler's lock, and each notification is recorded in PostgreSQL before it is sent).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { saveRule } from '../../src/alert-rules.ts';
import { alertChannels, alertsJob } from '../../src/jobs/alerts.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { waitFor } from '../helpers/ports.ts';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI } from '../helpers/services.ts';

const available = hasRedis() && hasPostgres();
if (!available && IN_CI) throw new Error('redis-server and PostgreSQL are required in CI (see .ci/run)');

describe('alerts with two workers on Redis and PostgreSQL', { skip: available ? false : 'needs redis-server and PostgreSQL' }, () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let hook: Server;
  const received: { state: string; firingId: string }[] = [];
  const workers: Awaited<ReturnType<typeof testRuntime>>[] = [];

  before(async () => {
    [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const j = JSON.parse(body) as { state: string; firingId: string };
        received.push({ state: j.state, firingId: j.firingId });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const env = { REDIS_URL: redis.url, DATABASE_URL: postgres.url, ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` };
    for (let i = 0; i < 2; i++) workers.push(await testRuntime(env, { role: 'worker', jobs: (deps) => [alertsJob(deps, alertChannels(deps), { retryBaseMs: 100 })] }));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await new Promise<void>((r) => hook.close(() => r()));
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  /** Both workers asked to run the job, several times over, until a run has seen the change. */
  const hammer = async (times: number) => {
    for (let i = 0; i < times; i++) {
      const before = (await workers[0]!.store.get(keys.alerts))?.asOfMs ?? 0;
      await Promise.all(workers.map((w) => requestJobRun(w.store, w.jobs, 'alerts')));
      await waitFor('a run', async () => (((await workers[0]!.store.get(keys.alerts))?.asOfMs ?? 0) > before ? true : undefined), 15_000, 25);
    }
  };

  test('one firing and one resolution are notified once each, whichever worker runs the job', async () => {
    const [a] = workers;
    await saveRule(a!, { id: 'gauge-high', kind: 'threshold', series: 'test.gauge', op: 'above', level: 10, maxAgeMin: 30, severity: 'warning', cooldownMin: 0, enabled: true });
    await a!.history.upsertPoints([{ series: 'test.gauge', tsSec: Math.floor(Date.now() / 1000), value: 50 }]);
    await hammer(6);
    await waitFor('the firing webhook', async () => (received.length >= 1 ? true : undefined), 10_000, 25);
    await hammer(3);
    assert.deepEqual(received.map((r) => r.state), ['firing']);
    await a!.history.upsertPoints([{ series: 'test.gauge', tsSec: Math.floor(Date.now() / 1000) + 1, value: 5 }]);
    await hammer(6);
    await waitFor('the resolved webhook', async () => (received.length >= 2 ? true : undefined), 10_000, 25);
    await hammer(3);
    assert.deepEqual(received.map((r) => r.state), ['firing', 'resolved']);
    assert.equal(received[0]?.firingId, received[1]?.firingId);
    // The history holds one firing, however many runs each worker made.
    const firings = await a!.history.recentFirings(10);
    assert.equal(firings.filter((f) => f.ruleId === 'gauge-high').length, 1);
  });
});
