// The health score's math against hand-computed vectors, each metric's direction, and the metric
// computations against the recorded fixtures (computed here again independently).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { daily, reconstructScores, feeShareByDay, hashpriceByDay, heightAt, intervalByDay, poolHhiByDay, staleByDay } from '../../src/domain/score-history.ts';
import { assembleScore, capacityConcentration, clientEntropy, feeSharePct, growthPct, hashpriceUsd, meanIntervalMin, METRICS, momentumPct, poolHhi, staleCount, type MetricInput } from '../../src/domain/score-metrics.ts';
import { correlation, entropyBits, hhi, metricScore, percentileOf, percentileRank, PILLARS, scoreStatus, seriesStats, weightedMean } from '../../src/domain/score.ts';
import { latestSnapshotSchema } from '../../src/sources/public/bitnodes.ts';
import { lightningSchema, poolsSchema } from '../../src/sources/public/mempool-space.ts';

const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as unknown;
const close = (a: number | null, b: number, eps = 1e-9) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≈ ${b}`);

test('percentile rank: the share below, ties counted half', () => {
  assert.equal(percentileRank([1, 2, 3, 4], 3), 62.5); // 2 below + ½ of 1 equal, of 4
  assert.equal(percentileRank([5, 5, 5], 5), 50);
  assert.equal(percentileRank([1, 2, 3], 0), 0);
  assert.equal(percentileRank([1, 2, 3], 9), 100);
  assert.equal(percentileRank([1, 2, 3, 4, 5], 2.5), 40);
});

test('each direction: higher-better is the rank, lower-better its complement, a band 100 inside and ranked by distance outside', () => {
  const h = [1, 2, 3, 4];
  assert.deepEqual(metricScore(h, 3, { kind: 'higher' }), { percentile: 62.5, score: 62.5 });
  assert.deepEqual(metricScore(h, 3, { kind: 'lower' }), { percentile: 62.5, score: 37.5 });
  const band = { kind: 'band', low: 9, high: 11 } as const;
  assert.equal(metricScore([10, 12, 14, 8], 10.5, band).score, 100, 'inside the band');
  // Distances of the history from the band: 0, 1, 3, 1. A distance of 2 has 3 below: rank 75, score 25.
  assert.equal(metricScore([10, 12, 14, 8], 13, band).score, 25);
  assert.equal(metricScore([10, 12, 14, 8], 7, band).score, 25, 'as far below as above');
  assert.equal(metricScore([10, 10, 10], 20, band).score, 0, 'further out than any day in the history');
});

test('every metric declares a direction that its score follows: a better value scores higher', () => {
  const history = Array.from({ length: 60 }, (_, i) => i);
  for (const m of METRICS) {
    const d = m.direction;
    const [better, worse] = d.kind === 'higher' ? [50, 10] : d.kind === 'lower' ? [10, 50] : [(d.low + d.high) / 2, d.high + 30];
    assert.ok(metricScore(history, better, d).score > metricScore(history, worse, d).score, m.id);
  }
  for (const p of Object.keys(PILLARS)) {
    const sum = METRICS.filter((m) => m.pillar === p).reduce((n, m) => n + m.weight, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `${p}'s metric weights add up to 1 (${sum})`);
  }
  assert.ok(Math.abs(Object.values(PILLARS).reduce((n, p) => n + p.weight, 0) - 1) < 1e-9, 'the pillar weights add up to 1');
});

test('weights: a mean over what has a score, renormalized; statuses at 75 and 50', () => {
  close(weightedMean([{ score: 80, weight: 0.3 }, { score: null, weight: 0.25 }, { score: 60, weight: 0.45 }]), 68); // (24 + 27) / 0.75
  assert.equal(weightedMean([{ score: null, weight: 1 }]), null);
  assert.equal(scoreStatus(75), 'healthy');
  assert.equal(scoreStatus(74.9), 'degraded');
  assert.equal(scoreStatus(50), 'degraded');
  assert.equal(scoreStatus(49.9), 'critical');
});

test('concentration, entropy, correlation and statistics', () => {
  assert.equal(hhi([50, 50]), 5000);
  assert.equal(hhi([1]), 10000);
  assert.equal(entropyBits([1, 1]), 1);
  assert.equal(entropyBits([3, 3, 3, 3]), 2);
  close(correlation([1, 2, 3, 4], [2, 4, 6, 8]), 1);
  close(correlation([1, 2, 3, 4], [8, 6, 4, 2]), -1);
  assert.equal(correlation([1, 1, 1], [1, 2, 3]), null);
  const s = seriesStats([4, 1, 3, 2]);
  assert.deepEqual({ ...s, std_dev: 0 }, { min: 1, max: 4, mean: 2.5, median: 2.5, std_dev: 0, latest: 2 });
  close(s?.std_dev ?? null, Math.sqrt(1.25));
  assert.equal(seriesStats([]), null);
  assert.equal(percentileOf([10, 20, 30, 40], 50), 25);
});

test('the score: a metric with 29 days is shown and left out, one with 30 is scored; pillars without data leave the overall', () => {
  const input = (value: number): MetricInput => ({ value, source: 'test', asOfMs: 0 });
  const days = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  // Security: pool of four metrics, only two have enough history.
  const s = assembleScore(
    { difficulty_momentum: input(21), fee_share: input(31), hashprice: input(5), stale_incidence: { value: null, source: null, asOfMs: null, reason: 'needs ForkMonitor' }, ln_node_concentration: input(0) },
    { difficulty_momentum: days(40), fee_share: days(30), hashprice: days(29), ln_node_concentration: days(30) },
    1000,
  );
  const sec = s.pillars.security;
  close(sec?.metrics.difficulty_momentum?.score ?? null, 51.25); // 21 among 1..40: 20 below and 1 equal, (20 + ½) / 40
  assert.equal(sec?.metrics.fee_share?.score, 100, 'above all 30 days');
  assert.equal(sec?.metrics.hashprice?.score, null);
  assert.match(String(sec?.metrics.hashprice?.reason), /29 days of history; 30 needed/);
  assert.equal(sec?.metrics.stale_incidence?.reason, 'needs ForkMonitor');
  // Pillar: (51.25 × 0.3 + 100 × 0.25) / 0.55.
  close(sec?.score ?? null, (51.25 * 0.3 + 100 * 0.25) / 0.55);
  const ln = s.pillars.lightning;
  assert.equal(ln?.score, 100, 'lower-better: below every day');
  assert.equal(s.pillars.decentralization?.score, null);
  assert.equal(s.pillars.decentralization?.status, 'unknown');
  // Overall over the two pillars with scores: security 0.30, lightning 0.15.
  close(s.overall, (((51.25 * 0.3 + 100 * 0.25) / 0.55) * 0.3 + 100 * 0.15) / 0.45);
});

test('metric computations from the fixtures, computed again here', () => {
  const pools = poolsSchema.parse(fixture('mempool/v1_mining_pools_1w.json'));
  const raw = (fixture('mempool/v1_mining_pools_1w.json') as { pools: { blockCount: number }[] }).pools.map((p) => p.blockCount);
  const total = raw.reduce((a, b) => a + b, 0);
  close(poolHhi(pools.pools), raw.reduce((n, c) => n + (c / total) ** 2, 0) * 10_000);

  const snap = latestSnapshotSchema.parse(fixture('bitnodes/snapshots_latest.json'));
  const rows = Object.values((fixture('bitnodes/snapshots_latest.json') as { nodes: Record<string, unknown[]> }).nodes);
  const byAsn = new Map<string, number>();
  const byClient = new Map<string, number>();
  for (const r of rows) {
    const asn = r[11] ? `${String(r[11])} ${String(r[12] ?? '')}`.trim() : 'unknown';
    byAsn.set(asn, (byAsn.get(asn) ?? 0) + 1);
    byClient.set(String(r[1]), (byClient.get(String(r[1])) ?? 0) + 1);
  }
  assert.equal(snap.asnHhi, Math.round([...byAsn.values()].reduce((n, c) => n + (c / rows.length) ** 2, 0) * 10_000));
  const entropy = -[...byClient.values()].reduce((n, c) => n + (c / rows.length) * Math.log2(c / rows.length), 0);
  // With 20 or fewer distinct clients the listed ones are all of them, and the entropy is exact.
  if (byClient.size <= 20) close(clientEntropy(snap.clients, snap.sampledNodes), entropy);

  const ln = lightningSchema.parse(fixture('mempool/v1_lightning_statistics_latest.json'));
  close(capacityConcentration(ln.avgCapacitySats, ln.medianCapacitySats), 11_666_802 / 2_000_000);
});

test('the other computations by hand', () => {
  // Fees 1 BTC and 3 BTC over two blocks at the 3.125 BTC subsidy: 4 / (4 + 6.25).
  close(feeSharePct([{ height: 900_000, totalFeeSats: 1e8 }, { height: 900_001, totalFeeSats: 3e8 }]), (4 / 10.25) * 100);
  // Subsidy at 840,000 (3.125 BTC) + 0.25 BTC fees, × 144, over 800 EH/s = 800,000,000 TH/s, at 100,000 USD.
  close(hashpriceUsd(840_000, 25_000_000, 800e18, 100_000), ((3.375e8 * 144) / 8e8 / 1e8) * 100_000);
  // The subsidy halves at 1,050,000.
  close(hashpriceUsd(1_050_000, 0, 1e18, 1), ((156_250_000 * 144) / 1e6 / 1e8) * 1);
  // A full list (three, ForkMonitor's cap) whose oldest is outside the window: the count is exact.
  assert.equal(staleCount([{ height: 100 }, { height: 5000 }, { height: 9000 }], 9000), 2);
  // A full list all inside the window may leave older ones out: no count, rather than a low one.
  assert.equal(staleCount([{ height: 6000 }, { height: 7000 }, { height: 9000 }], 9000), null);
  assert.equal(staleCount([{ height: 6000 }, { height: 9000 }], 9000), 2, 'fewer than the cap: the whole list');
  close(meanIntervalMin([0, 600, 1200, 1800]), 10);
  const day = 86_400;
  const now = 100 * day;
  const hashrate = Array.from({ length: 40 }, (_, i) => ({ tsSec: now - (39 - i) * day, value: i < 10 ? 100 : 110 }));
  close(momentumPct(hashrate, now), 10);
  assert.equal(momentumPct(hashrate.slice(-10), now), null, 'not 30 days back');
  close(growthPct([{ tsSec: now - 30 * day, value: 200 }, { tsSec: now, value: 210 }], now), 5);
  assert.equal(growthPct([{ tsSec: now - 7 * day, value: 200 }, { tsSec: now, value: 210 }], now), null, 'a week is not 30 days');
});

// ---- The bootstrap's per-day values (src/domain/score-history.ts), against hand-worked vectors. ----

test('daily() averages the points of one UTC day and drops non-finite values', () => {
  const d0 = 1_780_000_000 - (1_780_000_000 % 86_400);
  assert.deepEqual(daily([{ tsSec: d0 + 10, value: 2 }, { tsSec: d0 + 20, value: 4 }, { tsSec: d0 + 86_400, value: Number.NaN }, { tsSec: d0 + 86_401, value: 7 }]), [
    { daySec: d0, value: 3 },
    { daySec: d0 + 86_400, value: 7 },
  ]);
});

test('feeShareByDay() and hashpriceByDay() join on the day and refuse impossible days', () => {
  const fees = [{ daySec: 0, value: 10 }, { daySec: 86_400, value: 50 }, { daySec: 172_800, value: 5 }];
  const revenue = [{ daySec: 0, value: 400 }, { daySec: 86_400, value: 40 }];
  // 10/400 = 2.5 %; day 2 has fees above revenue (a broken upstream day) and day 3 no revenue.
  assert.deepEqual(feeShareByDay(fees, revenue), [{ daySec: 0, value: 2.5 }]);
  // 30 M USD over 1e21 H/s = 1e9 TH/s: 0.03 USD per TH/s a day.
  assert.deepEqual(hashpriceByDay([{ daySec: 0, value: 30e6 }], [{ daySec: 0, value: 1e21 }]), [{ daySec: 0, value: 0.03 }]);
});

test('heightAt(), intervalByDay() and staleByDay() follow the retargets', () => {
  const r = [{ tsSec: 0, height: 0 }, { tsSec: 2016 * 600, height: 2016 }, { tsSec: 2016 * 600 + 2016 * 660, height: 4032 }];
  assert.equal(heightAt(r, 600 * 1008), 1008);
  assert.equal(heightAt(r, 10 ** 9), null);
  // The first period ran at 10 minutes a block, the second at 11; a day past the last retarget has none.
  assert.deepEqual(intervalByDay(r, [0, 14 * 86_400, 40 * 86_400]), [{ daySec: 0, value: 10 }, { daySec: 14 * 86_400, value: 11 }]);
  // Day 0 ends at height 143; stale heights 100 and 140 count (a list shorter than the cap is complete).
  assert.deepEqual(staleByDay(r, [100, 140], [0]), [{ daySec: 0, value: 2 }]);
  // A full list: days whose 30-day window reaches below its oldest entry get no value.
  assert.deepEqual(staleByDay(r, [100, 140, 200], [0]), []);
});

test('poolHhiByDay() gives each week its index on its seven days', () => {
  const week = 7 * 86_400;
  const rows = [{ tsSec: week, share: 0.5 }, { tsSec: week, share: 0.5 }, { tsSec: 2 * week, share: 0.25 }, { tsSec: 2 * week, share: 0.25 }, { tsSec: 2 * week, share: 0.5 }];
  const out = poolHhiByDay(rows);
  assert.equal(out.length, 14);
  assert.deepEqual(out[0], { daySec: week, value: 5000 });
  assert.deepEqual(out[6], { daySec: week + 6 * 86_400, value: 5000 });
  // 25² + 25² + 50² = 3750.
  assert.deepEqual(out[7], { daySec: 2 * week, value: 3750 });
});

test('reconstructScores() ranks each past day against the year before it, as the live score does', () => {
  const day = 86_400;
  // Fee share rising 1 % a day for 40 days: on day 35 it is above all 35 days before it.
  const fee = Array.from({ length: 40 }, (_, i) => ({ daySec: i * day, value: i }));
  const { overall, pillars } = reconstructScores({ fee_share: fee }, [10 * day, 35 * day], 365);
  // Day 10 has 10 days of history: not scored, so no score that day.
  assert.deepEqual(overall.map((d) => d.daySec), [35 * day]);
  assert.equal(overall[0]?.value, 100);
  assert.equal(pillars.security?.[0]?.value, 100);
  // A falling day after a rising month ranks at the bottom.
  const dip = reconstructScores({ fee_share: [...fee.slice(0, 35), { daySec: 35 * day, value: -1 }] }, [35 * day], 365);
  assert.equal(dip.overall[0]?.value, 0);
});
