// BTC's market cap beside gold and silver: above-ground stock × the metal's USD price, the price
// derived from BTC's own price in USD and in troy ounces. Pure.

export const TROY_OUNCES_PER_TONNE = 32_150.7466;

export interface AssetRow {
  asset: string;
  marketCapUsd: number | null;
  /** BTC's market cap as a share of this asset's, percent. */
  btcSharePct: number | null;
  source: string;
  asOf: string | null;
  reason?: string;
}

export function commodityRow(
  asset: 'gold' | 'silver',
  btc: { priceUsd: number; priceInOunces: number | null; marketCapUsd: number | null; asOf: string },
  stock: { tonnes: number; asOf: string | null } | null,
  stockSource: string,
): AssetRow {
  const variable = asset.toUpperCase();
  if (!stock) return { asset, marketCapUsd: null, btcSharePct: null, source: stockSource, asOf: null, reason: `set ${variable}_STOCK_TONNES (and ${variable}_STOCK_AS_OF) to compare with ${asset}: no authoritative figure is built in` };
  if (!btc.priceInOunces) return { asset, marketCapUsd: null, btcSharePct: null, source: 'coingecko', asOf: btc.asOf, reason: `CoinGecko did not quote BTC in ${asset === 'gold' ? 'XAU' : 'XAG'}` };
  const usdPerOunce = btc.priceUsd / btc.priceInOunces;
  const cap = stock.tonnes * TROY_OUNCES_PER_TONNE * usdPerOunce;
  return {
    asset,
    marketCapUsd: Math.round(cap),
    btcSharePct: btc.marketCapUsd === null ? null : Math.round((btc.marketCapUsd / cap) * 10_000) / 100,
    source: `${stockSource} (${stock.tonnes} t as of ${stock.asOf ?? 'unknown date'}) × price from CoinGecko`,
    asOf: btc.asOf,
  };
}
