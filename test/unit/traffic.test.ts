import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SatscopeError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Store } from '../../src/store/types.ts';
import { Traffic } from '../../src/server/traffic.ts';

/** A MemoryStore presented as shared (as Redis is), that can be taken down, counting the calls that reach it. */
function sharedStore() {
  const memory = new MemoryStore();
  const state = { down: false, calls: 0 };
  const store = new Proxy(memory, {
    get(target, prop, receiver) {
      if (prop === 'kind') return 'redis';
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        state.calls++;
        if (state.down) return Promise.reject(new SatscopeError('STORE_UNAVAILABLE', 'redis ZADD failed', { cause: new Error('Connection is closed.') }));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as unknown as Store;
  return { store, state };
}

test('Traffic counts a tab once across two processes on a shared store, and sums their page views', async () => {
  const { store } = sharedStore();
  const [a, b] = [new Traffic({ store }), new Traffic({ store })];
  try {
    a.heartbeat('tab-1');
    b.heartbeat('tab-1');
    b.heartbeat('tab-2');
    a.recordView('overview');
    b.recordView('overview');
    b.recordView('market');
    assert.equal(a.figures().scope, 'process', 'nothing read from the store yet');
    await Promise.all([a.sync(), b.sync()]);
    await a.sync();
    for (const t of [a, b]) assert.deepEqual(t.figures(), { scope: 'shared', activeViewers: 2, pageViews: { overview: 2, market: 1 } });
    assert.equal(a.activeViewers(), 1, "this process's own count stays its own");
    assert.match(a.render({ clients: 0, connectedTotal: 0, refusedTotal: 0, droppedSlowTotal: 0, eventsTotal: 0 } as never), /^satscope_active_viewers_shared 2$/m);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('Traffic sends heartbeats and views in one batch per sync, not per request', async () => {
  const { store, state } = sharedStore();
  const t = new Traffic({ store });
  for (let i = 0; i < 500; i++) {
    t.heartbeat(`tab-${i % 50}`);
    t.recordView('overview');
  }
  assert.equal(state.calls, 0, 'a request never calls the store');
  await t.sync();
  assert.equal(state.calls, 4, 'one write of viewers, one of views, and the two reads');
  assert.deepEqual(t.figures(), { scope: 'shared', activeViewers: 50, pageViews: { overview: 500 } });
  await t.close();
});

test('Traffic falls back to its own counts, marked, while the store fails, and sends the views later', async () => {
  const { store, state } = sharedStore();
  const lines: string[] = [];
  const t = new Traffic({ store, log: createLogger({ level: 'warn', secrets: [], write: (l) => lines.push(l) }) });
  try {
    t.recordView('overview');
    await t.sync();
    state.down = true;
    t.heartbeat('tab-1');
    t.recordView('overview');
    t.recordView('overview');
    await t.sync();
    await t.sync();
    const f = t.figures();
    assert.equal(f.scope, 'process');
    assert.match(f.reason ?? '', /^Can't reach Redis/);
    assert.match(f.detail ?? '', /^STORE_UNAVAILABLE: redis ZADD failed <- Connection is closed/);
    assert.deepEqual([f.activeViewers, f.pageViews], [1, { overview: 3 }]);
    assert.equal(lines.length, 1, `one warning for the failing syncs: ${lines.join('\n')}`);
    state.down = false;
    await t.sync();
    assert.deepEqual(t.figures().pageViews, { overview: 3 }, 'the views counted while down reached the store once');
  } finally {
    await t.close();
  }
});

test('Traffic with the memory store counts in this process only and never calls the store', async () => {
  const { store, state } = sharedStore();
  const local = Object.create(store, { kind: { value: 'memory' } }) as Store;
  const t = new Traffic({ store: local });
  t.start();
  t.heartbeat('tab-1');
  t.recordView('status');
  await t.sync();
  assert.deepEqual(t.figures(), { scope: 'process', activeViewers: 1, pageViews: { status: 1 } });
  assert.equal(state.calls, 0);
  await t.close();
});

test('Traffic.close() sends what was counted since the last sync', async () => {
  const { store } = sharedStore();
  const t = new Traffic({ store });
  t.recordView('market');
  await t.close();
  const reader = new Traffic({ store });
  await reader.sync();
  assert.deepEqual(reader.figures().pageViews, { market: 1 });
  await reader.close();
});
