// CoinGecko v3 (demo or pro). Percent fields are percents; `last_updated_at`/`updated_at` are
// seconds, market_chart timestamps milliseconds, dates ISO-8601 (test/fixtures/SOURCES.md §1).
import { z } from 'zod';
import type { UpstreamClient } from '../http/upstream-client.ts';

const n = z.number();
const nn = z.number().nullish().transform((v) => v ?? null);

export const simplePriceSchema = z
  .object({ bitcoin: z.object({ usd: n, usd_market_cap: n, usd_24h_vol: n, usd_24h_change: n, last_updated_at: n }).catchall(z.number().nullable()) })
  .transform(({ bitcoin: b }) => ({
    usd: b.usd,
    marketCapUsd: b.usd_market_cap,
    volume24hUsd: b.usd_24h_vol,
    change24hPct: b.usd_24h_change,
    updatedAtSec: b.last_updated_at,
    // Every `<currency>` key (not `<currency>_market_cap` etc.) is a price in that currency.
    fiat: Object.fromEntries(Object.entries(b).flatMap(([k, v]) => (/^[a-z]{3}$/.test(k) && typeof v === 'number' ? [[k.toUpperCase(), v]] : []))) as Record<string, number>,
  }));

export const marketsSchema = z.array(
  z
    .object({
      id: z.string(),
      symbol: z.string(),
      name: z.string(),
      image: z.string().nullish(),
      current_price: nn,
      market_cap: nn,
      market_cap_rank: nn,
      total_volume: nn,
      price_change_percentage_24h: nn,
      circulating_supply: nn,
      max_supply: nn,
    })
    .passthrough()
    .transform((c) => ({
      id: c.id,
      symbol: c.symbol.toUpperCase(),
      name: c.name,
      rank: c.market_cap_rank,
      priceUsd: c.current_price,
      marketCapUsd: c.market_cap,
      volume24hUsd: c.total_volume,
      change24hPct: c.price_change_percentage_24h,
      circulatingSupply: c.circulating_supply,
      maxSupply: c.max_supply,
      image: c.image ?? null,
    })),
);

const byCurrency = z.record(n);
export const bitcoinCoinSchema = z
  .object({
    market_data: z
      .object({
        current_price: byCurrency,
        market_cap: byCurrency,
        total_volume: byCurrency,
        high_24h: byCurrency,
        low_24h: byCurrency,
        ath: byCurrency,
        ath_date: z.record(z.string()),
        price_change_percentage_24h: n,
        circulating_supply: n,
        max_supply: nn,
        last_updated: z.string(),
      })
      .passthrough(),
  })
  .passthrough()
  .transform(({ market_data: m }) => ({
    priceUsd: m.current_price.usd ?? null,
    marketCapUsd: m.market_cap.usd ?? null,
    volume24hUsd: m.total_volume.usd ?? null,
    high24hUsd: m.high_24h.usd ?? null,
    low24hUsd: m.low_24h.usd ?? null,
    athUsd: m.ath.usd ?? null,
    athDate: m.ath_date.usd ?? null,
    change24hPct: m.price_change_percentage_24h,
    // BTC priced in troy ounces of gold and silver, when CoinGecko quotes them.
    priceXau: m.current_price.xau ?? null,
    priceXag: m.current_price.xag ?? null,
    circulatingSupply: m.circulating_supply,
    maxSupply: m.max_supply,
    updatedAt: m.last_updated,
  }));

export const globalSchema = z
  .object({ data: z.object({ total_market_cap: byCurrency, market_cap_percentage: byCurrency, updated_at: n }).passthrough() })
  .transform(({ data }) => ({ totalMarketCapUsd: data.total_market_cap.usd ?? null, btcDominancePct: data.market_cap_percentage.btc ?? null, updatedAtSec: data.updated_at }));

export const marketChartSchema = z
  .object({ prices: z.array(z.tuple([n, n])) })
  .passthrough()
  .transform((c) => c.prices.map(([ms, usd]) => ({ tsSec: Math.floor(ms / 1000), usd })));

export const treasurySchema = z
  .object({
    total_holdings: n,
    total_value_usd: n,
    companies: z.array(z.object({ name: z.string(), symbol: z.string().nullish(), country: z.string().nullish(), total_holdings: n, total_current_value_usd: n, percentage_of_total_supply: n }).passthrough()),
  })
  .transform((t) => ({
    totalHoldingsBtc: t.total_holdings,
    totalValueUsd: t.total_value_usd,
    companies: t.companies.map((c) => ({ name: c.name, symbol: c.symbol ?? null, country: c.country ?? null, holdingsBtc: c.total_holdings, valueUsd: c.total_current_value_usd, pctOfSupply: c.percentage_of_total_supply })),
  }));

export function coingecko(client: UpstreamClient, signal?: AbortSignal, fiat: readonly string[] = ['USD']) {
  const o = { signal };
  const vs = [...new Set(['usd', ...fiat.map((c) => c.toLowerCase())])].join(',');
  return {
    simplePrice: () => client.getJson(`/simple/price?ids=bitcoin&vs_currencies=${vs}&include_market_cap=true&include_24hr_vol=true&include_24hr_change=true&include_last_updated_at=true`, simplePriceSchema, o),
    markets: () => client.getJson('/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=50&page=1&sparkline=false&price_change_percentage=24h', marketsSchema, o),
    bitcoin: () => client.getJson('/coins/bitcoin?localization=false&tickers=false&market_data=true&community_data=false&developer_data=false&sparkline=false', bitcoinCoinSchema, o),
    global: () => client.getJson('/global', globalSchema, o),
    chart30d: () => client.getJson('/coins/bitcoin/market_chart?vs_currency=usd&days=30', marketChartSchema, o),
    treasuries: () => client.getJson('/companies/public_treasury/bitcoin', treasurySchema, o),
  };
}
