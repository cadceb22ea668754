// The mining settings over HTTP, as a user changes them: with ADMIN_TOKEN, the Settings page's form
// (the token typed into it) and the admin API save the payout address, power use and price, the
// currency, the timezone and the low-hashrate threshold; each change shows on the mining endpoints
// and pages without a restart, and a second process on the same history sees them. Bad input is
// answered with what is wrong, the token never comes back, and without ADMIN_TOKEN the values are
// shown read-only.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { refreshMiningSettings } from '../../src/mining-settings.ts';
import { keys } from '../../src/store/keys.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
const ADDRESS = 'bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj';
const TOKEN = 'settings-test-token-5b1f0c';
let fx: FixtureServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
let dataDir: string;
const lines: string[] = [];

const json = async (base: string, path: string) => (await (await fetch(base + path)).json()) as Json;
const metrics = () => json(rt.base, '/api/metrics');
const post = (path: string, body: unknown, token?: string) =>
  fetch(rt.base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
const form = (fields: Record<string, string>, base = rt.base) =>
  fetch(`${base}/settings`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams(fields).toString() });

before(async () => {
  fx = await startFixtureServer();
  dataDir = mkdtempSync(join(tmpdir(), 'satscope-settings-'));
  const log = createLogger({ level: 'debug', secrets: [], write: (l) => lines.push(l) });
  rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', ADMIN_TOKEN: TOKEN, FIAT_CURRENCIES: 'USD,EUR' }, { jobs: 'production', log, dataDir });
  await waitFor('EUR price', async () => ((await json(rt.base, '/api/bitcoin/latest')) as { data: { fiat?: { EUR?: unknown } } | null }).data?.fiat?.EUR, 30_000, 250);
});
after(async () => {
  await rt.close();
  await fx.stop();
});

test('without an address nothing is asked of OCEAN, and the settings say where each value comes from', async () => {
  const s = await json(rt.base, '/api/v1/settings/mining');
  assert.deepEqual(s.settings, { address: null, powerWatts: 0, powerPriceKwh: 0, currency: 'USD', timezone: 'UTC', lowHashrateThs: 10 });
  assert.equal((s.origin as Json).address, 'env:OCEAN_ADDRESS');
  assert.equal(s.editable, true);
  assert.equal((await metrics()).account, 'disabled');
  assert.ok(rt.jobs.some((j) => j.name === 'ocean'), 'the ocean job waits for an address');
  assert.equal(fx.hitsFor('/ocean').length, 0, 'no request to OCEAN without an address');
  const h = await json(rt.base, '/health');
  assert.match(String(((h.features as Json).mining as Json).reason), /Settings page/);
  const ocean = await waitFor('the ocean source says why it waits', async () => {
    const src = ((await json(rt.base, '/health')).sources as Json).ocean as Json;
    return src.reason ? src : undefined;
  }, 10_000, 100);
  assert.deepEqual(ocean, { state: 'idle', reason: 'no payout address: set OCEAN_ADDRESS, or one on the Settings page' });
});

test('the admin API: no token 401, bad values 400 with each field named and nothing saved', async () => {
  assert.equal((await post('/api/admin/settings/mining', { powerWatts: 1 })).status, 401);
  assert.equal((await post('/api/admin/settings/mining', { powerWatts: 1 }, 'not-the-token-at-all')).status, 401);
  const bad = await post('/api/admin/settings/mining', { powerWatts: 200_000, timezone: 'Nowhere/Land', address: ADDRESS.replace('cnpu', 'cnpv'), extra: 1 }, TOKEN);
  assert.equal(bad.status, 400);
  const err = ((await bad.json()) as { error: { details: { field: string; message: string }[] } }).error;
  assert.deepEqual(err.details.map((d) => d.field).sort(), ['address', 'body', 'powerWatts', 'timezone'], 'each bad field, and the unknown one');
  assert.ok(err.details.some((d) => d.message === 'Power use must be between 0 and 100,000 W'));
  assert.deepEqual(((await json(rt.base, '/api/v1/settings/mining')).settings as Json).address, null, 'nothing saved');
  assert.equal((await post('/api/admin/settings/mining', { reset: false }, TOKEN)).status, 400);
});

test('a saved address, power price in EUR and threshold take effect without a restart', async () => {
  const r = await post('/api/admin/settings/mining', { address: ADDRESS, powerWatts: 3400, powerPriceKwh: 0.0736, currency: 'EUR' }, TOKEN);
  assert.equal(r.status, 200);
  const saved = (await r.json()) as Json;
  assert.deepEqual(saved.settings, { address: ADDRESS, powerWatts: 3400, powerPriceKwh: 0.0736, currency: 'EUR', timezone: 'UTC', lowHashrateThs: 10 });
  assert.equal((saved.origin as Json).address, 'saved');
  assert.equal((saved.origin as Json).timezone, 'env:MINING_TIMEZONE');
  // The save asks the ocean job to run: the account appears within one refresh.
  const m = await waitFor('the account', async () => {
    const b = await metrics();
    return b.account === 'ok' ? b : undefined;
  }, 15_000, 100);
  const d = m.data as Json;
  assert.equal(d.hashrate60sHs, 30744573456384);
  assert.equal(d.unpaidSats, 385090);
  assert.equal(d.workersOnline, 2);
  assert.equal((((await json(rt.base, '/health')).sources as Json).ocean as Json).state, 'ok', 'asked now, no longer waiting');
  const workers = ((await json(rt.base, '/api/workers')).workers as Json[]).map((w) => `${String(w.name)}:${String(w.state)}`);
  assert.deepEqual(workers.sort(), ['bitaxe-gamma:online', 's19kpro-01:online', 's9-garage:offline']);
  // The EUR price of a kWh, converted with the market's EUR/USD rate, drives the power cost.
  const latest = (await json(rt.base, '/api/bitcoin/latest')).data as { usd: number; fiat: { EUR: { value: number } } };
  const priceUsd = 0.0736 / (latest.fiat.EUR.value / latest.usd);
  const power = d.power as Json;
  assert.equal(power.currency, 'EUR');
  assert.ok(Math.abs((power.priceKwhUsd as number) - priceUsd) < 1e-12, `${String(power.priceKwhUsd)} vs ${priceUsd}`);
  const p = d.profitability as Json;
  assert.equal((p.inputs as Json).powerWatts, 3400);
  assert.ok(Math.abs((p.powerCostUsdPerDay as number) - 3.4 * 24 * priceUsd) < 1e-9);
  // And back in EUR, the chosen currency: 3.4 kW × 24 h × 0.0736 EUR.
  const fiat = p.fiat as Json;
  assert.equal(fiat.currency, 'EUR');
  assert.ok(Math.abs((fiat.powerCostPerDay as number) - 3.4 * 24 * 0.0736) < 1e-9, String(fiat.powerCostPerDay));
  assert.ok(Math.abs((fiat.revenuePerDay as number) - (p.revenueUsdPerDay as number) * (latest.fiat.EUR.value / latest.usd)) < 1e-9);
  assert.equal(((d.hashrate as Json).headline as Json).windowSec, 60, '30.7 TH/s is above the 10 TH/s threshold');

  // A higher threshold makes the 3-hour figure the headline, at once (no job run needed).
  assert.equal((await post('/api/admin/settings/mining', { lowHashrateThs: 50, timezone: 'Asia/Tokyo' }, TOKEN)).status, 200);
  const after = await waitFor('the new threshold', async () => {
    const b = (await metrics()).data as Json;
    return ((b.hashrate as Json).lowHashrateThs as number) === 50 ? b : undefined;
  }, 5_000, 50);
  assert.deepEqual((after.hashrate as Json).headline, { windowSec: 10800, hashrateHs: ((after.hashrate as Json).windowsHs as Json)['10800'], lowHashrateMode: true });
  assert.equal((after.settings as Json).timezone, 'Asia/Tokyo');
  assert.equal((after.power as Json).watts, 3400, 'fields not sent keep their saved value');

  // Payout dates in the chosen zone: the CSV's local column and the Mining page.
  const csv = (await (await fetch(`${rt.base}/api/v1/mining/payouts?format=csv`)).text()).trim().split('\n');
  assert.equal(csv[0], 'time,sats,btc,kind,txid,local_time,timezone');
  assert.equal(csv[1], '2026-06-01T09:15:00.000Z,65536,0.00065536,lightning,,2026-06-01 18:15,Asia/Tokyo');
  const page = await (await fetch(`${rt.base}/mining`, { headers: { accept: 'text/html' } })).text();
  assert.match(page, /data-tz="Asia\/Tokyo"/);
  assert.match(page, /When <small>\(Asia\/Tokyo\)<\/small>/);
  assert.match(page, /Jun 1, 2026, 06:15 PM GMT\+9/, 'the payout of 09:15 UTC at 18:15 in Tokyo');
});

test('a second process on the same history uses the saved settings; without ADMIN_TOKEN it shows them read-only', async () => {
  const other = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', FIAT_CURRENCIES: 'USD,EUR' }, { jobs: 'production', dataDir });
  try {
    const m = await waitFor('the account in the second process', async () => {
      const b = await json(other.base, '/api/metrics');
      return b.account === 'ok' ? b : undefined;
    }, 20_000, 100);
    assert.equal((m.data as Json).address, ADDRESS);
    assert.equal(((m.data as Json).hashrate as Json).lowHashrateThs, 50);
    const s = await json(other.base, '/api/v1/settings/mining');
    assert.equal(s.editable, false);
    assert.equal((s.settings as Json).timezone, 'Asia/Tokyo');
    const page = await (await fetch(`${other.base}/settings`, { headers: { accept: 'text/html' } })).text();
    assert.match(page, /Read-only: set ADMIN_TOKEN/);
    assert.match(page, new RegExp(`${ADDRESS}[\\s\\S]{0,80}saved here`));
    assert.doesNotMatch(page, /<form method="post"/);
    const refused = await form({ token: TOKEN, powerWatts: '1' }, other.base);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /Saving is off: set ADMIN_TOKEN/);
    assert.equal(((await json(other.base, '/api/v1/settings/mining')).settings as Json).powerWatts, 3400, 'nothing saved');
    assert.equal((await fetch(`${other.base}/api/admin/settings/mining`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 404, 'admin API off');
  } finally {
    await other.close();
  }
});

test('the Settings form: the token is checked and never sent back, bad input is shown escaped with its messages, a save and a reset show at once', async () => {
  const wrong = await form({ token: 'wrong-token-123456789', address: ADDRESS, powerWatts: '10' });
  assert.equal(wrong.status, 401);
  const wrongHtml = await wrong.text();
  assert.match(wrongHtml, /Not saved: that is not the admin token/);
  assert.doesNotMatch(wrongHtml, /wrong-token-123456789/);

  const hostile = '"><script>alert(1)</script>';
  const bad = await form({ token: TOKEN, address: hostile, powerWatts: '3,400', powerPriceKwh: '11', currency: 'EUR', timezone: 'Asia/Tokyo', lowHashrateThs: '50' });
  assert.equal(bad.status, 400);
  const badHtml = await bad.text();
  assert.match(badHtml, /Not saved\. Please correct:[\s\S]*<li>Payout address is not a valid Bitcoin address[^<]*<\/li><li>Power price must be between 0 and 10 per kWh<\/li>/);
  assert.doesNotMatch(badHtml, /<script>alert/);
  assert.match(badHtml, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/, 'what was typed comes back, escaped');
  assert.match(badHtml, /id="ms-powerPriceKwh" name="powerPriceKwh" aria-invalid="true"/);
  assert.doesNotMatch(badHtml, new RegExp(TOKEN), 'the token is not written into the page');

  const ok = await form({ token: TOKEN, address: ADDRESS, powerWatts: '3,250', powerPriceKwh: '0.1', currency: 'USD', timezone: 'Europe/Berlin', lowHashrateThs: '5' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  const okHtml = await ok.text();
  assert.match(okHtml, /Saved\. The mining pages use these now\./);
  assert.match(okHtml, /id="ms-timezone" name="timezone" type="text" list="ms-zones" value="Europe\/Berlin"/);
  const d = (await metrics()).data as Json;
  assert.deepEqual(d.power, { watts: 3250, priceKwh: 0.1, currency: 'USD', priceKwhUsd: 0.1 });
  assert.equal((d.settings as Json).timezone, 'Europe/Berlin');
  const settingsPage = await (await fetch(`${rt.base}/settings`, { headers: { accept: 'text/html' } })).text();
  assert.match(settingsPage, /value="3250"/, 'the Settings page shows what was saved');

  const reset = await form({ token: TOKEN, reset: '1' });
  assert.equal(reset.status, 200);
  assert.match(await reset.text(), /Back to the environment&#39;s values|Back to the environment's values/);
  const back = await json(rt.base, '/api/v1/settings/mining');
  assert.deepEqual(back.settings, { address: null, powerWatts: 0, powerPriceKwh: 0, currency: 'USD', timezone: 'UTC', lowHashrateThs: 10 });
  assert.equal((await metrics()).account, 'disabled');

  assert.equal((await fetch(`${rt.base}/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 415, 'the form takes a form body');
  assert.ok(!lines.some((l) => l.includes(TOKEN)), 'the token is in no log line');
  assert.ok(lines.some((l) => l.includes('settings not saved: wrong admin token')));
});

test('an older copy of the settings never replaces a newer one, and a store that lost them gets them back from history', async () => {
  assert.equal((await post('/api/admin/settings/mining', { powerWatts: 1234 }, TOKEN)).status, 200);
  const saved = await rt.store.get(keys.miningSettings);
  assert.equal(saved?.values.powerWatts, 1234);
  const deps = { history: rt.history, store: rt.store, config: loadConfig({ ...fx.env, SOURCES_DISABLED: '', ADMIN_TOKEN: TOKEN, FIAT_CURRENCIES: 'USD,EUR' }) };
  // A slow process publishes what it read before the save: the next refresh puts the newer one back.
  await rt.store.set(keys.miningSettings, { values: { powerWatts: 1 }, updatedAtMs: (saved?.updatedAtMs ?? 0) - 1000 });
  assert.equal((await refreshMiningSettings(deps)).powerWatts, 1234);
  assert.equal((await rt.store.get(keys.miningSettings))?.values.powerWatts, 1234);
  // A store copy newer than history (a save a moment ago elsewhere) is not replaced by history's.
  await rt.store.set(keys.miningSettings, { values: { powerWatts: 77 }, updatedAtMs: (saved?.updatedAtMs ?? 0) + 1000 });
  assert.equal((await refreshMiningSettings(deps)).powerWatts, 77);
  // A store that lost everything (a Redis restart) is filled from history.
  await rt.store.delete(keys.miningSettings);
  assert.equal((await refreshMiningSettings(deps)).powerWatts, 1234);
  assert.equal((await post('/api/admin/settings/mining', { reset: true }, TOKEN)).status, 200);
});

test('any form a client sends is answered 200 or 400, and what is saved is always valid', async () => {
  const fc = (await import('fast-check')).default;
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '0', '-1', '1e3', '10', '100000', '100001', 'NaN', '0x10', ' 5 ', '1,5', 'EUR', 'usd', 'UTC', 'Europe/Berlin', '%E0', ADDRESS, `${ADDRESS}x`));
  const fields = fc.record({ address: text, powerWatts: text, powerPriceKwh: text, currency: text, timezone: text, lowHashrateThs: text }, { requiredKeys: [] });
  await fc.assert(
    fc.asyncProperty(fields, async (f) => {
      const r = await form({ token: TOKEN, ...f });
      const body = await r.text();
      assert.ok(r.status === 200 || r.status === 400, `status ${r.status} for ${JSON.stringify(f)}`);
      assert.match(body, /<title>Settings · Satscope<\/title>/);
      const s = (await json(rt.base, '/api/v1/settings/mining')).settings as { powerWatts: number; powerPriceKwh: number; currency: string; lowHashrateThs: number };
      assert.ok(s.powerWatts >= 0 && s.powerWatts <= 100_000 && s.powerPriceKwh >= 0 && s.powerPriceKwh <= 10 && ['USD', 'EUR'].includes(s.currency), JSON.stringify(s));
    }),
    { numRuns: 60 },
  );
  assert.equal((await post('/api/admin/settings/mining', { reset: true }, TOKEN)).status, 200);
});
