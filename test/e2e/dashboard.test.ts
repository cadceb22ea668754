/// <reference lib="dom" />
// The dashboard in Debian's Chromium (playwright-core) against a running Satscope fed by the
// fixture server and a bcoin regtest node: every page shows real values with no console errors and
// no CSP violations, passes axe-core (no serious or critical findings) and does not scroll sideways
// at 320 px; a mined block reaches the open Overview without a reload; the monitor follows the
// server going away and coming back; two tabs share one SSE connection. Screenshots of every page
// at 1280 and 375 px go to test-artifacts/screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startRegtestNode, type RegtestNode } from '../helpers/bcoin.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI, which } from '../helpers/services.ts';

const CHROMIUM = which('chromium') ?? which('chromium-browser');
// The last flag keeps the browser on loopback, like the Node guard does for the test processes.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'];
const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Problems {
  console: string[];
  csp: string[];
}

if (!CHROMIUM && IN_CI) throw new Error('chromium is required in CI but is not installed (see .ci/run)');

describe('the dashboard in Chromium', { skip: CHROMIUM ? false : 'chromium not installed' }, () => {
  let fx: FixtureServer;
  let node: RegtestNode;
  let rt: Awaited<ReturnType<typeof testRuntime>>;
  let browser: Browser;
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'satscope-e2e-'));
  // The lake on, as `npm start` has it, writing every 2 s: the Status page shows its card with data.
  const env = () => ({ ...fx.env, SOURCES_DISABLED: '', BITCOIN_RPC_URL: node.rpcUrl, BLOCKS_BACKFILL: '30', FIAT_CURRENCIES: 'USD,EUR', LAKE: 'on', LAKE_FLUSH_SEC: '2' });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [fx, node] = await Promise.all([startFixtureServer(), startRegtestNode({ blocks: 150 })]);
    await node.fillMempool(25, 1, 60);
    // The server picks its own port; the restart test binds the same one again.
    rt = await testRuntime(env(), { jobs: 'production', dataDir });
    port = Number(new URL(rt.base).port);
    await waitFor('node and market data', async () => {
      const [chain, mempool, market] = await Promise.all(['/api/v1/chain', '/api/v1/mempool', '/api/bitcoin/kpis'].map(async (p) => ((await (await fetch(rt.base + p)).json()) as { data: unknown }).data));
      return chain && mempool && market ? true : undefined;
    }, 40_000, 250);
    await waitFor('EUR price', async () => ((await (await fetch(`${rt.base}/api/bitcoin/latest`)).json()) as { data: { fiat?: { EUR?: unknown } } | null }).data?.fiat?.EUR, 30_000, 250);
    await waitFor('the lake\'s first files', async () => ((await (await fetch(`${rt.base}/api/v1/lake`)).json()) as { tables: { table: string }[] }).tables.some((t) => t.table === 'price_ticks') || undefined, 30_000, 250);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await rt?.close();
    await node?.stop();
    await fx?.stop();
  });

  async function openPage(ctx: BrowserContext, path: string): Promise<{ page: Page; problems: Problems }> {
    const page = await ctx.newPage();
    const problems: Problems = { console: [], csp: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') problems.console.push(m.text());
      if (/Content Security Policy/i.test(m.text())) problems.csp.push(m.text());
    });
    page.on('pageerror', (e) => problems.console.push(e.message));
    await page.exposeFunction('__cspViolation', (d: string) => problems.csp.push(d));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __cspViolation(d: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(rt.base + path, { waitUntil: 'load' });
    return { page, problems };
  }

  const monitorState = (page: Page) => page.locator('#mon-state').textContent();

  async function checkAccessibility(page: Page, label: string): Promise<void> {
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, o: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] } });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    });
    assert.deepEqual(violations, [], `${label}: axe found serious or critical problems`);
  }

  test('every page shows real values, with no console errors, CSP violations, axe findings or sideways scrolling', async () => {
    const height = node.height();
    const pages: [string, string, RegExp][] = [
      ['overview', '/', new RegExp(`(?=[\\s\\S]*\\$60,823)(?=[\\s\\S]*${height.toLocaleString('en-US')})`)],
      ['market', '/market', /Ethereum[\s\S]*Tether/],
      ['blocks', '/blocks', new RegExp(`${(height - 1).toLocaleString('en-US')}`)],
      ['block', `/blocks/${height}`, new RegExp(`Block ${height}`)],
      ['nodes', '/nodes', /State\s+ok[\s\S]*Height\s+\d+[\s\S]*Reachable nodes[\s\S]*23,412/i],
      ['status', '/status', /Live \(SSE\) clients[\s\S]*public-mempool[\s\S]*Data lake[\s\S]*Rows per hour[\s\S]*price_ticks/i],
      ['settings', '/settings', /Retro terminal/],
      ['boot', '/boot?stay', /SATSCOPE/],
      ['docs', '/docs', /GET[\s\S]*\/api\/v1\/chain[\s\S]*\/api\/openapi\.json/],
    ];
    for (const [name, path, want] of pages) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
      const { page, problems } = await openPage(ctx, path);
      assert.match(await page.locator('main').innerText(), want, `${name} shows its data`);
      if (name !== 'boot') await waitFor(`${name} live`, async () => ((await monitorState(page)) === 'live' ? true : undefined), 10_000);
      // The market's 1-year chart has the recorded daily closes; the Overview's 30 days may not
      // have enough history yet and then says so.
      if (name === 'market') await page.waitForSelector('#chart-btc .uplot canvas', { timeout: 10_000 });
      if (name === 'overview') await page.waitForSelector('#chart-price canvas, #chart-price .chart-status:not(:empty)', { timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true });
      await page.setViewportSize({ width: 375, height: 667 });
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(SHOTS, `${name}-375-first-screen.png`) });
      await page.setViewportSize({ width: 1280, height: 900 });
      await checkAccessibility(page, name);
      for (const width of [375, 320]) {
        await page.setViewportSize({ width, height: 800 });
        await page.waitForTimeout(150);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px at ${width}px`);
        if (width === 375) await page.screenshot({ path: join(SHOTS, `${name}-375.png`), fullPage: true });
      }
      await checkAccessibility(page, `${name} at 320px`);
      assert.deepEqual(problems.console, [], `${name}: console errors`);
      assert.deepEqual(problems.csp, [], `${name}: CSP violations`);
      } finally {
        await ctx.close();
      }
    }
  });

  test('the retro theme passes the same checks', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, problems } = await openPage(ctx, '/settings?theme=retro&currency=EUR&locale=de-DE');
    await page.goto(`${rt.base}/`);
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'retro');
    assert.match(await page.locator('#price').innerText(), /€/);
    await page.screenshot({ path: join(SHOTS, 'overview-retro-1280.png'), fullPage: true });
    await checkAccessibility(page, 'retro overview');
    assert.deepEqual(problems.console, []);
    await ctx.close();
  });

  test('design: the monitor covers nothing, wide tables say they scroll, charts read out, the histogram has axes, error pages are styled', async () => {
    for (const theme of ['dark', 'retro'] as const) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const { page, problems } = await openPage(ctx, `/settings?theme=${theme}`);
        for (const path of ['/', '/market', '/blocks', '/nodes', '/status', '/settings']) {
          await page.goto(rt.base + path, { waitUntil: 'load' });
          for (const width of [1280, 375, 320]) {
            await page.setViewportSize({ width, height: 800 });
            await page.waitForTimeout(120);
            // The monitor sits in the header: no element of the page's content overlaps it, at any scroll position.
            const overlaps = await page.evaluate(() => {
              const m = document.querySelector('.monitor')?.getBoundingClientRect();
              if (!m || m.width === 0) return ['no monitor'];
              const hit: string[] = [];
              document.querySelectorAll('main *, footer *').forEach((el) => {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.height > 0 && r.left < m.right && r.right > m.left && r.top < m.bottom && r.bottom > m.top) hit.push(`${el.tagName.toLowerCase()}.${el.className}`);
              });
              return hit.slice(0, 5);
            });
            assert.deepEqual(overlaps, [], `${theme} ${path} at ${width}px: content under the monitor`);
            // A table wider than its box shows the scroll hint (until scrolled to its end).
            const cut = await page.evaluate(() =>
              Array.from(document.querySelectorAll<HTMLElement>('.table-wrap'))
                .filter((w) => w.scrollWidth - w.clientWidth > 1 && w.scrollLeft === 0)
                .filter((w) => {
                  const hint = w.previousElementSibling as HTMLElement | null;
                  return !hint?.classList.contains('scroll-hint') || hint.hidden || hint.getBoundingClientRect().height === 0;
                })
                .map((w) => w.getAttribute('aria-label')),
            );
            assert.deepEqual(cut, [], `${theme} ${path} at ${width}px: a table is cut with no scroll hint`);
          }
        }
        // The monitor folds to its dot and stays folded on the next page.
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.locator('.mon-toggle').click();
        assert.equal(await page.locator('#mon-items').isVisible(), false);
        await page.goto(`${rt.base}/`);
        assert.equal(await page.locator('.mon-toggle').getAttribute('aria-expanded'), 'false');
        await page.locator('.mon-toggle').click();
        assert.equal(await page.locator('#mon-items').isVisible(), true);
        await waitFor('server load in the monitor', async () => (/ms · [\d.]+ MB/.test((await page.locator('#mon-load').textContent()) ?? '') ? true : undefined), 10_000, 100);
        // The fee histogram has its axes: a vsize scale, the fee rate of every bar, a legend.
        const histo = page.locator('#mempool .histo');
        assert.match((await histo.locator('.histo-y').innerText()).replace(/\s+/g, ' '), /[\d.]+ [kM]?vB [\d.]+ [kM]?vB 0/);
        const bars = await histo.locator('svg rect').count();
        assert.ok(bars > 0, 'the regtest mempool has bars');
        assert.equal(await histo.locator('.histo-x span').count(), bars, 'a fee-rate label under each bar');
        assert.match(await histo.locator('.legend').innerText(), /next block[\s\S]*blocks 2–3[\s\S]*later/);
        assert.match(await histo.locator('.histo-unit').innerText(), /sat\/vB/);
        // Fee tiles with the cost of a payment in fiat (regtest has no smart estimates: those tiles read the projected blocks, and say so).
        const fees = (await page.locator('#fees').innerText()).replace(/\s+/g, ' ');
        assert.match(fees, /No priority [\d.]+ sat\/vB (\$[\d.,]+|[\d.,]+\s€) 140 vB/i);
        assert.match(fees, /High priority [\d.,]+ sat\/vB .* next block · from your mempool/i, "without a node estimate the rate is read from the projected blocks, and says so");
        // A chart reads out time and value under the cursor.
        await page.goto(`${rt.base}/market`);
        const plot = page.locator('#chart-btc .uplot .u-over');
        await plot.waitFor({ timeout: 10_000 });
        await plot.scrollIntoViewIfNeeded();
        const box = await plot.boundingBox();
        assert.ok(box);
        await plot.hover({ position: { x: box.width * 0.6, y: box.height / 2 } });
        await page.mouse.move(box.x + box.width * 0.6 + 3, box.y + box.height / 2);
        await waitFor('readout', async () => {
          const values = await page.locator('#chart-btc .u-legend .u-value').allInnerTexts();
          return values.length === 2 && values.every((v) => v !== '' && v !== '—' && v !== '--') ? values : undefined;
        }, 5_000, 100);
        const [when, value] = await page.locator('#chart-btc .u-legend .u-value').allInnerTexts();
        assert.match(when ?? '', /\d{4}|\d{1,2}:\d\d/, 'the time under the cursor');
        assert.match(value ?? '', /\$|€/, 'the price under the cursor');
        // Error pages wear the dashboard's stylesheet.
        const missing = await page.goto(`${rt.base}/no/such/page`);
        assert.equal(missing?.status(), 404);
        // In the reader's theme.
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), theme === 'dark' ? 'rgb(15, 17, 21)' : 'rgb(2, 10, 2)');
        assert.equal(await page.locator('.error-code').innerText(), '404');
        await page.screenshot({ path: join(SHOTS, `error-404-${theme}-1280.png`) });
        // The search box goes to a block.
        await page.goto(`${rt.base}/`);
        await page.locator('#search-q').fill(String(node.height()));
        await page.locator('#search-q').press('Enter');
        await page.waitForURL(new RegExp(`/blocks/${node.height()}$`));
        assert.match(await page.locator('h1').innerText(), new RegExp(`Block ${node.height()}`));
        assert.deepEqual(problems.csp, [], `${theme}: CSP violations`);
      } finally {
        await ctx.close();
      }
    }
  });

  test('KPI cards carry sparklines of their history; a block page lists its transactions; block rows stack on phones', async () => {
    // Two hours of minute points for the card series, and four days of hashrate (the 30-day sparkline is daily).
    const nowSec = Math.floor(Date.now() / 1000);
    const points = [];
    for (let i = 120; i >= 1; i--) {
      const ts = nowSec - i * 60;
      points.push({ series: 'mempool.tx_count', tsSec: ts, value: 100 + (i % 13) }, { series: 'fees.next_block_median', tsSec: ts, value: 2 + (i % 7) }, { series: 'price.usd', tsSec: ts, value: 60_000 + i * 3 });
    }
    for (let d = 4; d >= 1; d--) points.push({ series: 'chain.hashrate_hs', tsSec: nowSec - d * 86_400, value: d * 1e6 });
    await rt.history.upsertPoints(points);
    const cards = ['price', 'mempool', 'tip', 'fees'];
    // The page redraws its sparklines from history within 15 s.
    await waitFor('sparklines on the Overview', async () => {
      const html = await (await fetch(`${rt.base}/`)).text();
      const cardHtml = (id: string) => {
        const at = html.indexOf(`id="${id}"`);
        return at === -1 ? '' : html.slice(at, html.indexOf('</section>', at));
      };
      return cards.every((id) => cardHtml(id).includes('<figure class="spark">')) ? true : undefined;
    }, 30_000, 500);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await openPage(ctx, '/');
      for (const id of cards) {
        const spark = page.locator(`#${id} .spark`);
        const pts = ((await spark.locator('polyline').getAttribute('points')) ?? '').trim().split(' ');
        assert.ok(pts.length >= 2, `${id}: a line of ${pts.length} points`);
        const box = await spark.locator('svg').boundingBox();
        assert.ok(box && box.width > 100 && box.height >= 20, `${id}: the sparkline is drawn at a readable size`);
        assert.match(await spark.locator('figcaption').innerText(), /^[A-Z][A-Za-z -]+, (24 h|7 d|30 d)\s.+\s–\s.+/, `${id}: what it is, its span, low and high`);
      }
      assert.match(await page.locator('#price .spark figcaption').innerText(), /BTC price, 7 d\s+\$[\d,]+ – \$[\d,]+/);
      // A block's page lists its transactions from the node, the coinbase first.
      await page.goto(`${rt.base}/blocks/${node.height()}`);
      const rows = page.locator('#txs table.txs tbody tr');
      assert.ok((await rows.count()) >= 1);
      assert.match(await rows.first().innerText(), /^0\s+[0-9a-f]{12}…[0-9a-f]{6}\s+Copy\s+coinbase/);
      // Its copy button puts the whole transaction id on the clipboard.
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
      const txid = await rows.first().locator('code.txid').getAttribute('title');
      await rows.first().locator('button.copy').click();
      await waitFor('copied', async () => ((await rows.first().locator('button.copy').innerText()) === 'Copied' ? true : undefined), 3_000, 50);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), txid);
      // On a phone the blocks table stacks: one block per row, each figure under its column's name, nothing to scroll.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(`${rt.base}/blocks`);
      const stacked = await page.evaluate(() => {
        const tr = document.querySelector('table.blocks tbody tr');
        const td = tr?.querySelector('td');
        const wrap = document.querySelector<HTMLElement>('.table-wrap');
        return { display: tr ? getComputedStyle(tr).display : '', label: td ? getComputedStyle(td, '::before').content : '', overflow: wrap ? wrap.scrollWidth - wrap.clientWidth : -1 };
      });
      assert.deepEqual(stacked, { display: 'grid', label: '"Age"', overflow: 0 });
      await page.screenshot({ path: join(SHOTS, 'blocks-375-stacked.png') });
      assert.deepEqual(problems.console, []);
      assert.deepEqual(problems.csp, []);
    } finally {
      await ctx.close();
    }
  });

  test('the boot sequence fills the screen as a CRT and no line breaks apart, down to 320 px', async () => {
    const ctx = await browser.newContext({ viewport: { width: 320, height: 640 } });
    try {
      const { page, problems } = await openPage(ctx, '/boot?stay');
      await page.waitForTimeout(400);
      const crt = await page.locator('.crt').boundingBox();
      assert.ok(crt && crt.width >= 320 && crt.height >= 640, 'full screen');
      const broken = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('.boot-line')).filter((l) => {
          const s = l.querySelector('.bl-state');
          if (!s) return false;
          const line = parseFloat(getComputedStyle(l).lineHeight);
          return l.getBoundingClientRect().height > line * 1.5 || s.getBoundingClientRect().right > l.getBoundingClientRect().right + 0.5;
        }).map((l) => l.textContent),
      );
      assert.deepEqual(broken, [], 'lines that wrap or push their state out');
      assert.match(await page.locator('[data-boot-hint]').innerText(), /stays until you follow the link/);
      await page.screenshot({ path: join(SHOTS, 'boot-320.png') });
      assert.deepEqual(problems.console, []);
    } finally {
      await ctx.close();
    }
  });

  test('without a node, the Overview leads with the public tip, fees, mempool and next block in the first screen', async () => {
    const pub = await testRuntime({ ...fx.env, SOURCES_DISABLED: '' }, { jobs: 'production' });
    const ctx = await browser.newContext({ viewport: { width: 375, height: 667 } });
    try {
      await waitFor('public tip, fees, mempool and projection', async () => {
        const h = await (await fetch(`${pub.base}/`)).text();
        return ['public-mempool.tip', 'public-mempool.fees.fastestSatVb', 'public-mempool.mempool.txCount'].every((k) => new RegExp(`data-k="${k.replace(/\./g, '\\.')}" data-f="\\w+" data-v="\\d`).test(h)) && h.includes('<ol class="projected"') ? true : undefined;
      }, 30_000, 250);
      const page = await ctx.newPage();
      for (const [width, height] of [[375, 667], [320, 568], [1280, 800]] as const) {
        await page.setViewportSize({ width, height });
        await page.goto(`${pub.base}/`, { waitUntil: 'load' });
        const pulse = page.locator('.pulse');
        const box = await pulse.boundingBox();
        assert.ok(box && box.y + box.height <= height, `the pulse is in the first screen at ${width}×${height} (bottom ${box ? box.y + box.height : '?'})`);
        const text = (await pulse.innerText()).replace(/\s+/g, ' ');
        assert.match(text, /Block height \d{3},\d{3}/i, 'the public tip');
        assert.match(text, /Fees \(high priority\) [\d.]+ sat\/vB no priority [\d.]+ sat\/vB/i, 'the public fees');
        assert.match(text, /Mempool [\d,]+ tx/i, 'the public mempool');
        assert.match(text, /Next block ~[\d.]+ sat\/vB/i, 'the next projected block');
        // The blocks strip: the projected blocks and the last mined ones, in the first screen from 375 px up.
        const strip = await page.locator('.strip').boundingBox();
        assert.ok(strip && strip.y < height && (width < 375 || strip.y + strip.height <= height), `the blocks strip is in the first screen at ${width}×${height}`);
        assert.ok((await page.locator('.strip .bs-next').count()) >= 1, 'projected blocks');
        assert.ok((await page.locator('.strip .bs-mined').count()) >= 1, 'mined blocks');
        assert.match(await page.locator('.strip .bs-next').last().innerText(), /next[\s\S]*~[\d.]+ sat\/vB[\s\S]*tx/i);
        assert.doesNotMatch(await page.locator('main').innerText(), /No Bitcoin node configured/);
        await page.screenshot({ path: join(SHOTS, `overview-no-node-${width}-first-screen.png`) });
        await page.screenshot({ path: join(SHOTS, `overview-no-node-${width}.png`), fullPage: true });
      }
      // The setup card can be dismissed for good.
      await page.locator('#setup [data-dismiss]').click();
      await page.reload();
      assert.equal(await page.locator('#setup').isVisible(), false);
    } finally {
      await ctx.close();
      await pub.close();
    }
  });

  test('the top coins search, sort and keep a watchlist; charts export CSV and PNG', async () => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    try {
      const { page, problems } = await openPage(ctx, '/market');
      const visible = () => page.locator('#coins tbody tr:visible th').allInnerTexts();
      await page.fill('#coin-search', 'ereum');
      assert.deepEqual(await visible(), ['Ethereum ETH']);
      await page.fill('#coin-search', '');
      await page.click('button[data-sort="price"]');
      await page.click('button[data-sort="price"]');
      assert.equal((await visible())[0], 'Bitcoin BTC', 'highest price first');
      assert.equal(await page.locator('th:has(button[data-sort="price"])').getAttribute('aria-sort'), 'descending');
      await page.click('button[data-watch="tether"]');
      await page.check('#watch-only');
      assert.deepEqual(await visible(), ['Tether USDT']);
      await page.reload();
      await page.check('#watch-only');
      assert.deepEqual(await visible(), ['Tether USDT'], 'the watchlist survives a reload');
      await page.waitForSelector('#chart-btc .uplot canvas', { timeout: 10_000 });
      const [png] = await Promise.all([page.waitForEvent('download'), page.click('#chart-btc [data-png]')]);
      assert.match(png.suggestedFilename(), /^satscope-price-1y\.png$/);
      await page.click('#chart-btc [data-range-btn="all"]');
      assert.equal(await page.locator('#chart-btc a.csv').getAttribute('href'), '/api/v1/charts/price?range=all&format=csv');
      const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#chart-btc a.csv')]);
      assert.equal(csv.suggestedFilename(), 'satscope-price-all.csv');
      assert.deepEqual(problems.console, []);
    } finally {
      await ctx.close();
    }
  });

  test('a mined block reaches the open Overview within 5 s, without a reload', async () => {
    const ctx = await browser.newContext();
    const { page } = await openPage(ctx, '/');
    await waitFor('live', async () => ((await monitorState(page)) === 'live' ? true : undefined), 10_000);
    const tip = page.locator('#tip [data-k="chain.height"]');
    const before = Number(await tip.getAttribute('data-v'));
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    const [hash] = await node.mine(1);
    assert.ok(hash);
    const started = Date.now();
    await waitFor('new tip on the page', async () => (Number(await tip.getAttribute('data-v')) === before + 1 ? true : undefined), 5_000, 50);
    assert.ok(Date.now() - started <= 5_000);
    assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 42, 'same document: no reload');
    assert.equal(await tip.textContent(), (before + 1).toLocaleString('en-US'));
    // The figure that moved shows an up arrow; the pulse strip's tip and the node's row moved with it.
    assert.match((await tip.getAttribute('class')) ?? '', /\brise\b/);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#tip [data-k="chain.height"]') as Element, '::after').content), '"▲"');
    assert.equal(Number(await page.locator('.pulse [data-k="chain.height"]').getAttribute('data-v')), before + 1);
    await waitFor('node row at the tip', async () => (Number(await page.locator('[data-node="main"] .v').getAttribute('data-v')) === before + 1 ? true : undefined), 2_000, 50);
    assert.equal(await page.locator(`.strip [data-hash="${hash}"] a`).getAttribute('href'), `/blocks/${hash}`, 'the new block slid into the strip, linked to its detail');
    assert.equal(await page.locator('.strip .bs-mined').first().getAttribute('data-hash'), hash, 'newest first');
    await ctx.close();
  });

  test('with the live stream refused, the page polls: the monitor says so and a mined block still arrives', async () => {
    const ctx = await browser.newContext();
    try {
      // As a proxy that cuts event streams would: every /api/stream gets a 503.
      await ctx.route('**/api/stream**', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"SSE_CAPACITY","message":"poll instead"}}' }));
      const { page, problems } = await openPage(ctx, '/');
      await waitFor('polling', async () => ((await monitorState(page)) === 'polling' ? true : undefined), 15_000, 100);
      const tip = page.locator('#tip [data-k="chain.height"]');
      const before = Number(await tip.getAttribute('data-v'));
      await node.mine(1);
      // The chain job runs every 10 s and the page polls every 10 s.
      await waitFor('the new tip by polling', async () => (Number(await tip.getAttribute('data-v')) === before + 1 ? true : undefined), 40_000, 200);
      assert.equal(await monitorState(page), 'polling');
      assert.deepEqual(problems.csp, []);
      // A card whose data grows older than its limit is marked stale by the page itself, with why.
      const footer = page.locator('#tip .fresh');
      assert.doesNotMatch((await footer.getAttribute('class')) ?? '', /stale/);
      assert.equal(await footer.getAttribute('data-fresh'), 'chain');
      await page.evaluate(`document.querySelector('#tip .fresh').dataset.asof = String(Date.now() - 120000)`);
      await waitFor('the stale mark', async () => ((await footer.getAttribute('class'))?.includes('stale') ? true : undefined), 5_000, 100);
      assert.match((await footer.textContent()) ?? '', /stale: no update for 1 min/);
      assert.match((await footer.textContent()) ?? '', /2 min( \d+ s)? ago/);
    } finally {
      await ctx.close();
    }
  });

  test('a hidden tab holds live updates and paints them when shown again', async () => {
    const hiddenCtx = await browser.newContext();
    const watcherCtx = await browser.newContext();
    try {
      const { page: hidden } = await openPage(hiddenCtx, '/');
      const { page: watcher } = await openPage(watcherCtx, '/');
      for (const p of [hidden, watcher]) await waitFor('live', async () => ((await monitorState(p)) === 'live' ? true : undefined), 10_000);
      const tipOf = async (p: Page) => Number(await p.locator('#tip [data-k="chain.height"]').getAttribute('data-v'));
      const before = await tipOf(hidden);
      // A string, not a function: the test's compiled helpers do not exist in the page.
      const setHidden = (v: boolean) =>
        hidden.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${v} });
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${v ? 'hidden' : 'visible'}' });
          document.dispatchEvent(new Event('visibilitychange'));`);
      await setHidden(true);
      await node.mine(1);
      // The same broadcast reaches both tabs; the visible one paints it.
      await waitFor('the watcher painted the block', async () => ((await tipOf(watcher)) === before + 1 ? true : undefined), 10_000, 50);
      assert.equal(await tipOf(hidden), before, 'the hidden tab did not paint');
      await setHidden(false);
      // No new event comes: what appears now is what the hidden tab held back.
      await waitFor('the held update painted', async () => ((await tipOf(hidden)) === before + 1 ? true : undefined), 2_000, 20);
    } finally {
      await Promise.all([hiddenCtx.close(), watcherCtx.close()]);
    }
  });

  test('two tabs of one browser share one SSE connection', async () => {
    const ctx = await browser.newContext();
    const a = await openPage(ctx, '/');
    const b = await openPage(ctx, '/');
    for (const p of [a.page, b.page]) await waitFor('live', async () => ((await monitorState(p)) === 'live' ? true : undefined), 10_000);
    // Connections of the tests before close asynchronously: wait for the count to settle, then
    // check it stays at one.
    const clients = async () => ((await (await fetch(`${rt.base}/api/v1/status`)).json()) as { sse: { clients: number } }).sse.clients;
    const seen: number[] = [];
    await waitFor('one connection', async () => {
      seen.push(await clients());
      return seen.at(-1) === 1 ? true : undefined;
    }, 5_000).catch((err: unknown) => assert.fail(`${String(err)}; counts seen: ${seen.join(',')}`));
    await a.page.waitForTimeout(1000);
    assert.equal(await clients(), 1);
    // Both tabs get the next block: the one without a connection through the other.
    const tips = [a.page, b.page].map((p) => p.locator('#tip [data-k="chain.height"]'));
    const before = Number(await tips[0]?.getAttribute('data-v'));
    await node.mine(1);
    for (const tip of tips) await waitFor('tip in both tabs', async () => (Number(await tip.getAttribute('data-v')) === before + 1 ? true : undefined), 5_000, 50);
    assert.equal(await clients(), 1, 'still one connection');
    await ctx.close();
  });

  test('stopping the server turns the monitor offline; restarting brings it back to live', async () => {
    const ctx = await browser.newContext();
    const { page } = await openPage(ctx, '/');
    await waitFor('live', async () => ((await monitorState(page)) === 'live' ? true : undefined), 10_000);
    await rt.close();
    await waitFor('offline', async () => ((await monitorState(page)) === 'offline' ? true : undefined), 15_000, 100);
    rt = await testRuntime(env(), { jobs: 'production', port, dataDir });
    await waitFor('live again', async () => ((await monitorState(page)) === 'live' ? true : undefined), 30_000, 200);
    await ctx.close();
  });
});
