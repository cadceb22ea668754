// The pages over plain HTTP against the fixture server: first paint carries the jobs' data, every
// page has the strict CSP and no inline script, preferences come from the Settings cookie, chart
// data is downsampled JSON or full CSV, and an unknown page gets the HTML error page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

let fx: FixtureServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
const page = async (path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(rt.base + path, { headers: { accept: 'text/html', ...headers } });
  return { status: r.status, headers: r.headers, html: await r.text() };
};

before(async () => {
  fx = await startFixtureServer();
  rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', FIAT_CURRENCIES: 'USD,EUR' }, { jobs: 'production' });
  await waitFor('market data', async () => ((await (await fetch(`${rt.base}/api/v1/market`)).json()) as { kpis: { data: unknown } }).kpis.data ?? undefined, 30_000, 250);
  await waitFor('EUR price', async () => ((await (await fetch(`${rt.base}/api/bitcoin/latest`)).json()) as { data: { fiat?: { EUR?: unknown } } | null }).data?.fiat?.EUR, 30_000, 250);
});
after(async () => {
  await rt.close();
  await fx.stop();
});

test('the Overview paints the fixture price and the public network at first paint, with no inline script', async () => {
  const { status, headers, html } = await page('/');
  assert.equal(status, 200);
  assert.match(headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(html, /data-k="price\.usd" data-f="fiat" data-v="60823">\$60,823</);
  // Without a node the Overview leads with mempool.space's tip, fees and mempool, and one setup card says how to add a node.
  assert.doesNotMatch(html, /No Bitcoin node configured/);
  assert.match(html, /<section class="pulse" aria-label="Bitcoin right now \(mempool\.space\)">/);
  assert.match(html, /data-k="public-mempool\.tip" data-f="int" data-v="\d+">[\d,]+</);
  assert.match(html, /data-k="public-mempool\.fees\.fastestSatVb" data-f="satvb" data-v="[\d.]+">/);
  assert.match(html, /data-k="public-mempool\.mempool\.txCount"/);
  assert.match(html, /<section class="card wide setup" id="setup"[^>]*><h2 id="setup-h">Add your own node<\/h2>/);
  assert.ok(html.indexOf('class="pulse"') < html.indexOf('id="price"'), 'the pulse comes before the price card');
  assert.ok(!html.includes('\u0001'), 'every deferred age is filled in');
  assert.doesNotMatch(html, /DEMO/);
  // Only external scripts and the JSON data block.
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.ok(scripts.length === 2 && scripts.every((s) => /src="\/assets\/app\.[0-9a-f]{12}\.js"|type="application\/json"/.test(s)), scripts.join(' '));
  assert.doesNotMatch(html, /style="/);
});

test('every page renders with its data; assets are immutable and content-hashed', async () => {
  const want: Record<string, RegExp> = {
    '/market': /data-sort="cap"[\s\S]*Ethereum/,
    '/blocks': /mempool\.space[\s\S]*<table class="blocks stacking"/,
    '/nodes': /Reachable nodes[\s\S]*class="big"/,
    '/status': /Live \(SSE\) clients[\s\S]*public-coingecko/,
    '/settings': /Retro terminal/,
    '/boot': /SATSCOPE .* BIOS/,
  };
  for (const [path, re] of Object.entries(want)) {
    const p = await page(path);
    assert.equal(p.status, 200, path);
    assert.match(p.html, re, path);
  }
  const js = (await page('/')).html.match(/\/assets\/app\.[0-9a-f]{12}\.js/)?.[0] ?? '';
  const r = await fetch(rt.base + js, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('cache-control') ?? '', /immutable/);
  assert.ok((await r.arrayBuffer()).byteLength > 10_000);
});

test('Settings stores theme, currency and locale in a cookie and the pages follow it', async () => {
  const saved = await page('/settings?theme=retro&currency=EUR&locale=de-DE');
  const cookie = saved.headers.get('set-cookie')?.split(';')[0] ?? '';
  assert.match(cookie, /^satscope_prefs=/);
  const market = await page('/market', { cookie });
  assert.match(market.html, /data-theme="retro"/);
  assert.match(market.html, /data-currency="EUR"/);
  assert.match(market.html, /\d\s€/u, 'amounts in euro');
  const ignored = await page('/settings?theme=%3Cscript%3E&currency=XXX');
  assert.equal(ignored.headers.get('set-cookie')?.includes('theme%3Ddark'), true, 'unknown values fall back');
});

test('chart data is columnar and downsampled; CSV export has every point; bad parameters are 400', async () => {
  const j = (await (await fetch(`${rt.base}/api/v1/charts/price?range=1y&points=50`)).json()) as { t: number[]; v: number[]; points: number };
  assert.equal(j.t.length, j.v.length);
  assert.ok(j.t.length <= 50);
  const csv = await fetch(`${rt.base}/api/v1/charts/price?range=1y&format=csv`);
  assert.match(csv.headers.get('content-disposition') ?? '', /satscope-price-1y\.csv/);
  const lines = (await csv.text()).trim().split('\n');
  assert.equal(lines[0], 'time,price_USD');
  assert.equal(lines.length - 1, j.points);
  assert.equal((await fetch(`${rt.base}/api/v1/charts/price?range=2w`)).status, 400);
  assert.equal((await fetch(`${rt.base}/api/v1/charts/nope`)).status, 404);
});

test('charts are daily from 30 days, hourly for a week, minute points for a day, up to now at one resolution', async () => {
  // Three days of half-hourly hashrate, each day its own level; compaction rolls up the whole hours and days.
  const day = 86_400;
  const nowSec = Math.floor(Date.now() / 1000);
  const today = Math.floor(nowSec / day) * day;
  const points = [];
  for (let ts = today - 3 * day; ts < nowSec - 60; ts += 1800) points.push({ series: 'network.hashrate_hs', tsSec: ts, value: (1 + Math.floor((ts - today) / day) + 3) * 1e18 });
  await rt.history.upsertPoints(points);
  await rt.history.compact(nowSec);
  type Chart = { resolution: string; t: number[]; v: number[] };
  const get = async (range: string) => (await (await fetch(`${rt.base}/api/v1/charts/hashrate?range=${range}&points=2000`)).json()) as Chart;
  const d30 = await get('30d');
  assert.equal(d30.resolution, 'day');
  assert.ok(d30.t.every((t, i) => t % day === 0 && (i === 0 || t > (d30.t[i - 1] as number))), `one point a day: ${d30.t.join(',')}`);
  assert.equal(d30.t.at(-1), today, 'the line reaches today');
  assert.equal(d30.v[d30.t.indexOf(today - 2 * day)], 2e18, 'a whole day is the mean of its points');
  const d7 = await get('7d');
  assert.equal(d7.resolution, 'hour');
  assert.ok(d7.t.every((t, i) => t % 3600 === 0 && (i === 0 || t > (d7.t[i - 1] as number))), 'one point an hour');
  assert.ok((d7.t.at(-1) as number) >= nowSec - 2 * 3600, 'the hourly line reaches the current hour');
  assert.equal((await get('1d')).resolution, 'raw');
});

test('an unknown page gets the HTML error page; the API keeps its JSON envelope', async () => {
  const p = await page('/no/such/page');
  assert.equal(p.status, 404);
  assert.match(p.html, /<p class="error-code">404<\/p><h1 id="error-h">Not found<\/h1>/);
  assert.match(p.html, /There is no page at \/no\/such\/page\./);
  // Styled like every other page: the dashboard's stylesheet, once it has been built (a page was served above).
  const style = /<link rel="stylesheet" href="(\/assets\/[^"]+\.css)">/.exec(p.html)?.[1];
  assert.ok(style, 'the error page links the stylesheet');
  const css = await fetch(rt.base + style);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  assert.match(await css.text(), /\.error-card/);
  const api = await fetch(`${rt.base}/api/v1/nope`, { headers: { accept: 'text/html' } });
  assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  assert.equal((await page('/blocks/xyz')).status, 400);
});

test('viewers are counted by heartbeat without cookies; page views per page on /metrics', async () => {
  const beat = (viewer: string) => fetch(`${rt.base}/api/v1/beacon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ viewer }) });
  assert.equal((await beat('tab-aaaaaaaa')).status, 204);
  assert.equal((await beat('tab-bbbbbbbb')).status, 204);
  assert.equal((await beat('tab-aaaaaaaa')).status, 204);
  assert.equal((await beat('x')).status, 400);
  const status = (await (await fetch(`${rt.base}/api/v1/status`)).json()) as { traffic: { scope: string; activeViewers: number; pageViews: Record<string, number>; reason?: string } };
  // One process on the memory store: its own counts are all there is, so nothing is marked missing.
  assert.equal(status.traffic.scope, 'process');
  assert.equal(status.traffic.reason, undefined);
  assert.equal(status.traffic.activeViewers, 2);
  assert.ok((status.traffic.pageViews.overview ?? 0) >= 1);
  const metrics = await (await fetch(`${rt.base}/metrics`)).text();
  assert.match(metrics, /^satscope_active_viewers 2$/m);
  assert.doesNotMatch(metrics, /satscope_active_viewers_shared/, 'no shared gauge without a shared store');
  assert.match(metrics, /^satscope_page_views_total\{page="market"\} \d+$/m);
});
