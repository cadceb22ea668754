// One contract, two stores: the same behaviour from the in-process memory store and a real Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { keys, type BusEvent } from '../../src/store/keys.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { MessageChannel } from 'node:worker_threads';
import { PortStore, serveStore, type PortLike } from '../../src/store/port-store.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/types.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { IN_CI } from '../helpers/services.ts';
import { waitFor } from '../helpers/ports.ts';

function contract(name: string, open: () => Promise<Store>, close: () => Promise<void> = async () => undefined) {
  describe(`${name} store contract`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
      await close();
    });

    test('get() returns what set() stored, as a copy, validated by the key schema', async () => {
      const key = keys.cacheEntry(`t-${name}-copy`);
      const value = { a: 1, nested: { b: [1, 2] } };
      await store.set(key, value);
      value.a = 99;
      assert.deepEqual(await store.get(key), { a: 1, nested: { b: [1, 2] } });
      await store.delete(key);
      assert.equal(await store.get(key), undefined);
    });

    test('a value written with the wrong shape reads as absent', async () => {
      const status = keys.jobStatus(`t-${name}-shape`);
      await store.set(status as never, { not: 'a status' } as never);
      assert.equal(await store.get(status), undefined);
    });

    // TTLs are long enough that a busy machine reads the value before it expires; expiry is then
    // awaited by polling, never by a fixed sleep.
    test('set() with a TTL expires the value', async () => {
      const key = keys.cacheEntry(`t-${name}-ttl`);
      await store.set(key, 'v', 1500);
      assert.equal(await store.get(key), 'v');
      await waitFor('expiry', async () => ((await store.get(key)) === undefined ? true : undefined), 10_000, 50);
      const untimed = keys.cacheEntry(`t-${name}-no-ttl`);
      await store.set(untimed, 'kept', 60_000);
      assert.equal(await store.get(untimed), 'kept', 'a value within its TTL stays');
    });

    test('a lock is exclusive, released only by its token, and expires', async () => {
      const lock = keys.jobLock(`t-${name}-lock`);
      assert.equal(await store.acquireLock(lock, 'tok-a', 5000), true);
      assert.equal(await store.acquireLock(lock, 'tok-b', 5000), false);
      assert.equal(await store.lockHolder(lock), 'tok-a');
      assert.equal(await store.releaseLock(lock, 'tok-b'), false, 'another token cannot release it');
      assert.equal(await store.extendLock(lock, 'tok-b', 5000), false);
      assert.equal(await store.extendLock(lock, 'tok-a', 1000), true);
      assert.equal(await store.lockHolder(lock), 'tok-a', 'still held after the extension');
      await waitFor('lock expiry', async () => ((await store.lockHolder(lock)) === undefined ? true : undefined), 10_000, 50);
      assert.equal(await store.acquireLock(lock, 'tok-b', 5000), true);
      assert.equal(await store.releaseLock(lock, 'tok-a'), false, 'the expired holder cannot free the new lock');
      assert.equal(await store.releaseLock(lock, 'tok-b'), true);
      assert.equal(await store.lockHolder(lock), undefined);
    });

    test('concurrent acquireLock() calls give the lock to exactly one', async () => {
      const lock = keys.jobLock(`t-${name}-race`);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireLock(lock, `t${i}`, 5000)));
      assert.equal(results.filter(Boolean).length, 1);
    });

    test('increment() counts and its window expires', async () => {
      const counter = { ...keys.rateLimit(`t-${name}`, Date.now()), ttlMs: 1500 };
      assert.equal(await store.increment(counter), 1);
      assert.equal(await store.increment(counter), 2);
      assert.equal(await store.increment(counter, 5), 7);
      // Each poll counts one more until the window has expired; then the count starts over at 1.
      await waitFor('a new window', async () => ((await store.increment(counter)) === 1 ? true : undefined), 10_000, 100);
    });

    test('countMembers() counts each member touched since a time once, whoever touched it', async () => {
      const key = { ...keys.viewers, name: `${keys.viewers.name}:t-${name}-count` };
      const t0 = Date.now();
      await store.touchMembers(key, ['tab-a', 'tab-b'], t0);
      await Promise.all([store.touchMembers(key, ['tab-a'], t0 + 1000), store.touchMembers(key, ['tab-a', 'tab-c'], t0 + 1000)]);
      assert.equal(await store.countMembers(key, t0), 3, 'a member touched twice counts once');
      assert.equal(await store.countMembers(key, t0 + 500), 2, 'only those seen since the time');
      await store.touchMembers(key, [], t0 + 2000);
      assert.equal(await store.countMembers(key, t0), 3, 'an empty touch changes nothing');
      assert.equal(await store.countMembers({ ...key, name: `${key.name}-none` }, 0), 0);
    });

    test('touchMembers() keeps at most maxMembers, drops members unseen for the TTL, and the set expires', async () => {
      const key = { ...keys.viewers, name: `${keys.viewers.name}:t-${name}-bound`, ttlMs: 1500, maxMembers: 3 };
      const t0 = Date.now();
      await store.touchMembers(key, ['m1', 'm2', 'm3', 'm4', 'm5'], t0);
      assert.equal(await store.countMembers(key, 0), 3, 'the set is full at three');
      await store.touchMembers(key, ['m1', 'm6'], t0 + 100);
      assert.equal(await store.countMembers(key, t0 + 100), 1, 'a member already in is marked; a new one is not added while full');
      // Past the TTL (by the callers' clock) the old members are dropped, which makes room.
      await store.touchMembers(key, ['m7'], t0 + 100 + key.ttlMs + 1);
      assert.equal(await store.countMembers(key, 0), 1);
      // Left untouched, the whole set expires after the TTL (by the store's clock).
      await waitFor('the set to expire', async () => ((await store.countMembers(key, 0)) === 0 ? true : undefined), 10_000, 100);
    });

    test('addTallies() adds to named counters that readTallies() returns, from concurrent callers', async () => {
      const key = { ...keys.pageViews, name: `${keys.pageViews.name}:t-${name}` };
      assert.deepEqual(await store.readTallies(key), {});
      await Promise.all(Array.from({ length: 20 }, () => store.addTallies(key, { overview: 1, market: 2 })));
      await store.addTallies(key, { overview: 5, status: 1 });
      await store.addTallies(key, {});
      assert.deepEqual(await store.readTallies(key), { overview: 25, market: 40, status: 1 });
      const short = { ...key, name: `${key.name}-ttl`, ttlMs: 1500 };
      await store.addTallies(short, { overview: 1 });
      await waitFor('the tallies to expire', async () => (Object.keys(await store.readTallies(short)).length === 0 ? true : undefined), 10_000, 100);
    });

    test('published events reach subscribers; a message of the wrong shape is dropped', async () => {
      const got: BusEvent[] = [];
      const unsubscribe = await store.subscribe(keys.events, (e) => got.push(e));
      await store.publish(keys.events, { type: 'block', id: '1', tsMs: 1, data: { height: 952583 } });
      await store.publish(keys.events as never, { nonsense: true } as never);
      await store.publish(keys.events, { type: 'fees', id: '2', tsMs: 2, data: null });
      await waitFor('both events', async () => (got.length >= 2 ? true : undefined), 5000, 20);
      assert.deepEqual(
        got.map((e) => [e.type, e.id]),
        [
          ['block', '1'],
          ['fees', '2'],
        ],
      );
      assert.deepEqual(got[0]?.data, { height: 952583 });
      await unsubscribe();
      // Nothing more reaches the first subscriber: a marker published after 'late' reaches a second
      // subscriber, so 'late' has been delivered by then (events on a channel arrive in order).
      const marker: BusEvent[] = [];
      const unsubscribe2 = await store.subscribe(keys.events, (e) => marker.push(e));
      await store.publish(keys.events, { type: 'late', id: '3', tsMs: 3, data: null });
      await store.publish(keys.events, { type: 'marker', id: '4', tsMs: 4, data: null });
      await waitFor('the marker', async () => (marker.some((e) => e.id === '4') ? true : undefined), 5000, 20);
      await unsubscribe2();
      assert.equal(got.length, 2);
    });

    test('flushCache() removes cache entries and keeps locks and job status', async () => {
      await store.set(keys.cacheEntry(`t-${name}-flush`), 1);
      await store.set(keys.jobStatus(`t-${name}-keep`), {
        name: 'x', intervalMs: 1, timeoutMs: 1, running: false, lockHolder: null, lastStartedAtMs: null, lastFinishedAtMs: null,
        lastDurationMs: null, lastOutcome: null, lastError: null, consecutiveFailures: 0, nextRunAtMs: 5, runs: 0, progress: null,
      });
      await store.acquireLock(keys.jobLock(`t-${name}-keep`), 'tok', 5000);
      assert.ok((await store.flushCache()) >= 1);
      assert.equal(await store.get(keys.cacheEntry(`t-${name}-flush`)), undefined);
      assert.equal((await store.get(keys.jobStatus(`t-${name}-keep`)))?.nextRunAtMs, 5);
      assert.equal(await store.lockHolder(keys.jobLock(`t-${name}-keep`)), 'tok');
    });

    test('a state write moves its version and is announced to watchers', async () => {
      const heard: { name: string; version: number }[] = [];
      const stop = await store.watchChanges((c) => heard.push(c));
      try {
        const before = (await store.versions()).get(keys.fees.name) ?? 0;
        await store.set(keys.fees, { fastest: 1, halfHour: 1, hour: 1, economy: 1, minimum: 1 } as never);
        assert.equal((await store.versions()).get(keys.fees.name), before + 1);
        await waitFor('the announcement', async () => (heard.some((c) => c.name === keys.fees.name && c.version === before + 1) ? true : undefined), 5000, 20);
        await store.delete(keys.fees);
        assert.equal((await store.versions()).get(keys.fees.name), before + 2, 'a delete moves it too');
      } finally {
        await stop();
      }
    });

    test('ping() answers', async () => {
      await store.ping();
    });
  });
}

contract('memory', async () => new MemoryStore());

// `satscope start` runs its jobs in a worker thread: their PortStore reaches the web thread's
// MemoryStore over a MessageChannel (the same transport as a Worker's port), by strings only.
{
  let channel: MessageChannel | undefined;
  let stopServing: (() => void) | undefined;
  contract(
    'port (jobs thread)',
    async () => {
      channel = new MessageChannel();
      const host = new MemoryStore();
      stopServing = serveStore(host, channel.port1 as unknown as PortLike);
      return new PortStore(channel.port2 as unknown as PortLike);
    },
    async () => {
      stopServing?.();
      channel?.port1.close();
      channel?.port2.close();
    },
  );
}

let redis: RedisServer | undefined;
if (hasRedis() || IN_CI) {
  contract(
    'redis',
    async () => {
      redis = await startRedis();
      const s = new RedisStore({ url: redis.url, log: silentLogger });
      await s.start();
      return s;
    },
    async () => redis?.stop(),
  );

  test('RedisStore fails fast with STORE_UNAVAILABLE while Redis is down, and recovers', async () => {
    const server = await startRedis();
    const store = new RedisStore({ url: server.url, log: silentLogger, commandTimeoutMs: 500 });
    await store.start();
    await store.set(keys.cacheEntry('t-down'), 1);
    await server.stop();
    const started = Date.now();
    await assert.rejects(store.get(keys.cacheEntry('t-down')), (e: { code?: string }) => e.code === 'STORE_UNAVAILABLE');
    assert.ok(Date.now() - started < 2000, 'fails within the command timeout');
    const again = await startRedis(server.port);
    try {
      // The client reconnects by itself (backoff up to 5 s).
      await waitFor('redis reconnect', async () => ((await store.ping().then(() => true, () => false)) ? true : undefined), 15_000, 200);
      await store.set(keys.cacheEntry('t-down'), 2);
      assert.equal(await store.get(keys.cacheEntry('t-down')), 2);
    } finally {
      await store.close();
      await again.stop();
    }
  });
} else {
  test('redis store contract', (t) => t.skip('redis-server not installed'));
}
