// Templates escape by default; formatting and downsampling are the same on server and browser.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { downsample, histogramBars } from '../../src/domain/charts.ts';
import { formatDuration, formatValue, valueAt, type FormatOptions } from '../../src/domain/format.ts';
import { dataAttrs, html, trustedHtml } from '../../src/server/views/html.ts';
import { formatOptions } from '../../src/server/views/layout.ts';
import { prefsCookie, readPrefs } from '../../src/server/views/prefs.ts';

const US: FormatOptions = { locale: 'en-US', currency: 'USD', usdRate: 1, nowMs: 1_700_000_000_000 };

test('html() escapes every interpolated value unless it is itself html', () => {
  const name = '<script>alert("x")</script>&\'';
  assert.equal(html`<p title="${name}">${name}</p>`.value, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
  assert.equal(html`<ul>${['a<', html`<b>b</b>`]}</ul>`.value, '<ul>a&lt;<b>b</b></ul>');
  assert.equal(html`${null}${undefined}${false}${0}`.value, '0');
  assert.equal(html`${trustedHtml('<hr>')}`.value, '<hr>');
  assert.equal(dataAttrs({ k: 'chain.height', v: '"><x', skip: null }).value, ' data-k="chain.height" data-v="&quot;&gt;&lt;x"');
});

test('formatValue() chooses display units and handles missing values', () => {
  const cases: [unknown, Parameters<typeof formatValue>[1], string][] = [
    [952583, 'int', '952,583'],
    [60823, 'fiat', '$60,823'],
    [12.5, 'fiat', '$12.50'],
    [1_218_898_431_266, 'fiatCompact', '$1.22T'],
    [2_003_932_187_500_000, 'btc', '20,039,321.875 BTC'],
    [-1.24, 'signedPct', '-1.24 %'],
    [3.5, 'signedPct', '+3.5 %'],
    [8.12e20, 'hashrate', '812 EH/s'],
    [1_500_000, 'bytes', '1.5 MB'],
    [2.345, 'satvb', '2.35 sat/vB'],
    [25.06, 'satvb', '25.1 sat/vB'],
    [149_301_205_959_699, 'difficulty', '149.3 T'],
    [90_061, 'duration', '1 d 1 h'],
    [1_700_000_000 - 125, 'ago', '2 min 5 s ago'],
    [1_700_000_000 + 3600, 'until', 'in 1 h'],
    [null, 'int', '—'],
    [Number.NaN, 'fiat', '—'],
    ['node1', 'text', 'node1'],
  ];
  for (const [value, kind, want] of cases) assert.equal(formatValue(value, kind, US), want, `${String(value)} as ${kind}`);
  assert.match(formatValue(60823, 'fiat', { ...US, locale: 'de-DE', currency: 'EUR', usdRate: 0.9 }), /^54\.741\s€$/u, 'converted and in the chosen locale');
  assert.equal(formatDuration(0), '0 s');
  assert.equal(valueAt({ a: { b: [{ c: 7 }] } }, 'a.b.0.c'), 7);
  assert.equal(valueAt({ a: null }, 'a.b'), undefined);
});

test('downsample() keeps the first and last points and the peaks, and returns `threshold` points', () => {
  const t = Array.from({ length: 10_000 }, (_, i) => i);
  const v = t.map((i) => (i === 4321 ? 1000 : Math.sin(i / 100)));
  const d = downsample(t, v, 500);
  assert.equal(d.t.length, 500);
  assert.equal(d.t[0], 0);
  assert.equal(d.t.at(-1), 9999);
  assert.ok(d.v.includes(1000), 'the spike survives');
  assert.ok(d.t.every((x, i) => i === 0 || x > (d.t[i - 1] as number)), 'ascending');
  assert.deepEqual(downsample([1, 2], [3, 4], 500), { t: [1, 2], v: [3, 4] });
});

test('histogramBars() scales bars to the largest bucket and skips empty ones', () => {
  const bars = histogramBars([{ feeRate: 1, vsize: 1000 }, { feeRate: 2, vsize: 0 }, { feeRate: 5, vsize: 500 }], 600, 120);
  assert.equal(bars.length, 2);
  assert.equal(bars[0]?.h, 120);
  assert.equal(bars[1]?.h, 60);
  assert.equal(bars[1]?.y, 60);
  assert.match(bars[1]?.label ?? '', /≥ 5 sat\/vB: 500 vB/);
});

test('readPrefs() keeps only known choices from the cookie; formatOptions() falls back to USD without a rate', () => {
  const req = (cookie: string) => ({ headers: { cookie } }) as IncomingMessage;
  // Written by hand, not by prefsCookie(): the reader is checked against the documented format.
  const cookie = 'satscope_prefs=theme%3Dretro%26currency%3DEUR%26locale%3Dde-DE';
  assert.equal(prefsCookie({ theme: 'retro', currency: 'EUR', locale: 'de-DE' }), `${cookie}; Path=/; Max-Age=31536000; SameSite=Lax`);
  assert.deepEqual(readPrefs(req(`other=1; ${cookie}`), ['USD', 'EUR']), { theme: 'retro', currency: 'EUR', locale: 'de-DE' });
  assert.deepEqual(readPrefs(req(cookie), ['USD']), { theme: 'retro', currency: 'USD', locale: 'de-DE' }, 'EUR is not configured');
  assert.deepEqual(readPrefs(req('satscope_prefs=theme%3D%3Cx%3E%26locale%3Dxx'), ['USD']), { theme: 'dark', currency: 'USD', locale: 'en-US' });
  for (const broken of ['satscope_prefs=%E0', 'satscope_prefs=%', 'satscope_prefs=theme%3Dretro%ZZ']) assert.deepEqual(readPrefs(req(broken), ['USD']), { theme: 'dark', currency: 'USD', locale: 'en-US' }, broken);
  const noRate = formatOptions({ theme: 'dark', currency: 'EUR', locale: 'en-US' }, null, 0);
  assert.equal(noRate.fmt.currency, 'USD');
  assert.match(noRate.notice ?? '', /No EUR price yet/);
  assert.equal(formatOptions({ theme: 'dark', currency: 'EUR', locale: 'en-US' }, 0.9, 0).fmt.usdRate, 0.9);
});
