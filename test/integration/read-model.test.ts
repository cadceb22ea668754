// Read models: a view is rebuilt when what it read changes (a state key written here or by another
// process, history announced by the blocks job, the clock for views that show ages) and only then;
// the ages it shows stay within a second of the truth; a lost change announcement is caught by the
// version check; with Redis, a second web process (another OS process) serves a job's new value
// within a second.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DEFAULT_FORMAT, DEFER_CLOCK, formatValue } from '../../src/domain/format.ts';
import type { ChainSnapshot } from '../../src/domain/snapshots.ts';
import { isSatscopeError, SatscopeError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { Generation, StateMirror } from '../../src/read-model/mirror.ts';
import { CLOCK_STEP_MS, Views, type Reader } from '../../src/read-model/views.ts';
import { keys } from '../../src/store/keys.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import { freePort, waitFor } from '../helpers/ports.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI, childEnv } from '../helpers/services.ts';

// A real snapshot (the golden capture), moved to the height and time a test needs.
const captured = (JSON.parse(readFileSync(new URL('../golden/state.json', import.meta.url), 'utf8')) as { state: Record<string, unknown> }).state[keys.chain.name] as ChainSnapshot;
const chain = (height: number, asOfMs: number): ChainSnapshot => ({ ...captured, height, headers: height, asOfMs, bestHash: height.toString(16).padStart(64, '0') });

const fakeRes = () => {
  const out = { status: 0, body: '' };
  const res = { writeHead: (s: number) => ((out.status = s), res), end: (b?: Buffer) => void (out.body = b ? b.toString() : '') };
  return { res: res as never, out };
};
const req = { headers: {} } as never;
const tick = () => new Promise((r) => setImmediate(r));

describe('views over the memory store', () => {
  let store: MemoryStore;
  let mirror: StateMirror;
  let views: Views;
  let nowMs = 1_800_000_000_000;

  before(async () => {
    store = new MemoryStore();
    const generation = new Generation();
    mirror = new StateMirror(store, generation, silentLogger, { checkMs: 60_000 });
    views = new Views(mirror, generation, silentLogger, () => nowMs);
    await mirror.start();
  });
  after(async () => {
    await mirror.close();
    await store.close();
  });

  const heightView = (r: Reader) => ({ json: { height: r.get(keys.chain)?.height ?? null } });
  const serve = async (name: string, build: (r: Reader) => never | { json: unknown }) => {
    const { res, out } = fakeRes();
    await views.serve(req, res, name, build);
    return JSON.parse(out.body) as Record<string, unknown>;
  };

  test('a view is built once, rebuilt when a key it read is written, and not for other keys', async () => {
    await store.set(keys.chain, chain(900_000, nowMs));
    await serve('height', heightView);
    await tick();
    await mirror.settled();
    assert.deepEqual(await serve('height', heightView), { height: 900_000 });
    const built = views.builds('height');
    for (let i = 0; i < 5; i++) await serve('height', heightView);
    assert.equal(views.builds('height'), built, 'served from memory while nothing changed');
    await store.set(keys.mempool, { source: 'main', asOfMs: nowMs, txCount: 1, vsize: 1, totalFeeSats: 1, usageBytes: 1, maxBytes: 1, minFeeRateSatVb: 1, histogram: [], projectedBlocks: [] });
    await tick();
    await mirror.settled();
    await serve('height', heightView);
    assert.equal(views.builds('height'), built, 'a key the view did not read changes nothing');
    await store.set(keys.chain, chain(900_001, nowMs));
    await tick();
    await mirror.settled();
    assert.deepEqual(await serve('height', heightView), { height: 900_001 });
    assert.equal(views.builds('height'), built + 1, 'rebuilt once for the write');
  });

  test('a view that shows an age follows the clock in half-second steps and is never more than 1 s off', async () => {
    const asOfMs = nowMs;
    const ageView = (r: Reader) => {
      const c = r.get(keys.chain);
      return { json: { ageSec: c ? Math.round((r.now() - c.asOfMs) / 1000) : null } };
    };
    await store.set(keys.chain, chain(900_002, asOfMs));
    await tick();
    await mirror.settled();
    nowMs = Math.ceil(nowMs / CLOCK_STEP_MS) * CLOCK_STEP_MS;
    await serve('age', ageView);
    const built = views.builds('age');
    nowMs += CLOCK_STEP_MS - 1;
    await serve('age', ageView);
    assert.equal(views.builds('age'), built, 'the same half second: the same reply');
    nowMs += 1;
    await serve('age', ageView);
    assert.equal(views.builds('age'), built + 1, 'the next half second: built again');
    // Requests at arbitrary moments over a minute: the age served is within a second of the truth.
    for (let t = 0; t < 60_000; t += 137) {
      nowMs = asOfMs + t;
      const { ageSec } = (await serve('age', ageView)) as { ageSec: number };
      assert.ok(Math.abs(ageSec - t / 1000) <= 1, `age ${ageSec} s at ${t / 1000} s`);
    }
  });

  test('a page with deferred ages is built once per data change; its ages are filled in when served, and r.after() rebuilds it at the moment it named', async () => {
    const asOfMs = nowMs;
    const fmt = { ...DEFAULT_FORMAT, nowMs: DEFER_CLOCK };
    const page = (r: Reader) => {
      const c = r.get(keys.chain);
      const stale = c ? r.after(c.asOfMs + 60_000) : false;
      return { html: `<p>${c?.height ?? '—'} ${c ? formatValue(c.asOfMs / 1000, 'ago', fmt) : ''}${stale ? ' stale' : ''}</p>` };
    };
    const get = async () => {
      const { res, out } = fakeRes();
      await views.serve(req, res, 'page', page);
      return out.body;
    };
    await store.set(keys.chain, chain(900_010, asOfMs));
    await tick();
    await mirror.settled();
    assert.equal(await get(), '<p>900010 0 s ago</p>');
    const built = views.builds('page');
    // Requests at arbitrary moments over 59 s: no rebuild, and the age is within a second of the truth.
    for (let t = 0; t < 59_000; t += 137) {
      nowMs = asOfMs + t;
      const body = await get();
      const shown = /(\d+) s ago|(\d+) min (?:(\d+) s )?ago/.exec(body);
      const sec = shown?.[1] !== undefined ? Number(shown[1]) : Number(shown?.[2]) * 60 + Number(shown?.[3] ?? 0);
      assert.ok(Math.abs(sec - t / 1000) <= 1, `${body} at ${t / 1000} s`);
    }
    assert.equal(views.builds('page'), built, 'ages alone never rebuild the page');
    nowMs = asOfMs + 60_000;
    assert.equal(await get(), '<p>900010 1 min ago stale</p>', 'rebuilt when the moment it asked about came');
    assert.equal(views.builds('page'), built + 1);
  });

  test('history data reloads when its trigger key moves; the view keeps the last data until then', async () => {
    let rows = ['a'];
    let loads = 0;
    const loader = { key: 'rows', triggers: [keys.blocksChanged], load: async () => (loads++, [...rows]) };
    const rowsView = (r: Reader) => ({ json: { rows: r.load(loader) ?? [] } });
    assert.deepEqual(await serve('rows', rowsView), { rows: ['a'] }, 'the first reply waits for the first load');
    await mirror.settled();
    await waitFor('first loads', async () => ((await serve('rows', rowsView)) && views.snapshot().loads > 0 ? true : undefined), 2000, 5);
    rows = ['a', 'b'];
    const loadsBefore = loads;
    for (let i = 0; i < 3; i++) assert.deepEqual(await serve('rows', rowsView), { rows: ['a'] }, 'not reloaded without its trigger');
    assert.equal(loads, loadsBefore);
    await store.set(keys.blocksChanged, { height: 1, hash: 'b', atMs: nowMs });
    await tick();
    await mirror.settled();
    await serve('rows', rowsView);
    await waitFor('reload', async () => (((await serve('rows', rowsView)).rows as string[]).length === 2 ? true : undefined), 2000, 5);
    assert.equal(loads, loadsBefore + 1, 'one load for the one trigger');
  });

  test('history that fails on the first load answers its error, is not kept, and is tried again after a second', async () => {
    let down = true;
    const loader = { key: 'flaky', load: async () => {
      if (down) throw new SatscopeError('HISTORY_UNAVAILABLE', 'database is restarting');
      return ['row'];
    } };
    const view = (r: Reader) => ({ json: { rows: r.load(loader) ?? null } });
    await assert.rejects(async () => serve('flaky', view), (err: unknown) => isSatscopeError(err, 'HISTORY_UNAVAILABLE'));
    down = false;
    await assert.rejects(async () => serve('flaky', view), (err: unknown) => isSatscopeError(err, 'HISTORY_UNAVAILABLE'), 'within the retry delay the error stands');
    nowMs += 1000;
    assert.deepEqual(await serve('flaky', view), { rows: ['row'] }, 'after it, the load is tried again and its data served');
  });

  test('a reload that fails keeps the last data and is tried again after a second', async () => {
    let rows = ['old'];
    let fail = false;
    const loader = { key: 'reload', triggers: [keys.blocksChanged], load: async () => {
      if (fail) throw new Error('SQLITE_BUSY');
      return [...rows];
    } };
    const view = (r: Reader) => ({ json: { rows: r.load(loader) ?? null } });
    await serve('reload', view);
    await views.settled();
    assert.deepEqual(await serve('reload', view), { rows: ['old'] });
    fail = true;
    rows = ['new'];
    await store.set(keys.blocksChanged, { height: 2, hash: 'c', atMs: nowMs });
    await tick();
    await mirror.settled();
    assert.deepEqual(await serve('reload', view), { rows: ['old'] }, 'the reload failed: the last data stays');
    fail = false;
    nowMs += 1000;
    await new Promise((r) => setTimeout(r, 1100)); // the retry timer marks the data due
    await serve('reload', view);
    await views.settled();
    assert.deepEqual(await serve('reload', view), { rows: ['new'] }, 'tried again without another trigger');
  });

  test('the least recently served views are dropped first; a reply too large to keep is built each time', async () => {
    const hot = (r: Reader) => ({ json: { hot: r.get(keys.chain)?.height ?? null } });
    await serve('hot', hot);
    const built = views.builds('hot');
    for (let i = 0; i < 1200; i++) {
      await serve(`junk-${i}`, () => ({ json: { i } }));
      if (i % 50 === 0) await serve('hot', hot);
    }
    assert.ok(views.snapshot().views <= 1000, `at most 1,000 views held (${views.snapshot().views})`);
    assert.equal(views.builds('hot'), built, 'the view in use was kept');
    const big = () => ({ text: 'x'.repeat(300 * 1024), contentType: 'text/plain' });
    await serve('big', big as never).catch(() => undefined); // not JSON: only whether it was kept matters
    assert.equal(views.builds('big'), 0, 'not kept');
  });

  test('loaded data that says its size stays within a byte budget: the least recently used goes, and its views load it again', async () => {
    // 20 blocks' transactions of 5 MB each (estimated): 100 MB asked for, 48 MB at most kept.
    const loads = new Map<string, number>();
    const txs = (i: number) => ({
      key: `txs-${i}`,
      bytes: (v: number[]) => v.length * 1024 * 1024,
      load: async () => {
        loads.set(`txs-${i}`, (loads.get(`txs-${i}`) ?? 0) + 1);
        return [i, i, i, i, i];
      },
    });
    const view = (i: number) => (r: Reader) => ({ json: { first: r.load(txs(i))?.[0] ?? null } });
    for (let i = 0; i < 20; i++) assert.deepEqual(await serve(`block-${i}`, view(i)), { first: i });
    assert.ok(views.loadedBytes() <= 48 * 1024 * 1024, `within the budget (${views.loadedBytes()} bytes)`);
    assert.ok(views.loadedBytes() >= 30 * 1024 * 1024, 'and the budget is used');
    assert.equal(loads.get('txs-19'), 1);
    // The newest is still held; the oldest was let go, and its page loads it again when asked for.
    assert.deepEqual(await serve('block-19', view(19)), { first: 19 });
    assert.equal(loads.get('txs-19'), 1, 'held: not loaded again');
    assert.deepEqual(await serve('block-0', view(0)), { first: 0 });
    assert.equal(loads.get('txs-0'), 2, 'let go: loaded again, and the page still shows it');
  });

  test('a write whose announcement was lost is caught by the version check', async () => {
    const quiet = new MemoryStore();
    const generation = new Generation();
    const m = new StateMirror(quiet, generation, silentLogger, { checkMs: 60_000 });
    const v = new Views(m, generation, silentLogger, () => nowMs);
    await m.start();
    await quiet.set(keys.chain, chain(1, nowMs));
    const { res } = fakeRes();
    v.serve(req, res, 'h', heightView);
    await tick();
    await m.settled();
    // Announcements stop reaching the mirror (as when a Redis subscription drops a message).
    (quiet as unknown as { changeHandlers: Set<unknown> }).changeHandlers.clear();
    await quiet.set(keys.chain, chain(2, nowMs));
    const read = async () => {
      const { res: r2, out } = fakeRes();
      await v.serve(req, r2, 'h', heightView);
      return JSON.parse(out.body) as { height: number };
    };
    assert.equal((await read()).height, 1, 'the announcement was lost');
    await m.check();
    await m.settled();
    assert.equal((await read()).height, 2, 'the version check found the write');
    await m.close();
    await quiet.close();
  });
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('with Redis, across processes', { skip: hasRedis() ? false : 'needs redis-server' }, () => {
  if (!hasRedis() && IN_CI) throw new Error('redis-server is required in CI (see .ci/run)');
  let redis: RedisServer;
  let web: ChildProcess;
  let base = '';

  before(async () => {
    redis = await startRedis();
    const port = await freePort();
    // The second web process is another OS process, as an operator runs it.
    web = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'web'], {
      env: childEnv({ REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-rm-')), LOG_LEVEL: 'warn', SOURCES_DISABLED: 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor', BITCOIN_RPC_URL: 'http://u:p@127.0.0.1:1/' }),
      stdio: 'ignore',
    });
    base = `http://127.0.0.1:${port}`;
    await waitFor('web process', async () => ((await fetch(`${base}/health`).catch(() => undefined))?.ok ? true : undefined), 30_000, 100);
  });
  after(async () => {
    web.kill('SIGTERM');
    await redis.stop();
  });

  test('a value written by a job in another process is served within a second', async () => {
    // A worker's store (its own Redis connections in this process) writes as a job would.
    const rt = await testRuntime({ REDIS_URL: redis.url }, { role: 'worker' });
    try {
      for (const height of [910_000, 910_001, 910_002]) {
        const wroteAtMs = Date.now();
        await rt.store.set(keys.chain, chain(height, wroteAtMs));
        const seenAtMs = await waitFor(`height ${height}`, async () => {
          const body = (await (await fetch(`${base}/api/v1/chain`)).json()) as { data: { height: number } | null };
          return body.data?.height === height ? Date.now() : undefined;
        }, 5000, 10);
        assert.ok(seenAtMs - wroteAtMs < 1000, `served ${seenAtMs - wroteAtMs} ms after the write`);
        const page = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
        assert.match(page, new RegExp(`data-k="chain.height" data-f="int" data-v="${height}"`), 'the page too');
      }
    } finally {
      await rt.close();
    }
  });

  test('a write whose announcement never went out is served after the version check', async () => {
    const raw = new Redis(redis.url);
    try {
      // What the store's script does, minus the PUBLISH: as if the message were lost.
      await raw.set(keys.chain.name, JSON.stringify(chain(920_000, Date.now())));
      await raw.hincrby(keys.versions, keys.chain.name, 1);
      const started = Date.now();
      await waitFor('the unannounced write', async () => {
        const body = (await (await fetch(`${base}/api/v1/chain`)).json()) as { data: { height: number } | null };
        return body.data?.height === 920_000 ? true : undefined;
      }, 5000, 20);
      assert.ok(Date.now() - started < 3000, 'within the check interval');
    } finally {
      raw.disconnect();
    }
  });

  test('versions and announcements come from the store with the write', async () => {
    const store = new RedisStore({ url: redis.url, log: silentLogger });
    await store.start();
    const heard: { name: string; version: number }[] = [];
    const stop = await store.watchChanges((c) => heard.push(c));
    try {
      const before = (await store.versions()).get(keys.fees.name) ?? 0;
      await store.set(keys.fees, { source: 'main', asOfMs: 1, estimates: [], mempoolMinSatVb: 1, nextBlockMedianSatVb: null });
      await waitFor('announcement', async () => (heard.some((c) => c.name === keys.fees.name) ? true : undefined), 2000, 10);
      assert.equal((await store.versions()).get(keys.fees.name), before + 1);
      assert.deepEqual(heard.find((c) => c.name === keys.fees.name), { name: keys.fees.name, version: before + 1 });
    } finally {
      await stop();
      await store.close();
    }
  });
});
