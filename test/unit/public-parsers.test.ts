// Every public-source fixture parses into Satscope's units, checked by hand against the files;
// each source also has a malformed case that its schema rejects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { z } from 'zod';
import { bitcoinCoinSchema, globalSchema, marketChartSchema, marketsSchema, simplePriceSchema, treasurySchema } from '../../src/sources/public/coingecko.ts';
import { candlesSchema } from '../../src/sources/public/coinbase.ts';
import { hashrateChartSchema, statsSchema, utxoChartSchema } from '../../src/sources/public/blockchain-com.ts';
import { latestSnapshotSchema } from '../../src/sources/public/bitnodes.ts';
import { chaintipsSchema, maxHeightSchema, staleCandidatesSchema } from '../../src/sources/public/forkmonitor.ts';
import {
  blocksSchema, difficultyAdjustmentSchema, hashrateSchema, lightningSchema, mempoolBlocksSchema, mempoolSchema, poolsSchema, pricesSchema, recommendedFeesSchema, tipHeightSchema,
} from '../../src/sources/public/mempool-space.ts';

const json = (p: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8'));
const parse = <O>(schema: z.ZodType<O, z.ZodTypeDef, unknown>, p: string): O => {
  const r = schema.safeParse(json(p));
  assert.ok(r.success, `${p}: ${r.success ? '' : r.error.message}`);
  return r.data;
};
const rejects = (schema: z.ZodTypeAny, value: unknown) => assert.equal(schema.safeParse(value).success, false, JSON.stringify(value).slice(0, 60));

test('mempool.space: fees, projected blocks, mempool, blocks, difficulty, hashrate, pools, lightning, prices, tip', () => {
  assert.deepEqual(parse(recommendedFeesSchema, 'mempool/v1_fees_recommended.json'), { fastestSatVb: 3, halfHourSatVb: 2, hourSatVb: 2, economySatVb: 1, minimumSatVb: 1 });
  assert.equal(parse(recommendedFeesSchema, 'mempool/v1_fees_precise.json').minimumSatVb, 0.1);
  const projected = parse(mempoolBlocksSchema, 'mempool/v1_fees_mempool_blocks.json');
  assert.deepEqual([projected[0]?.txCount, projected[0]?.vsize, projected[0]?.totalFeeSats, projected[0]?.medianFeeRate], [3750, 997953, 1764766, 1]);
  assert.ok((projected.at(-1)?.vsize ?? 0) > 1_000_000, 'the last block holds the backlog');
  const mempool = parse(mempoolSchema, 'mempool/mempool.json');
  assert.deepEqual([mempool.txCount, mempool.vsize, mempool.totalFeeSats, mempool.histogram.length], [25123, 14568972, 5012345, 12]);
  const blocks = parse(blocksSchema, 'mempool/v1_blocks.json');
  assert.deepEqual([blocks[0]?.height, blocks[0]?.totalFeeSats, blocks[0]?.rewardSats, blocks[0]?.pool, blocks[0]?.stale], [952583, 2612345, 315112345, 'Foundry USA', false]);
  assert.equal(parse(blocksSchema, 'mempool/v1_blocks_730000.json')[0]?.stale, false, 'stale as a MySQL 0');
  const adj = parse(difficultyAdjustmentSchema, 'mempool/v1_difficulty_adjustment.json');
  assert.deepEqual([adj.estimatedAtSec, adj.remainingSec, adj.nextHeight, adj.avgBlockSec, adj.remainingBlocks], [1781313272, 582387, 953568, 591.3, 985]);
  const hr = parse(hashrateSchema, 'mempool/v1_mining_hashrate_3d.json');
  assert.equal(hr.currentHashrateHs, 1.0124581234567891e21);
  assert.deepEqual(hr.adjustments, [], 'no retarget in 3 days');
  const pools = parse(poolsSchema, 'mempool/v1_mining_pools_1w.json');
  assert.deepEqual([pools.pools.length, pools.pools[0]?.name, pools.pools[0]?.sharePct], [8, 'Foundry USA', 31.91]);
  const ln = parse(lightningSchema, 'mempool/v1_lightning_statistics_latest.json');
  assert.deepEqual([ln.channels, ln.capacitySats, ln.weekChange?.channels, ln.asOfDate], [41872, 488512345678, -139, '2026-06-06']);
  const prices = parse(pricesSchema, 'mempool/v1_prices.json');
  assert.deepEqual([prices.tsSec, prices.fiat.USD, prices.fiat.EUR], [1780730700, 60823, 53552]);
  assert.equal(parse(tipHeightSchema, 'mempool/blocks_tip_height.json'), 952583);
  rejects(recommendedFeesSchema, { fastestFee: '3' });
  rejects(mempoolSchema, { count: 1, vsize: 1, total_fee: 1 });
});

test('CoinGecko: price, top coins, bitcoin market data, global, chart, treasuries', () => {
  assert.deepEqual(parse(simplePriceSchema, 'coingecko/simple_price.json'), {
    usd: 60823, marketCapUsd: 1218898431266.4329, volume24hUsd: 31260929299.524803, change24hPct: -1.2383468501926174, updatedAtSec: 1780730846, fiat: { USD: 60823 },
  });
  assert.deepEqual(simplePriceSchema.parse({ bitcoin: { usd: 1, eur: 2, eur_market_cap: 3, usd_market_cap: 1, usd_24h_vol: 1, usd_24h_change: 0, last_updated_at: 1 } }).fiat, { USD: 1, EUR: 2 });
  const coins = parse(marketsSchema, 'coingecko/coins_markets.json');
  assert.deepEqual([coins.length, coins[0]?.symbol, coins[0]?.rank, coins[0]?.priceUsd], [4, 'BTC', 1, 60823]);
  const btc = parse(bitcoinCoinSchema, 'coingecko/coins_bitcoin.json');
  assert.deepEqual([btc.athUsd, btc.athDate, btc.high24hUsd, btc.low24hUsd, btc.circulatingSupply], [126080, '2025-10-06T18:57:42.558Z', 62011, 60102, 20039321]);
  const global = parse(globalSchema, 'coingecko/global.json');
  assert.equal(global.btcDominancePct, 57.9539332566265);
  const chart = parse(marketChartSchema, 'coingecko/coins_bitcoin_market_chart_30d.json');
  assert.equal(chart.length, 8);
  assert.ok((chart[0]?.tsSec ?? 0) < 2e9, 'milliseconds became seconds');
  const t = parse(treasurySchema, 'coingecko/companies_public_treasury_bitcoin.json');
  assert.deepEqual([t.totalHoldingsBtc, t.companies[0]?.name, t.companies[0]?.holdingsBtc], [1094518, 'Strategy', 641692]);
  rejects(simplePriceSchema, { bitcoin: { usd: null } });
  rejects(globalSchema, { date: {} });
});

test('Coinbase: daily candles, oldest first', () => {
  const candles = parse(candlesSchema, 'coinbase/products_btc_usd_candles_86400.json');
  assert.deepEqual(candles.map((c) => c.tsSec), [1780358400, 1780444800, 1780531200, 1780617600, 1780704000]);
  assert.deepEqual(candles.at(-1), { tsSec: 1780704000, low: 60102.01, high: 62011, open: 61585.63, close: 60823.2, volumeBtc: 4123.51823412 });
  rejects(candlesSchema, [{ time: 1, close: 2 }]);
});

test('Blockchain.com: stats in sats, GH/s and ms; charts in TH/s', () => {
  const s = parse(statsSchema, 'blockchain/stats.json');
  assert.deepEqual([s.tsSec, s.supplySats, s.height, s.nextRetargetHeight, s.priceUsd], [1780730885, 2003932187500000, 952583, 953568, 60823.2]);
  assert.equal(s.hashrateHs, 932513615580.6332 * 1e9);
  assert.equal(parse(hashrateChartSchema, 'blockchain/charts_hash_rate_1year.json')[0]?.hashrateHs, 857123456.7890123 * 1e12);
  assert.ok(parse(utxoChartSchema, 'blockchain/charts_utxo_count_30days.json').length > 0);
  rejects(statsSchema, { timestamp: 'now' });
});

test('Bitnodes: reachable nodes by client, ASN and network', () => {
  const b = parse(latestSnapshotSchema, 'bitnodes/snapshots_latest.json');
  assert.deepEqual([b.totalNodes, b.height, b.sampledNodes], [23412, 952583, 5]);
  assert.deepEqual(Object.fromEntries(b.networks.map((x) => [x.name, x.count])), { ipv4: 2, ipv6: 1, onion: 1, i2p: 1 });
  assert.deepEqual(b.asns[0], { name: 'AS24940 Hetzner Online GmbH', count: 2 });
  assert.ok(b.clients.some((c) => c.name === 'Satoshi:29.0.0'));
  rejects(latestSnapshotSchema, { timestamp: 1, total_nodes: 1, latest_height: 1, nodes: { a: [1, 2] } });
});

test('ForkMonitor: chain tips, stale candidates, max height', () => {
  const tips = parse(chaintipsSchema, 'forkmonitor/v1_chaintips.json');
  assert.deepEqual([tips[0]?.height, tips[0]?.pool, tips[0]?.nodes], [952583, 'Foundry USA', 3]);
  assert.deepEqual(parse(staleCandidatesSchema, 'forkmonitor/v1_stale_candidates.json')[0], { height: 951977, competingBlocks: 2 });
  assert.equal(parse(maxHeightSchema, 'forkmonitor/v1_blocks_max_height.json'), 952583);
  rejects(chaintipsSchema, [{ block: { height: 'x' } }]);
});
