// Golden comparison: every endpoint and page, for a fixed store state at a fixed clock, answers
// byte for byte what the request-time code path answered before the read models
// (test/golden/replies.json, recorded from that code with GOLDEN_RECORD=1). The state is a real
// capture (test/golden/capture-state.ts): production jobs against the fixtures, bcoin and the
// ElectrumX stand-in. Asset names carry content hashes and are compared without them.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import type { BlockRecord } from '../../src/domain/snapshots.ts';
import { keys } from '../../src/store/keys.ts';
import { testRuntime } from '../helpers/runtime.ts';

interface Captured {
  capturedAtMs: number;
  env: Record<string, string>;
  state: Record<string, unknown>;
  blocks: BlockRecord[];
}
interface Reply {
  status: number;
  type: string | null;
  body: string;
}

const captured = JSON.parse(readFileSync(new URL('../golden/state.json', import.meta.url), 'utf8')) as Captured;
const GOLDEN = new URL('../golden/replies.json', import.meta.url);
const record = process.env.GOLDEN_RECORD === '1';
const tip = Math.max(...captured.blocks.map((b) => b.height));
const PREFS = 'satscope_prefs=' + encodeURIComponent('theme=retro&currency=EUR&locale=de-DE');

const JSON_PATHS = [
  '/api/v1/chain', '/api/v1/mempool', '/api/v1/fees', '/api/v1/blocks', '/api/v1/blocks?limit=3', '/api/v1/blocks?limit=50&orphaned=true',
  `/api/v1/blocks/${tip}`, '/api/v1/nodes', '/api/v1/electrum', '/api/v1/network', '/api/v1/market', '/api/bitcoin/kpis',
  '/api/bitcoin/latest', '/api/cryptos', '/api/v1/jobs', '/api/v1/sources', '/health', '/api/health', '/api/v2/score/latest',
];
const PAGES = ['/', '/market', '/blocks', `/blocks/${tip}`, '/nodes', '/score', '/settings', '/boot'];

const RealDate = Date;
let rt: Awaited<ReturnType<typeof testRuntime>>;

before(async () => {
  // Five seconds after the newest value was written: ages and staleness are fixed too.
  const frozen = captured.capturedAtMs + 5000;
  class FrozenDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(frozen);
      else super(...(args as [number]));
    }
    static override now(): number {
      return frozen;
    }
  }
  globalThis.Date = FrozenDate as DateConstructor;
  rt = await testRuntime({ ...captured.env, SOURCES_DISABLED: '' }, { role: 'web', jobs: 'production' });
  for (const [name, value] of Object.entries(captured.state)) await rt.store.set({ kind: 'json', name, ttlMs: undefined, schema: z.unknown() }, value);
  for (const b of [...captured.blocks].sort((a, b) => a.height - b.height)) await rt.history.saveBlock(b);
  // The blocks job announces saved blocks the same way.
  const top = captured.blocks.reduce((a, b) => (b.height > a.height ? b : a));
  await rt.store.set(keys.blocksChanged, { height: top.height, hash: top.hash, atMs: frozen });
  await new Promise((r) => setImmediate(r));
  await rt.app?.views.mirror.settled();
});
after(async () => {
  await rt.close();
  globalThis.Date = RealDate;
});

const normalize = (body: string) => body.replace(/\/assets\/([a-z-]+)\.[0-9a-f]{12}\.(js|css)/g, '/assets/$1.HASH.$2');

async function fetchAll(): Promise<Record<string, Reply>> {
  const out: Record<string, Reply> = {};
  const get = async (key: string, path: string, headers: Record<string, string>) => {
    const r = await fetch(rt.base + path, { headers });
    out[key] = { status: r.status, type: r.headers.get('content-type'), body: normalize(await r.text()) };
  };
  for (const p of JSON_PATHS) await get(p, p, {});
  for (const p of PAGES) await get(`page ${p}`, p, { accept: 'text/html' });
  for (const p of ['/', '/market', '/nodes']) await get(`page ${p} (retro, EUR, de-DE)`, p, { accept: 'text/html', cookie: PREFS });
  return out;
}

test('every endpoint and page answers byte for byte what the request-time code answered', async () => {
  // The first requests start the history loads of the views that show blocks; then every view is current.
  await fetchAll();
  await rt.app?.views.settled();
  const now = await fetchAll();
  if (record) {
    writeFileSync(GOLDEN, `${JSON.stringify(now, null, 1)}\n`);
    return;
  }
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Reply>;
  assert.deepEqual(Object.keys(now).sort(), Object.keys(golden).sort());
  for (const [key, want] of Object.entries(golden)) {
    const got = now[key] as Reply;
    assert.equal(got.status, want.status, `${key}: status`);
    assert.equal(got.type, want.type, `${key}: content-type`);
    if (got.body !== want.body) {
      let i = 0;
      while (got.body[i] === want.body[i]) i++;
      assert.fail(`${key}: body differs at ${i}: got …${got.body.slice(Math.max(0, i - 80), i + 80)}… want …${want.body.slice(Math.max(0, i - 80), i + 80)}…`);
    }
  }
});
