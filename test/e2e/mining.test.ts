/// <reference lib="dom" />
// The Mining and Workers pages in Chromium against the fixture server's OCEAN account: the figures
// of the recorded account, filters that leave only matching cards, a worker that stops turning
// offline without a reload, both themes, no console errors or CSP violations, nothing sideways at
// 320 px. Screenshots go to test-artifacts/screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI, which } from '../helpers/services.ts';

const CHROMIUM = which('chromium') ?? which('chromium-browser');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'];
const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');
const ADDRESS = 'bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj';
const TOKEN = 'e2e-admin-token-7d3a91c2';

if (!CHROMIUM && IN_CI) throw new Error('chromium is required in CI but is not installed (see .ci/run)');

describe('the Mining and Workers pages in Chromium', { skip: CHROMIUM ? false : 'chromium not installed' }, () => {
  let fx: FixtureServer;
  let rt: Awaited<ReturnType<typeof testRuntime>>;
  let browser: Browser;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fx = await startFixtureServer();
    rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', OCEAN_ADDRESS: ADDRESS, MINING_POWER_WATTS: '3400', MINING_POWER_PRICE_KWH: '0.08', ADMIN_TOKEN: TOKEN }, { jobs: 'production' });
    await waitFor('mining data', async () => (((await (await fetch(`${rt.base}/api/metrics`)).json()) as { data: unknown }).data ? true : undefined), 30_000, 200);
    await waitFor('a price', async () => (((await (await fetch(`${rt.base}/api/bitcoin/latest`)).json()) as { data: unknown }).data ? true : undefined), 30_000, 200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await rt?.close();
    await fx?.stop();
  });

  async function open(path: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(rt.base + path, { waitUntil: 'load' });
    return { page, problems };
  }

  test('Mining shows the account: hashrate, unpaid, workers, profitability with its inputs, the pool blocks', async () => {
    for (const theme of ['dark', 'retro'] as const) {
      const { page, problems } = await open(`/settings?theme=${theme}`);
      await page.goto(`${rt.base}/mining`);
      const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
      assert.match(text, /Your hashrate 30\.74 TH\/s 60 s average/i);
      assert.match(text, /Earnings 385,090 sat unpaid · \$[\d.,]+/i);
      assert.match(text, /Workers 2 of 3 online/i);
      assert.match(text, /Profitability Revenue a day [\d,]+ sat/i);
      assert.match(text, /Power a day \$[\d.]+ 81\.6 kWh Profit a day -?\$[\d.,]+ Profit a month -?\$[\d.,]+ Break-even power \$[\d.]+ \/ kWh/);
      assert.match(text, /Blocks found by OCEAN Height Found Reward Fees Found by You earned Your share 952,581/i);
      await page.locator('#profit details summary').click();
      assert.match(await page.locator('#profit details p').innerText(), /Revenue = your hashrate \(24 h average, 30\.01 TH\/s\) ÷ the network's \([\d.]+ [EZ]H\/s, mempool\.space\)/);
      await page.screenshot({ path: join(SHOTS, `mining-${theme}-1280.png`), fullPage: true });
      for (const width of [375, 320]) {
        await page.setViewportSize({ width, height: 800 });
        await page.waitForTimeout(150);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${theme} /mining scrolls sideways by ${overflow}px at ${width}px`);
      }
      await page.screenshot({ path: join(SHOTS, `mining-${theme}-375-first-screen.png`) });
      assert.deepEqual(problems, []);
      await page.close();
    }
  });

  test('Workers: the cards, filters that leave only matching cards, search and sort', async () => {
    const { page, problems } = await open('/workers');
    const names = () => page.locator('[data-worker]:visible .w-name').allInnerTexts();
    assert.deepEqual(await names(), ['s19kpro-01', 'bitaxe-gamma', 's9-garage']);
    assert.match((await page.locator('.worker-counts').innerText()).replace(/\s+/g, ' '), /Online 2 Stale 0 Offline 1 All 3/i);
    await page.selectOption('#w-state', 'offline');
    assert.deepEqual(await names(), ['s9-garage']);
    assert.equal(await page.locator('#w-count').innerText(), '1 of 3 workers');
    await page.selectOption('#w-state', 'online');
    assert.deepEqual(await names(), ['s19kpro-01', 'bitaxe-gamma']);
    await page.selectOption('#w-kind', 'small');
    assert.deepEqual(await names(), ['bitaxe-gamma']);
    await page.selectOption('#w-state', '');
    await page.selectOption('#w-kind', '');
    await page.fill('#w-search', 'S9');
    assert.deepEqual(await names(), ['s9-garage']);
    await page.fill('#w-search', '');
    await page.selectOption('#w-sort', 'name');
    assert.deepEqual(await names(), ['bitaxe-gamma', 's19kpro-01', 's9-garage']);
    await page.screenshot({ path: join(SHOTS, 'workers-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SHOTS, 'workers-375-first-screen.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('when the pool finds a block, the open Mining page shows a banner that flares', async () => {
    const { page, problems } = await open('/mining');
    await waitFor('live', async () => ((await page.locator('#mon-state').textContent()) === 'live' ? true : undefined), 10_000, 100);
    assert.equal(await page.locator('[data-block-found]').isVisible(), false);
    const { publishEvent } = await import('../../src/events.ts');
    const m = await rt.store.get(keys.mining);
    assert.ok(m);
    await publishEvent(rt.store, 'mining', { ...m, blocks: [{ hash: 'f'.repeat(64), height: 952_999, timeSec: Math.floor(Date.now() / 1000), rewardSats: 315_000_000, subsidySats: 312_500_000, feesSats: 2_500_000, finder: null }, ...m.blocks] });
    const banner = page.locator('[data-block-found]');
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await banner.innerText(), 'OCEAN found block 952,999!');
    assert.match((await banner.getAttribute('class')) ?? '', /\bfound\b/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an alert that fires shows a live note on the open page, and the Health page lists it; a built-in fires for the offline worker', async () => {
    const { page, problems } = await open('/');
    await waitFor('live', async () => ((await page.locator('#mon-state').textContent()) === 'live' ? true : undefined), 10_000, 100);
    const { requestJobRun } = await import('../../src/job-status.ts');
    const saved = await fetch(`${rt.base}/api/admin/alerts/rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'any-fee', kind: 'threshold', series: 'network.fees.fastest', op: 'above', level: 0, severity: 'critical' }),
    });
    assert.equal(saved.status, 200);
    await requestJobRun(rt.store, rt.jobs, 'alerts');
    const note = page.locator('.alert-toast', { hasText: 'network.fees.fastest above 0' });
    await note.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await note.innerText(), /Alert: network\.fees\.fastest above 0[\s\S]*network\.fees\.fastest is \d+/);
    assert.match((await note.getAttribute('class')) ?? '', /sev-critical/);
    await page.screenshot({ path: `${SHOTS}/health-alert-note.png` });
    await page.goto(`${rt.base}/score`, { waitUntil: 'load' });
    const card = page.locator('#alerts');
    assert.match(await card.innerText(), /Critical: network\.fees\.fastest above 0/);
    assert.match(await card.innerText(), /A worker is offline[\s\S]*s9-garage/);
    await page.locator('.alert-close').first().click().catch(() => undefined);
    await page.screenshot({ path: `${SHOTS}/health-alerts.png`, fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
    assert.equal((await fetch(`${rt.base}/api/admin/alerts/rules/any-fee`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  });

  test('a worker that stops turns offline on the open page within one update, without a reload', async () => {
    const { page, problems } = await open('/workers');
    await waitFor('live', async () => ((await page.locator('#mon-state').textContent()) === 'live' ? true : undefined), 10_000, 100);
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 1));
    const full = JSON.parse(readFileSync(new URL('../fixtures/ocean/v1_user_hashrate_full.json', import.meta.url), 'utf8')) as { result: { snap_ts: string; workers: Record<string, Record<string, string>[]> } };
    const row = full.result.workers['s19kpro-01']?.[0] as Record<string, string>;
    for (const k of Object.keys(row)) if (k.startsWith('hashrate_')) row[k] = '0';
    row.lastest_share_ts = String(Number(full.result.snap_ts) - 7200);
    fx.on(`/ocean/v1/user_hashrate_full/${ADDRESS}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(full));
    });
    try {
      const before = (await rt.store.get(keys.workers))?.asOfMs ?? 0;
      await requestJobRun(rt.store, rt.jobs, 'ocean');
      await waitFor('ocean run', async () => (((await rt.store.get(keys.workers))?.asOfMs ?? 0) > before ? true : undefined), 15_000, 50);
      const card = page.locator('[data-worker="s19kpro-01"]');
      await waitFor('card offline', async () => ((await card.getAttribute('data-state')) === 'offline' ? true : undefined), 5_000, 50);
      assert.equal(await card.locator('[data-w-state]').innerText(), 'offline');
      assert.match(await card.locator('.w-rate').innerText(), /^0 H\/s/);
      assert.match((await page.locator('.worker-counts').innerText()).replace(/\s+/g, ' '), /Online 1 Stale 0 Offline 2 All 3/i);
      assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 1, 'the page was not reloaded');
      assert.deepEqual(problems, []);
    } finally {
      fx.off(`/ocean/v1/user_hashrate_full/${ADDRESS}`);
      await page.close();
    }
  });

  test('the Settings form: a typo is shown beside its field, a save changes the Mining page without a restart, the token is never kept', async () => {
    const { page, problems } = await open('/settings#mining');
    try {
      await page.fill('#ms-address', `${ADDRESS.slice(0, -1)}x`);
      await page.fill('#ms-lowHashrateThs', '50');
      await page.fill('#ms-token', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('button:text("Save mining settings")')]);
      assert.match(await page.locator('.form-error').innerText(), /Payout address is not a valid Bitcoin address/);
      assert.equal(await page.locator('#ms-address').getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#ms-address-error').innerText(), /checksum/);
      assert.equal(await page.inputValue('#ms-lowHashrateThs'), '50', 'what was typed is kept');
      assert.equal(await page.inputValue('#ms-token'), '', 'the token is asked again');
      await page.screenshot({ path: join(SHOTS, 'settings-mining-error-1280.png'), fullPage: true });

      await page.fill('#ms-address', ADDRESS);
      await page.fill('#ms-timezone', 'Asia/Tokyo');
      await page.fill('#ms-token', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('button:text("Save mining settings")')]);
      assert.match(await page.locator('#mining [role=status]').innerText(), /Saved/);
      await page.screenshot({ path: join(SHOTS, 'settings-mining-saved-1280.png'), fullPage: true });
      await page.goto(`${rt.base}/mining`);
      const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
      assert.match(text, /3 h average · low-hashrate mode: below 50 TH\/s/);
      assert.match(text, /When \(Asia\/Tokyo\)/i);
      assert.match(text, /Jun 1, 2026, 06:15 PM GMT\+9/, 'payout dates in the chosen zone');

      await page.goto(`${rt.base}/settings#mining`);
      await page.fill('#ms-token', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('button:text("Use the environment\'s values")')]);
      assert.match(await page.locator('#mining [role=status]').innerText(), /Back to the environment/);
      assert.equal(await page.inputValue('#ms-lowHashrateThs'), '10');
      assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), [], 'nothing but the 400 of the refused save');
    } finally {
      await page.close();
    }
  });

  test('profitability on the open Mining page follows a change of power use without a reload', async () => {
    const { page, problems } = await open('/mining');
    try {
      await waitFor('live', async () => ((await page.locator('#mon-state').textContent()) === 'live' ? true : undefined), 10_000, 100);
      await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 1));
      const cost = page.locator('[data-k="miningview.profitability.powerCostUsdPerDay"]');
      const before = Number(await cost.getAttribute('data-v'));
      assert.ok(Math.abs(before - 3.4 * 24 * 0.08) < 1e-9, `3,400 W at 0.08 a kWh (${before})`);
      const r = await fetch(`${rt.base}/api/admin/settings/mining`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ powerWatts: 100 }) });
      assert.equal(r.status, 200);
      await waitFor('the new power cost on the open page', async () => (Math.abs(Number(await cost.getAttribute('data-v')) - 0.1 * 24 * 0.08) < 1e-9 ? true : undefined), 15_000, 100);
      assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 1, 'the page was not reloaded');
      assert.deepEqual(problems, []);
    } finally {
      await fetch(`${rt.base}/api/admin/settings/mining`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ reset: true }) });
      await page.close();
    }
  });
});
