// Templates escape by default; formatting and downsampling are the same on server and browser.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { bucketMeans, downsample, resolutionFor, sparkPoints, withGaps } from '../../src/domain/charts.ts';
import { bucketize, histogramModel, niceCeil, rateForBlock, tiersFromNode, tiersFromPublic, txFeeSats } from '../../src/domain/fee-tiers.ts';
import { DEFER_CLOCK, fillClockSlots, formatDuration, formatValue, hasClockSlots, valueAt, type FormatOptions } from '../../src/domain/format.ts';
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
    [2_003_932_187_500_000, 'btc', '20,039,322 BTC'],
    [508_312_345_678, 'btc', '5,083.12 BTC'],
    [312_500_000, 'btc', '3.125 BTC'],
    [1_234_567, 'btc', '0.01234567 BTC'],
    [3_993_012, 'wu', '3.99 MWU'],
    [4.656542373906925e-10, 'difficulty', '4.66e-10'],
    [0.5, 'difficulty', '0.5'],
    [1.23456, 'difficulty', '1.23'],
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

test('deferred ages: every slot a page gets is filled in, whatever number it holds, and upstream text cannot pose as one', () => {
  const deferred = { ...US, nowMs: DEFER_CLOCK };
  const page = [1_700_000_000 - 125, 1e-7, -3.5, 1e21, 1_700_000_000 + 3600].map((t, i) => formatValue(t, i === 4 ? 'until' : 'ago', deferred)).join(' | ');
  assert.ok(hasClockSlots(page));
  const filled = fillClockSlots(page, US.nowMs);
  assert.ok(!filled.includes('\u0001') && !filled.includes('\u0002'), `no slot left: ${JSON.stringify(filled)}`);
  assert.match(filled, /^2 min 5 s ago \| .+ ago \| .+ ago \| 0 s ago \| in 1 h$/);
  const forged = 'pool \u0001abcdefgha5\u0002';
  assert.equal(fillClockSlots(forged, US.nowMs), forged, 'a slot without this process\'s nonce is left as text');
});

test('charts draw minute points for a day, hourly for a week, daily for 30 days and beyond', () => {
  assert.equal(resolutionFor(86_400), 'raw');
  assert.equal(resolutionFor(7 * 86_400), 'hour');
  assert.equal(resolutionFor(30 * 86_400), 'day');
  assert.equal(resolutionFor(365 * 86_400), 'day');
});

test('bucketMeans() averages each bucket and stamps it with the bucket start', () => {
  const day = 86_400;
  // Two points on day 10, one on day 11, three on day 13 (none on day 12).
  const t = [10 * day + 60, 10 * day + 3600, 11 * day, 13 * day + 1, 13 * day + 2, 13 * day + 3];
  const v = [1, 3, 7, 2, 4, 9];
  assert.deepEqual(bucketMeans(t, v, day), { t: [10 * day, 11 * day, 13 * day], v: [2, 7, 5] });
  assert.deepEqual(bucketMeans([], [], day), { t: [], v: [] });
  assert.deepEqual(bucketMeans([7201, 7300], [5, 6], 3600), { t: [7200], v: [5.5] });
});

test('sparkPoints() spans the box: oldest left, newest right, highest at the top', () => {
  assert.equal(sparkPoints([0, 50, 100], [10, 30, 20], 100, 20), '0,20 50,0 100,10');
  assert.equal(sparkPoints([0, 10], [5, 5], 100, 20), '0,10 100,10', 'a flat series runs through the middle');
  assert.equal(sparkPoints([0], [1], 100, 20), '', 'one point is no line');
  // Thousands of points become at most one per unit of width (and the newest is always kept).
  const t = Array.from({ length: 5000 }, (_, i) => i);
  const pts = sparkPoints(t, t.map((i) => Math.sin(i)), 100, 20).split(' ');
  assert.ok(pts.length <= 101, String(pts.length));
  assert.equal(pts.at(-1)?.split(',')[0], '100');
});

test('withGaps() breaks the line where days are missing, not between neighbours', () => {
  const day = 86_400;
  assert.deepEqual(withGaps([0, day, 2 * day, 100 * day, 101 * day], [1, 2, 3, 4, 5], 'day'), { t: [0, day, 2 * day, 3 * day, 100 * day, 101 * day], v: [1, 2, 3, null, 4, 5] });
  assert.deepEqual(withGaps([0, 3600, 7200], [1, 2, 3], 'hour'), { t: [0, 3600, 7200], v: [1, 2, 3] });
  // Raw points: the median spacing is the step (a minute here); a 20-minute hole is a gap.
  assert.deepEqual(withGaps([0, 60, 120, 180, 1380], [1, 1, 1, 1, 2], 'raw').v, [1, 1, 1, 1, null, 2]);
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

test('histogramModel() keeps the fee axis even, scales to a round top and colours by the block each band fits in', () => {
  const m = histogramModel(
    [
      { feeRate: 1, vsize: 1_500_000 },
      { feeRate: 2, vsize: 0 },
      { feeRate: 5, vsize: 1_200_000 },
      { feeRate: 10, vsize: 600_000 },
      { feeRate: 20, vsize: 0 },
    ],
    600,
    160,
  );
  assert.deepEqual(m.bars.map((b) => b.feeRate), [1, 2, 5, 10], 'from the lowest to the highest band with vsize, the empty one between kept');
  assert.equal(m.yMax, 2_000_000);
  assert.equal(m.totalVsize, 3_300_000);
  // From the top: 10 sat/vB (0.6 MvB) lands in the next block; the middle of 5 sat/vB (1.2 MvB below it) in block 2; 1 sat/vB's middle at 2.55 MvB, block 3.
  assert.deepEqual(m.bars.map((b) => b.band), ['soon', 'soon', 'soon', 'next']);
  const deep = histogramModel([{ feeRate: 1, vsize: 500_000 }, { feeRate: 2, vsize: 3_500_000 }], 600, 160);
  assert.deepEqual(deep.bars.map((b) => b.band), ['later', 'soon'], 'a band whose middle is past three blocks is later');
  // Square-root scale: 1.5 of 2 MvB is sqrt(0.75) of the height.
  assert.equal(m.bars[0]?.h, Math.round(Math.sqrt(0.75) * 160 * 10) / 10);
  assert.equal(m.bars[3]?.h, Math.round(Math.sqrt(0.3) * 160 * 10) / 10);
  assert.equal(m.bars[1]?.h, 0);
  assert.deepEqual([m.bars[3]?.feeRate, m.bars[3]?.upTo, m.bars[0]?.upTo], [10, null, 2]);
  assert.deepEqual(histogramModel([], 600, 160).bars, [], 'an empty mempool has no bars');
  assert.deepEqual([niceCeil(0), niceCeil(1), niceCeil(1.2), niceCeil(340_000), niceCeil(2_000_001)], [1, 1, 2, 500_000, 5_000_000]);
});

test('bucketize() sums mempool.space histogram steps into the fee bands', () => {
  const b = bucketize([{ feeRate: 150.3, vsize: 10 }, { feeRate: 2.5, vsize: 7 }, { feeRate: 2, vsize: 3 }, { feeRate: 0.5, vsize: 4 }, { feeRate: 0.15, vsize: 6 }, { feeRate: 0.05, vsize: 2 }, { feeRate: 9000, vsize: 1 }]);
  const at = (rate: number) => b.find((x) => x.feeRate === rate)?.vsize;
  assert.deepEqual([at(0), at(0.1), at(0.5), at(1), at(2), at(150), at(2000)], [2, 6, 4, 0, 10, 10, 1], 'sub-1 sat/vB rates in their own bands (not lumped into 1), above the top in the highest');
});

test('without a node estimate, a tier reads the rate its block needs from the projected blocks', () => {
  // Three full blocks and a partial fourth: the next block needs 12 sat/vB, block 3 needs 4, block 6 only the floor.
  const projected = [{ minFeeRate: 12 }, { minFeeRate: 7 }, { minFeeRate: 4 }, { minFeeRate: 1.2 }];
  assert.equal(rateForBlock(projected, 0, 1), 12);
  assert.equal(rateForBlock(projected, 2, 1), 4);
  assert.equal(rateForBlock(projected, 3, 1), 1, 'the last block is not full: the floor gets in');
  assert.equal(rateForBlock(projected, 5, 1), 1);
  assert.equal(rateForBlock([], 0, 0.1), 0.1, 'an empty mempool: the minimum');
  assert.equal(rateForBlock([{ minFeeRate: 0.05 }, { minFeeRate: 0.01 }], 0, 0.1), 0.1, 'never below the floor');
  const tiers = tiersFromNode(
    [
      { targetBlocks: 1, feeRateSatVb: null, note: 'Insufficient data or no feerate found' },
      { targetBlocks: 3, feeRateSatVb: 9 },
      { targetBlocks: 6, feeRateSatVb: null },
      { targetBlocks: 144, feeRateSatVb: null },
    ],
    1.5,
    projected,
  );
  assert.deepEqual(tiers.map((t) => [t.id, t.satVb, t.fromMempool ?? false]), [
    ['none', 1.5, false],
    ['low', 1.5, true],
    ['medium', 9, false],
    ['high', 12, true],
  ]);
  assert.match(tiers[3]?.note ?? '', /from your mempool: Insufficient data/);
  // Without projected blocks a missing estimate stays missing.
  assert.equal(tiersFromNode([{ targetBlocks: 1, feeRateSatVb: null }], null)[3]?.satVb, null);
});

test('fee tiers from a node and from mempool.space, and the cost of a typical payment', () => {
  const node = tiersFromNode(
    [
      { targetBlocks: 1, feeRateSatVb: 20 },
      { targetBlocks: 3, feeRateSatVb: 12 },
      { targetBlocks: 6, feeRateSatVb: 8 },
      { targetBlocks: 144, feeRateSatVb: null },
    ],
    1.5,
  );
  assert.deepEqual(node.map((t) => [t.id, t.satVb, t.live]), [
    ['none', 1.5, 'fees.mempoolMinSatVb'],
    ['low', 8, 'fees.estimates.2.feeRateSatVb'],
    ['medium', 12, 'fees.estimates.1.feeRateSatVb'],
    ['high', 20, 'fees.estimates.0.feeRateSatVb'],
  ]);
  const pub = tiersFromPublic({ fastestSatVb: 9, halfHourSatVb: 7, hourSatVb: 5, economySatVb: 2 });
  assert.deepEqual(pub.map((t) => t.satVb), [2, 5, 7, 9]);
  assert.deepEqual(tiersFromPublic(null).map((t) => t.satVb), [null, null, null, null]);
  assert.equal(txFeeSats(2.01, 140), 282, 'rounded up');
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
