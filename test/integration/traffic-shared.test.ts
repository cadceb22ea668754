// Two web processes on one Redis, as in scale-out: a tab is one viewer whichever process its
// heartbeats reach, page views made on one process show on the other, and with Redis gone each
// process shows its own counts, marked so, without a request failing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../helpers/ports.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI } from '../helpers/services.ts';

interface Status {
  traffic: { scope: 'shared' | 'process'; activeViewers: number; pageViews: Record<string, number>; reason?: string; detail?: string };
}

const status = async (base: string) => (await (await fetch(`${base}/api/v1/status`)).json()) as Status;
const beat = (base: string, viewer: string) => fetch(`${base}/api/v1/beacon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ viewer }) });
/** Waits until `pick` of the process's status is `want`; the figures are read from the store every few seconds. */
const settle = <T>(base: string, what: string, pick: (s: Status['traffic']) => T, want: T) =>
  waitFor(what, async () => {
    const t = (await status(base)).traffic;
    return pick(t) === want ? t : undefined;
  }, 20_000, 200);

describe('traffic shared by two web processes on one Redis', { skip: hasRedis() || IN_CI ? false : 'needs redis-server' }, () => {
  let redis: RedisServer;
  let a: Awaited<ReturnType<typeof testRuntime>>;
  let b: Awaited<ReturnType<typeof testRuntime>>;

  before(async () => {
    redis = await startRedis();
    a = await testRuntime({ REDIS_URL: redis.url }, { role: 'web' });
    b = await testRuntime({ REDIS_URL: redis.url }, { role: 'web' });
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await redis?.stop();
  });

  test('a tab whose heartbeats reach both processes is one viewer on both', async () => {
    for (const base of [a.base, b.base, a.base]) assert.equal((await beat(base, 'tab-shared-1')).status, 204);
    assert.equal((await beat(b.base, 'tab-only-on-b')).status, 204);
    for (const base of [a.base, b.base]) {
      const t = await settle(base, 'two viewers on every process', (x) => x.activeViewers, 2);
      assert.equal(t.scope, 'shared');
      assert.equal(t.reason, undefined);
    }
    // /metrics keeps each process's own gauge beside the shared one.
    const metricsA = await (await fetch(`${a.base}/metrics`)).text();
    assert.match(metricsA, /^satscope_active_viewers 1$/m, 'a saw one tab itself');
    assert.match(metricsA, /^satscope_active_viewers_shared 2$/m);
    const metricsB = await (await fetch(`${b.base}/metrics`)).text();
    assert.match(metricsB, /^satscope_active_viewers 2$/m);
    assert.match(metricsB, /^satscope_active_viewers_shared 2$/m);
  });

  test("page views made on one process show on the other's /api/v1/status", async () => {
    const before = (await status(b.base)).traffic.pageViews.market ?? 0;
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${a.base}/market`)).status, 200);
    const t = await settle(b.base, 'the views on b', (x) => x.pageViews.market, before + 3);
    assert.equal(t.scope, 'shared');
    await settle(a.base, 'the same figure on a', (x) => x.pageViews.market, before + 3);
    // The Prometheus counter stays per process, so that sum() over processes is right.
    assert.doesNotMatch(await (await fetch(`${b.base}/metrics`)).text(), /^satscope_page_views_total\{page="market"\}/m);
  });

  test('with Redis down, heartbeats still answer and each process shows its own counts, marked so', async () => {
    await redis.stop();
    assert.equal((await beat(a.base, 'tab-while-down')).status, 204);
    const t = await settle(a.base, 'the fallback to this process', (x) => x.scope, 'process');
    assert.match(t.reason ?? '', /^Can't reach Redis/);
    assert.match(t.detail ?? '', /STORE_UNAVAILABLE/);
    assert.equal(t.activeViewers, 2, "this process's own tabs: tab-shared-1 and tab-while-down");
    const page = await (await fetch(`${a.base}/status`)).text();
    assert.match(page, /reach Redis, which shares viewers and page views between web processes/);
    assert.doesNotMatch(await (await fetch(`${a.base}/metrics`)).text(), /^satscope_active_viewers_shared \d/m);
  });
});
