// Blockchain.com: /stats (hash_rate GH/s, *_btc fields in sats, timestamp ms), charts (x seconds,
// hash-rate y TH/s), and /q/ plain-text numbers (hashrate GH/s, totalbc sats). total_fees_btc is
// known to come back negative (broken upstream), so it is not used (test/fixtures/SOURCES.md §4).
import { z } from 'zod';
import type { UpstreamClient } from '../http/upstream-client.ts';

const n = z.number();

export const statsSchema = z
  .object({
    timestamp: n,
    market_price_usd: n,
    hash_rate: n,
    n_tx: n,
    n_blocks_mined: n,
    minutes_between_blocks: n,
    totalbc: n,
    n_blocks_total: n,
    nextretarget: n,
    difficulty: n,
    trade_volume_btc: n.optional(),
  })
  .passthrough()
  .transform((s) => ({
    tsSec: Math.floor(s.timestamp / 1000),
    priceUsd: s.market_price_usd,
    hashrateHs: s.hash_rate * 1e9,
    tx24h: s.n_tx,
    blocks24h: s.n_blocks_mined,
    minutesBetweenBlocks: s.minutes_between_blocks,
    supplySats: s.totalbc,
    height: s.n_blocks_total,
    // Blockchain.com names the last height before the retarget; the retarget block is the next one.
    nextRetargetHeight: s.nextretarget + 1,
    difficulty: s.difficulty,
    tradeVolumeBtc: s.trade_volume_btc ?? null,
  }));

const chartSchema = z.object({ status: z.literal('ok'), name: z.string(), unit: z.string(), values: z.array(z.object({ x: n, y: n })) });
export const hashrateChartSchema = chartSchema.transform((c) => c.values.map((v) => ({ tsSec: v.x, hashrateHs: v.y * 1e12 })));
export const utxoChartSchema = chartSchema.transform((c) => c.values.map((v) => ({ tsSec: v.x, utxos: v.y })));
const plainNumber = z.number();
/** Any chart as points; `y` in the chart's own unit. */
export const chartPointsSchema = chartSchema.transform((c) => c.values.map((v) => ({ tsSec: v.x, value: v.y })));
/** The charts the score's bootstrap reads a year of. */
export type YearChart = 'utxo-count' | 'miners-revenue' | 'transaction-fees-usd';

export function blockchainCom(api: UpstreamClient, query: UpstreamClient, signal?: AbortSignal) {
  const o = { signal };
  return {
    stats: () => api.getJson('/stats', statsSchema, o),
    hashrateChart: () => api.getJson('/charts/hash-rate?timespan=1year&format=json', hashrateChartSchema, o),
    utxoChart: () => api.getJson('/charts/utxo-count?timespan=30days&format=json', utxoChartSchema, o),
    yearChart: (name: YearChart) => api.getJson(`/charts/${name}?timespan=1year&format=json`, chartPointsSchema, o),
    supplySats: () => query.getJson('/q/totalbc', plainNumber, o),
    unconfirmedCount: () => query.getJson('/q/unconfirmedcount', plainNumber, o),
  };
}
