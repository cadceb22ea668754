// Satscope against the fixture server for every public upstream at once: the network, market and
// price endpoints return the fixtures' values in Satscope's units; a failing upstream leaves its
// last good values, marked stale with the reason; bad values are rejected and counted.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventForm } from '../../src/jobs/public-source.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
let fx: FixtureServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
const get = async (path: string): Promise<Json> => {
  const r = await fetch(rt.base + path);
  assert.equal(r.status, 200, path);
  return (await r.json()) as Json;
};
const data = (x: unknown) => (x as { data: Json }).data;

const companiesFile = join(mkdtempSync(join(tmpdir(), 'satscope-caps-')), 'companies.json');

before(async () => {
  fx = await startFixtureServer();
  writeFileSync(companiesFile, JSON.stringify([
    { name: 'Apple', ticker: 'AAPL', marketCapUsd: 3_000_000_000_000, asOf: '2026-06-05', source: 'your broker' },
    { name: 'Strategy', ticker: 'MSTR', marketCapUsd: 60_000_000_000, asOf: '2026-06-05', source: 'your broker' },
  ]));
  rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', FIAT_CURRENCIES: 'USD,EUR', COMPANY_MARKET_CAPS_FILE: companiesFile }, { jobs: 'production' });
});
after(async () => {
  await rt.close();
  await fx.stop();
});

test('every network and market endpoint fills from the fixtures within 30 s', async () => {
  const started = Date.now();
  await waitFor('market and network', async () => {
    const [market, network] = await Promise.all([get('/api/v1/market'), get('/api/v1/network')]);
    const networkFilled = Object.entries(network).every(([k, v]) => k === 'yourNode' || data(v) !== null);
    return data(market.price) && data(market.kpis) && networkFilled ? true : undefined;
  }, 30_000, 250);
  assert.ok(Date.now() - started < 30_000);
});

test('/api/bitcoin/kpis matches the fixture values', async () => {
  const body = await get('/api/bitcoin/kpis');
  const k = data(body);
  assert.equal(k.priceUsd, 60823, 'median of 60823 (CoinGecko), 60823.2 (Coinbase), 60823 (mempool.space)');
  assert.equal(k.marketCapUsd, 1218898431266);
  assert.equal(k.volume24hUsd, 31260929299);
  assert.equal(k.dominancePct, 57.95);
  assert.equal(k.high24hUsd, 62011);
  assert.equal(k.low24hUsd, 60102);
  assert.equal(k.change24hPct, -1.24);
  assert.equal(k.athUsd, 126080);
  assert.equal(k.athDate, '2025-10-06T18:57:42.558Z');
  assert.equal(k.daysSinceAth, Math.floor((Date.now() / 1000 - Date.parse('2025-10-06T18:57:42.558Z') / 1000) / 86_400));
  assert.equal(k.drawdownFromAthPct, -51.76); // 60823 / 126080 - 1
  assert.equal(k.circulatingSupply, 20039321);
  assert.equal(k.supplyPctOf21M, 95.425);
  assert.ok(Number.isFinite(k.volatility30dPct) && (k.volatility30dPct as number) > 0, `volatility ${String(k.volatility30dPct)}`);
  assert.equal(body.stale, false);
  assert.match(String(body.source), /coingecko/);
});

test('price, top coins and the network in Satscope\'s units', async () => {
  const latest = await get('/api/bitcoin/latest');
  assert.equal(data(latest).usd, 60823);
  assert.deepEqual((data(latest).sources as Json[]).map((s) => [s.source, s.usd]).sort(), [['coinbase', 60823.2], ['coingecko', 60823], ['mempool', 60823]]);
  // EUR: only mempool.space quotes it in the fixtures (CoinGecko's was recorded for USD alone).
  assert.deepEqual((data(latest).fiat as Record<string, Json>).EUR?.value, 53552);
  assert.equal(fx.hitsFor('/coingecko/api/v3/simple/price').length > 0, true);
  const cryptos = await get('/api/cryptos');
  assert.deepEqual((cryptos.data as Json[]).map((c) => c.symbol), ['BTC', 'ETH', 'USDT', 'XRP']);
  const n = await get('/api/v1/network');
  assert.equal(data(n.tipHeight), 952583);
  assert.equal(data(n.fees).fastestSatVb, 3);
  assert.equal(data(n.difficultyAdjustment).estimatedAtSec, 1781313272, 'ms became s');
  assert.equal(data(n.difficultyAdjustment).nextHeight, 953568);
  assert.equal(data(n.stats).hashrateHs, 932513615580.6332e9, 'GH/s became H/s');
  assert.equal(data(n.stats).supplySats, 2003932187500000);
  assert.equal(data(n.stats).nextRetargetHeight, 953568, 'Blockchain.com\'s last-height-before became the retarget height');
  assert.equal(data(n.reachableNodes).totalNodes, 23412);
  assert.equal((data(n.pools).pools as Json[])[0]?.sharePct, 31.91);
  assert.equal(data(n.lightning).capacitySats, 488512345678);
  assert.equal((n.chainTips as { data: Json[] }).data[0]?.height, 952583);
  assert.equal(n.yourNode, null);
  // Public values are kept as history series too.
  const series = (await get('/api/v1/history/network.hashrate_hs?hours=1')) as { points: { v: number }[] };
  assert.equal(series.points.at(-1)?.v, 1.0124581234567891e21);
  assert.equal(((await get('/api/v1/history/lightning.capacity_sats?hours=1')) as { points: { v: number }[] }).points.at(-1)?.v, 488512345678);
  const market = await get('/api/v1/market');
  assert.deepEqual((market.btcVsCoins as Json[])[0], { symbol: 'ETH', marketCapUsd: 279123456789, btcMultiple: 4.37 });
  assert.equal((data(market.treasuries).companies as Json[])[0]?.name, 'Strategy');
  const assets = market.btcVsAssets as Json[];
  assert.match(String(assets[0]?.reason), /did not quote BTC in XAU/, 'the recorded reply has no XAU quote: said, not guessed');
  assert.match(String(assets[1]?.reason), /SILVER_STOCK_TONNES/);
  assert.deepEqual(assets[2], { asset: 'Apple (AAPL)', marketCapUsd: 3e12, btcSharePct: 40.63, source: 'your broker', asOf: '2026-06-05' }); // 1,218,898,431,266 / 3e12
  assert.equal(assets[3]?.btcSharePct, 2031.5);
});

test('public jobs publish live events with the pieces they refreshed', async () => {
  const { keys } = await import('../../src/store/keys.ts');
  const seen: { type: string; data: Json }[] = [];
  const unsubscribe = await rt.store.subscribe(keys.events, (e) => seen.push({ type: e.type, data: e.data as Json }));
  try {
    await requestJobRun(rt.store, rt.jobs, 'public-mempool');
    const e = await waitFor('a public-mempool event', async () => seen.find((x) => x.type === 'public-mempool'), 15_000, 100);
    assert.equal(e.data.source, 'mempool');
    assert.equal(e.data.tip, 952583);
    assert.equal((e.data.fees as Json).fastestSatVb, 3);
    assert.equal((e.data.lightning as Json).capacitySats, 488512345678);
    // Pieces of up to 4 KB (in their event form) travel in the event; larger lists are read when a page loads.
    for (const name of ['tip', 'fees', 'projected', 'mempool', 'blocks', 'difficulty', 'hashrate', 'pools', 'lightning', 'prices']) {
      const stored = await rt.store.get(keys.publicPiece(`mempool.${name}`));
      const small = JSON.stringify(eventForm(`mempool.${name}`, stored?.data ?? null) ?? null).length <= 4096;
      assert.equal(name in e.data, small, `${name}: in the event only when small`);
    }
    // The live stream carries it to browsers, and the Overview binds the public network card to it.
    const live = (await get('/api/v1/live')) as { events: Record<string, Json> };
    assert.equal(((live.events['public-mempool'] as Json | undefined)?.data as Json | undefined)?.tip, 952583);
    assert.match(await (await fetch(`${rt.base}/`)).text(), /data-k="public-mempool\.fees\.fastestSatVb"/);
  } finally {
    await unsubscribe();
  }
});

test("mempool.space's fine-grained histogram travels in the live event summed into the page's fee bands", async () => {
  const { keys } = await import('../../src/store/keys.ts');
  // A real-sized reply: a step every 0.01 sat/vB from 0.1 to 4 and beyond (hundreds of steps, well over 4 KB).
  const steps: [number, number][] = [];
  for (let rate = 400; rate >= 0.1; rate = Math.round((rate > 4 ? rate * 0.97 : rate - 0.01) * 100) / 100) steps.push([rate, 1000 + Math.round(rate * 7)]);
  const body = JSON.stringify({ count: 54321, vsize: 98_765_432, total_fee: 12_345_678, fee_histogram: steps });
  assert.ok(body.length > 4096, String(body.length));
  fx.on('/mempool/api/mempool', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  const seen: { type: string; data: Json }[] = [];
  const unsubscribe = await rt.store.subscribe(keys.events, (e) => seen.push({ type: e.type, data: e.data as Json }));
  try {
    await requestJobRun(rt.store, rt.jobs, 'public-mempool');
    const e = await waitFor('a public-mempool event with the big mempool', async () => seen.find((x) => x.type === 'public-mempool' && (x.data.mempool as Json | undefined)?.txCount === 54321), 15_000, 100);
    const m = e.data.mempool as { vsize: number; histogram: { feeRate: number; vsize: number }[] };
    assert.equal(m.vsize, 98_765_432);
    const total = steps.reduce((n, [, v]) => n + v, 0);
    assert.equal(m.histogram.reduce((n, b) => n + b.vsize, 0), total, 'every vbyte is in a band');
    assert.ok(m.histogram.length <= 30 && m.histogram.some((b) => b.feeRate < 1), `banded, sub-1 bands kept: ${m.histogram.map((b) => b.feeRate).join(',')}`);
    // The stored piece keeps every step (the API serves it whole).
    const stored = (await rt.store.get(keys.publicPiece('mempool.mempool')))?.data as { histogram: unknown[] };
    assert.equal(stored.histogram.length, steps.length);
  } finally {
    await unsubscribe();
    fx.off('/mempool/api/mempool');
  }
});

test('a malformed or out-of-range reply is rejected and counted, and the last good value stays', async () => {
  fx.fault('/coingecko/api/v3/simple/price', { kind: 'json', body: { bitcoin: { usd: -1, usd_market_cap: 1, usd_24h_vol: 1, usd_24h_change: 0, last_updated_at: 1 } } });
  fx.fault('/coingecko/api/v3/global', { kind: 'garbage' });
  await waitFor('coingecko rerun', async () => {
    await requestJobRun(rt.store, rt.jobs, 'public-coingecko');
    const s = ((await get('/api/v1/sources')).sources as Json[]).find((x) => x.name === 'coingecko') as { counts: Record<string, number> };
    return s.counts.upstream_out_of_range && s.counts.upstream_malformed ? true : undefined;
  }, 15_000, 500);
  const latest = await get('/api/bitcoin/latest');
  assert.deepEqual((data(latest).sources as Json[]).find((s) => s.source === 'coingecko')?.usd, 60823, 'the -1 price never got in');
  assert.equal(data((await get('/api/v1/market')).global).btcDominancePct, 57.9539332566265, 'last good value');
  fx.clearFaults();
});

test('switching an upstream off mid-run leaves every endpoint answering, its values stale, and /api/v1/sources saying why', async () => {
  fx.fault('/mempool/api', { kind: 'status', status: 503, body: 'Service Unavailable' });
  await waitFor('mempool failing', async () => {
    await requestJobRun(rt.store, rt.jobs, 'public-mempool');
    const n = await get('/api/v1/network');
    return (n.fees as Json).stale ? n : undefined;
  }, 20_000, 500);
  const n = await get('/api/v1/network');
  const fees = n.fees as Json;
  assert.equal(data(fees).fastestSatVb, 3, 'the last good value');
  assert.equal(fees.reason, 'mempool.space answered with an error (HTTP 503)', 'a sentence for people');
  assert.match(String(fees.detail), /^UPSTREAM_HTTP: mempool: HTTP 503/, 'the technical chain apart');
  // Each card that shows mempool.space's figures says it once, in its footer, in words; the chain stays out of sight.
  const page = await (await fetch(`${rt.base}/`)).text();
  const sentence = 'stale: mempool.space answered with an error (HTTP 503)';
  const cards = page.split('<section class="card').slice(1);
  const saying = cards.filter((c) => c.includes(sentence));
  assert.ok(saying.length >= 3, `the fees, mempool and tip cards say so (${saying.length})`);
  for (const c of saying) assert.equal(c.split(sentence).length - 1, 1, `said once in ${/id="([\w-]+)"/.exec(c)?.[1]}`);
  for (const id of ['fees', 'mempool', 'tip']) assert.ok(saying.some((c) => c.includes(`id="${id}"`)), `the ${id} card says it is stale`);
  assert.doesNotMatch(page, /UPSTREAM_|&lt;-/);
  assert.equal((n.stats as Json).stale, false, 'other sources are unaffected');
  for (const path of ['/api/v1/market', '/api/bitcoin/kpis', '/api/bitcoin/latest', '/api/cryptos', '/health']) assert.equal((await fetch(rt.base + path)).status, 200, path);
  // The run's verdict lands when its last piece has given up (retries included).
  const mempool = await waitFor('the failed run settled', async () => {
    const s = ((await get('/api/v1/sources')).sources as Json[]).find((x) => x.name === 'mempool') as Json;
    return (s.lastRun as Json | null)?.failed === 10 ? s : undefined;
  }, 30_000, 250);
  assert.equal(mempool.state, 'down', 'no piece answered in the last run');
  const lastRun = mempool.lastRun as Json;
  assert.deepEqual({ ...lastRun, atMs: 0, failedParts: undefined }, { job: 'public-mempool', atMs: 0, parts: 10, failed: 10, failedParts: undefined });
  assert.equal((lastRun.failedParts as string[]).length, 10);
  assert.ok((lastRun.failedParts as string[]).includes('mempool.fees'));
  assert.equal((mempool.lastError as Json).code, 'UPSTREAM_HTTP');
  const health = (await get('/health')) as { status: string; sources: Record<string, Json> };
  assert.equal(health.sources.mempool?.state, 'down', '/health tells the same verdict');
  assert.equal(health.status, 'degraded');
  fx.clearFaults();
});

test('a companies file that fails its schema shows as a job error, and no row is invented', async () => {
  const bad = join(mkdtempSync(join(tmpdir(), 'satscope-caps-')), 'bad.json');
  writeFileSync(bad, JSON.stringify([{ name: 'X', ticker: 'X', marketCapUsd: -1, asOf: 'yesterday', source: 's' }]));
  const other = await testRuntime({ COMPANY_MARKET_CAPS_FILE: bad }, { jobs: 'production' });
  try {
    const job = await waitFor('company-caps error', async () => {
      const jobs = ((await (await fetch(`${other.base}/api/v1/jobs`)).json()) as { jobs: { name: string; lastError: string | null }[] }).jobs;
      return jobs.find((j) => j.name === 'company-caps' && j.lastError) ;
    }, 10_000, 200);
    assert.match(String(job.lastError), /marketCapUsd.*asOf must be YYYY-MM-DD|asOf must be YYYY-MM-DD/s);
    const market = (await (await fetch(`${other.base}/api/v1/market`)).json()) as { btcVsAssets: { asset: string; reason?: string }[] };
    assert.match(String(market.btcVsAssets.at(-1)?.reason), /not read yet/);
  } finally {
    await other.close();
  }
});
