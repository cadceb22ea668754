import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeKpis, dailyCloses, realizedVolatilityPct } from '../../src/domain/market.ts';
import { checkHeight, checkPriceUsd, checkSupplySats } from '../../src/domain/validate.ts';
import { median } from '../../src/jobs/market-price.ts';

test('median() of odd and even counts', () => {
  assert.equal(median([60823, 60823.2, 60823]), 60823);
  assert.equal(median([1, 3, 2, 4]), 2.5);
});

test('realizedVolatilityPct() annualises the sample deviation of daily log returns', () => {
  // By hand: the log returns are ±ln(1.01) = ±0.0099503, mean 0; the sample variance is
  // 4 × 0.0099503² / 3 = 1.32012e-4, sd 0.0114897; × √365 (19.10497) = 0.219510 → 21.95 %.
  assert.equal(realizedVolatilityPct([100, 101, 100, 101, 100]), 21.95);
  // Steady 10 % a day: every return is ln 1.1, so the deviation is 0.
  assert.equal(realizedVolatilityPct([100, 110, 121, 133.1]), 0);
  assert.equal(realizedVolatilityPct([100, 101]), null, 'one return is not enough');
});

test('dailyCloses() keeps the last point of each UTC day', () => {
  assert.deepEqual(dailyCloses([{ tsSec: 86_400 + 10, usd: 1 }, { tsSec: 86_400 + 20, usd: 2 }, { tsSec: 10, usd: 0 }]), [{ daySec: 0, usd: 0 }, { daySec: 86_400, usd: 2 }]);
});

test('computeKpis() derives days since ATH, drawdown and supply share', () => {
  const k = computeKpis({
    priceUsd: 63_040,
    coin: { marketCapUsd: 1, volume24hUsd: 2, high24hUsd: 3, low24hUsd: 4, athUsd: 126_080, athDate: '2025-10-06T00:00:00Z', change24hPct: 1.234, circulatingSupply: 19_950_000 },
    dominancePct: 57.954,
    chart: [],
    nowSec: Date.parse('2025-10-16T12:00:00Z') / 1000,
    dailyClosesUsd: [1, 2, 4],
  });
  assert.equal(k.daysSinceAth, 10);
  assert.equal(k.drawdownFromAthPct, -50);
  assert.equal(k.supplyPctOf21M, 95);
  assert.equal(k.dominancePct, 57.95);
  // [1, 2, 4]: two returns of ln 2, no deviation.
  assert.equal(k.volatility30dPct, 0);
});

test('range checks reject a bad price, a supply above 21M and a height going back past a reorg', () => {
  assert.throws(() => checkPriceUsd('p', -1), /outside/);
  assert.throws(() => checkPriceUsd('p', 1e12), /outside/);
  assert.equal(checkPriceUsd('p', 60_823), 60_823);
  assert.throws(() => checkSupplySats('s', 21_000_001 * 1e8), /outside/);
  assert.equal(checkHeight('h', 952_580, 952_583), 952_580, 'a short reorg is fine');
  assert.throws(() => checkHeight('h', 952_500, 952_583), /went back/);
});

test('commodityRow() prices the above-ground stock from BTC\'s gold quote, and says why when it cannot', async () => {
  const { commodityRow } = await import('../../src/domain/market-caps.ts');
  // BTC at $60,000 and 20 oz of gold: gold at $3,000/oz. By hand: a tonne is 1e6 g / 31.1034768 g
  // = 32,150.7466 troy oz, so 216,265 t is 6.95308e9 oz, worth $20.859244e12; BTC's $1.2e12 is 5.75 % of it.
  const gold = commodityRow('gold', { priceUsd: 60_000, priceInOunces: 20, marketCapUsd: 1.2e12, asOf: 'now' }, { tonnes: 216_265, asOf: '2024-12-31' }, 'WGC');
  assert.ok(Number.isFinite(gold.marketCapUsd) && Math.abs((gold.marketCapUsd as number) - 20_859_243_620_000) < 1e6, String(gold.marketCapUsd));
  assert.equal(gold.btcSharePct, 5.75);
  assert.match(gold.source, /216265 t as of 2024-12-31/);
  assert.match(commodityRow('silver', { priceUsd: 1, priceInOunces: 1, marketCapUsd: 1, asOf: 'x' }, null, 's').reason ?? '', /SILVER_STOCK_TONNES/);
  assert.match(commodityRow('gold', { priceUsd: 1, priceInOunces: null, marketCapUsd: 1, asOf: 'x' }, { tonnes: 1, asOf: null }, 's').reason ?? '', /XAU/);
});
