// OCEAN end to end over HTTP against the fixture server: the ocean job's account, workers and
// earnings reach /api/metrics and /api/workers; a worker that stops turns offline within one
// refresh; an address OCEAN does not know is said plainly and once in the log; without an address
// the endpoints say how to set one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { FakeElectrumServer } from '../helpers/electrum-server.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { electrumScripthash } from '../../src/domain/address.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
const ADDRESS = 'bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj';
let fx: FixtureServer;
let electrum: FakeElectrumServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
const lines: string[] = [];
const get = async (path: string) => {
  const r = await fetch(rt.base + path);
  return { status: r.status, body: (await r.json()) as Json };
};
const runOcean = async () => {
  const before = (await rt.store.get(keys.mining))?.asOfMs ?? 0;
  await requestJobRun(rt.store, rt.jobs, 'ocean');
  await waitFor('an ocean run', async () => (((await rt.store.get(keys.mining))?.asOfMs ?? 0) > before ? true : undefined), 15_000, 50);
};

before(async () => {
  fx = await startFixtureServer();
  electrum = await new FakeElectrumServer().start();
  const log = createLogger({ level: 'info', secrets: [], write: (l) => lines.push(l) });
  rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', OCEAN_ADDRESS: ADDRESS, MINING_POWER_WATTS: '3400', MINING_POWER_PRICE_KWH: '0.08', ELECTRUM_URL: electrum.url }, { jobs: 'production', log });
  await waitFor('mining data', async () => ((await get('/api/metrics')).body.data ? true : undefined), 30_000, 200);
});
after(async () => {
  await rt.close();
  await fx.stop();
  await electrum.stop();
});

test('/api/metrics reports the fixture account: 60 s hashrate, unpaid sats, workers online, with profitability and its inputs', async () => {
  const { status, body } = await get('/api/metrics');
  assert.equal(status, 200);
  assert.deepEqual({ ...(await get('/api/v1/mining')).body, ageSec: 0 }, { ...body, ageSec: 0 }, '/api/v1/mining is the same read model');
  assert.equal(body.source, 'ocean');
  assert.equal(typeof body.ageSec, 'number');
  const d = body.data as Json;
  assert.equal(d.hashrate60sHs, 30744573456384);
  assert.equal(d.unpaidSats, 385090);
  assert.equal(d.workersOnline, 2);
  assert.deepEqual(d.workers, { online: 2, stale: 0, offline: 1, total: 3 });
  assert.equal(((d.hashrate as Json).windowsHs as Json)['86400'], 30012345678901);
  assert.deepEqual((d.hashrate as Json).headline, { windowSec: 60, hashrateHs: 30744573456384, lowHashrateMode: false });
  const e = d.earnings as Json;
  assert.equal(e.nextBlockSats, 28745);
  assert.equal(e.payoutThresholdSats, 1048576);
  assert.deepEqual((d.payouts as Json[]).map((p) => p.paidSats), [65536, 1115700]);
  // The pool's block at 952581 is one you earned 28,169 sats from.
  const mine = (d.blocks as Json[]).find((b) => b.height === 952581);
  assert.equal(mine?.yourEarnedSats, 28169);
  // Profitability from mempool.space's network hashrate (no node here) and the market price.
  const p = d.profitability as Json;
  const inputs = p.inputs as Json;
  assert.equal(inputs.hashrateHs, 30012345678901, 'the 24 h average');
  assert.equal(inputs.poolFeePct, 2);
  assert.equal(inputs.subsidySats, 312_500_000);
  assert.equal(p.powerKwhPerDay, 3.4 * 24);
  const share = 30012345678901 / (inputs.networkHashrateHs as number);
  const reward = 312_500_000 + (inputs.avgFeesPerBlockSats as number);
  assert.ok(Math.abs((p.revenueSatsPerDay as number) - share * reward * 144 * 0.98) < 1e-6);
  assert.equal(e.perDaySats, p.revenueSatsPerDay);
  assert.ok(Math.abs((e.daysToPayout as number) - (1048576 - 385090) / (p.revenueSatsPerDay as number)) < 1e-9);
  assert.match(String((p.sources as Json).network), /mempool\.space/);
});

test("the payout address's balance on chain comes from your Electrum server, asked by its script hash", async () => {
  const onChain = await waitFor('on-chain balance', async () => (((await get('/api/metrics')).body.data as Json).earnings as Json).onChain as Json | null ?? undefined, 20_000, 200);
  assert.equal(onChain.confirmedSats, 1115700);
  assert.equal(onChain.unconfirmedSats, 65536);
  assert.match(String(onChain.source), /your Electrum server/);
  assert.deepEqual(electrum.lastParams.get('blockchain.scripthash.get_balance'), [electrumScripthash(ADDRESS)]);
  assert.match(await (await fetch(`${rt.base}/mining`, { headers: { accept: 'text/html' } })).text(), /On chain \(your Electrum server\)/);
});

test('/api/workers lists the fixture workers with state, kind and share; the payouts export as CSV', async () => {
  const { body } = await get('/api/workers');
  const workers = body.workers as Json[];
  assert.deepEqual(workers.map((w) => [w.name, w.state, w.kind]), [
    ['s19kpro-01', 'online', 'asic'],
    ['bitaxe-gamma', 'online', 'small'],
    ['s9-garage', 'offline', 'asic'],
  ]);
  assert.deepEqual(body.counts, { online: 2, stale: 0, offline: 1, total: 3 });
  const shares = workers.map((w) => w.sharePct as number);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) < 1e-9);
  const csv = await fetch(`${rt.base}/api/v1/mining/payouts?format=csv`);
  assert.match(csv.headers.get('content-disposition') ?? '', /satscope-ocean-payouts\.csv/);
  assert.deepEqual((await csv.text()).trim().split('\n'), ['time,sats,btc,kind,txid,local_time,timezone', '2026-06-01T09:15:00.000Z,65536,0.00065536,lightning,,2026-06-01 09:15,UTC', '2026-05-25T14:02:11.000Z,1115700,0.01115700,on-chain,784542e9e148c481c66e33528e5b7628cb1585b87389d3a771fb77154e8dcc85,2026-05-25 14:02,UTC']);
  assert.equal((await fetch(`${rt.base}/api/v1/mining/payouts?format=xml`)).status, 400);
});

test('a worker that stops turns offline within one refresh, with a workers event naming it', async () => {
  const full = JSON.parse(readFileSync(new URL('../fixtures/ocean/v1_user_hashrate_full.json', import.meta.url), 'utf8')) as { result: { snap_ts: string; workers: Record<string, Json[]> } };
  const row = full.result.workers['s19kpro-01']?.[0] as Json;
  for (const k of Object.keys(row)) if (k.startsWith('hashrate_')) row[k] = '0';
  row.lastest_share_ts = String(Number(full.result.snap_ts) - 7200);
  fx.on(`/ocean/v1/user_hashrate_full/${ADDRESS}`, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(full));
  });
  const seen: Json[] = [];
  const unsubscribe = await rt.store.subscribe(keys.events, (e) => {
    if (e.type === 'workers') seen.push(e.data as Json);
  });
  try {
    await runOcean();
    const { body } = await get('/api/workers');
    assert.equal((body.workers as Json[]).find((w) => w.name === 's19kpro-01')?.state, 'offline');
    assert.deepEqual(body.counts, { online: 1, stale: 0, offline: 2, total: 3 });
    assert.equal(((await get('/api/metrics')).body.data as Json).workersOnline, 1);
    const event = await waitFor('workers event', async () => seen.find((d) => (d.changed as Json[]).some((c) => c.name === 's19kpro-01')), 5_000, 50);
    assert.deepEqual(event.changed, [{ name: 's19kpro-01', state: 'offline' }]);
  } finally {
    await unsubscribe();
    fx.off(`/ocean/v1/user_hashrate_full/${ADDRESS}`);
  }
  await runOcean();
  assert.equal(((await get('/api/workers')).body.workers as Json[]).find((w) => w.name === 's19kpro-01')?.state, 'online', 'back when it mines again');
});

test('an address OCEAN does not know: both endpoints say so with 200, once in the log, no retry storm', async () => {
  const unknown = readFileSync(new URL('../fixtures-derived/ocean/error_no_such_user.json', import.meta.url));
  const paths = ['statsnap', 'user_hashrate', 'user_hashrate_full', 'userinfo_full'].map((p) => `/ocean/v1/${p}/${ADDRESS}`);
  for (const p of paths)
    fx.on(p, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(unknown);
    });
  try {
    const hitsBefore = fx.hitsFor(`/ocean/v1/statsnap/`).length;
    for (let i = 0; i < 3; i++) await runOcean();
    const metrics = await get('/api/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(metrics.body.account, 'unknown');
    assert.equal(metrics.body.data, null);
    assert.match(String(metrics.body.reason), /^OCEAN knows no worker for this address \(OCEAN says: "No such user or user has no active workers"\)/);
    const workers = await get('/api/workers');
    assert.equal(workers.status, 200);
    assert.equal(workers.body.account, 'unknown');
    assert.deepEqual(workers.body.workers, []);
    assert.equal(lines.filter((l) => l.includes('OCEAN knows no worker')).length, 1, 'said once, not on every run');
    assert.ok(!lines.some((l) => /at .*\.ts:\d+/.test(l)), 'no stack trace in the log');
    assert.equal(fx.hitsFor(`/ocean/v1/statsnap/`).length - hitsBefore, 3, 'one request a run: no retry storm');
    // Both pages say it too, in the same words.
    for (const page of ['/mining', '/workers']) {
      const r = await fetch(rt.base + page, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 200, page);
      assert.match(await r.text(), /OCEAN knows no worker for this address/, page);
    }
    const job = ((await get('/api/v1/jobs')).body.jobs as Json[]).find((j) => j.name === 'ocean');
    assert.equal(job?.lastOutcome, 'ok', 'a known answer, not a failing job');
  } finally {
    for (const p of paths) fx.off(p);
  }
});

test('without an address the endpoints say how to set one, and nothing else is affected', async () => {
  const other = await testRuntime({ ...fx.env, SOURCES_DISABLED: '' }, { jobs: 'production' });
  try {
    const r = await fetch(`${other.base}/api/metrics`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as Json;
    assert.equal(body.enabled, false);
    assert.match(String(body.reason), /Set OCEAN_ADDRESS/);
    // The ocean job runs and asks OCEAN nothing: it has no address to ask about.
    await waitFor('an idle ocean run', async () => ((await other.store.get(keys.jobStatus('ocean')))?.lastOutcome === 'ok' ? true : undefined), 15_000, 50);
    assert.equal(await other.store.get(keys.mining), undefined, 'no account read');
    const page = await (await fetch(`${other.base}/mining`, { headers: { accept: 'text/html' } })).text();
    assert.match(page, /Set up pool mining[\s\S]*Set OCEAN_ADDRESS to your OCEAN payout address[\s\S]*OCEAN_ADDRESS=bc1q…/);
    assert.match(await (await fetch(`${other.base}/workers`, { headers: { accept: 'text/html' } })).text(), /Set OCEAN_ADDRESS/);
    assert.equal((await fetch(`${other.base}/`)).status, 200);
    assert.equal((await fetch(`${other.base}/api/v1/market`)).status, 200);
  } finally {
    await other.close();
  }
});
