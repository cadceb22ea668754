// The BTC market KPIs, read from the public pieces: used by /api/bitcoin/kpis, /api/v1/market and the pages.
import { commodityRow } from '../domain/market-caps.ts';
import { computeKpis, type KpiInputs } from '../domain/market.ts';
import type { Reader } from '../read-model/views.ts';
import type { AppContext } from './app.ts';
import { readPieces, type PieceOptions, type PieceReply } from './routes/public-data.ts';

type Coin = KpiInputs['coin'] & { priceUsd: number | null };

export function kpis(r: Reader, app: AppContext, o: PieceOptions = {}): PieceReply {
  const p = readPieces(r, app, ['market.price', 'coingecko.bitcoin', 'coingecko.global', 'coingecko.chart30d', 'coinbase.candles'], o);
  // The last candle is today's, still forming: volatility uses completed days.
  const candles = ((p['coinbase.candles']?.data as { close: number }[] | null) ?? []).slice(0, -1);
  const price = p['market.price'] as PieceReply<{ usd: number }>;
  const coin = p['coingecko.bitcoin'] as PieceReply<Coin>;
  if (!coin.data) return { ...coin, data: null };
  const priceUsd = price.data?.usd ?? coin.data.priceUsd;
  if (priceUsd === null) return { ...coin, data: null, reason: 'no price yet' };
  const data = computeKpis({
    priceUsd,
    coin: coin.data,
    dominancePct: (p['coingecko.global']?.data as { btcDominancePct: number | null } | null)?.btcDominancePct ?? null,
    chart: (p['coingecko.chart30d']?.data as KpiInputs['chart'] | null) ?? [],
    dailyClosesUsd: candles.map((c) => c.close),
    // Pages count days from the data's own time, so they need not follow the clock.
    nowSec: Math.floor((o.ages === false ? Date.parse(coin.asOf ?? '') || 0 : r.now()) / 1000),
  });
  // The KPIs are as fresh as their oldest part.
  const parts = [price, coin].filter((x) => x.asOf);
  const oldest = parts.reduce((a, b) => (Date.parse(a.asOf ?? '') <= Date.parse(b.asOf ?? '') ? a : b), coin);
  const sources = [...new Set([price.source, coin.source].flatMap((x) => (x ? x.split('+') : [])))];
  return { source: sources.join('+'), asOf: oldest.asOf, ageSec: oldest.ageSec, stale: parts.some((x) => x.stale), data };
}


/** Everything /api/v1/market and the Market page show. */
export function marketSummary(r: Reader, app: AppContext, o: PieceOptions = {}) {
    const k = kpis(r, app, o);
    const p = readPieces(r, app, ['market.price', 'coingecko.markets', 'coingecko.global', 'coingecko.treasuries', 'coingecko.bitcoin', 'companies.caps'], o);
    const companies = (p['companies.caps']?.data as { name: string; ticker: string; marketCapUsd: number; asOf: string; source: string }[] | null) ?? null;
    const coin = p['coingecko.bitcoin'] as PieceReply<{ priceUsd: number | null; marketCapUsd: number | null; priceXau: number | null; priceXag: number | null }>;
    const stocks = app.config.commodityStocks;
    const btc = (ounces: number | null) => ({ priceUsd: coin.data?.priceUsd ?? 0, priceInOunces: coin.data?.priceUsd ? ounces : null, marketCapUsd: coin.data?.marketCapUsd ?? null, asOf: coin.asOf ?? '' });
    const coins = (p['coingecko.markets']?.data as { symbol: string; marketCapUsd: number | null }[] | null) ?? [];
    const btcCap = coins.find((c) => c.symbol === 'BTC')?.marketCapUsd ?? null;
    return {
      price: p['market.price'],
      kpis: k,
      topCoins: p['coingecko.markets'],
      global: p['coingecko.global'],
      treasuries: p['coingecko.treasuries'],
      btcVsAssets: [
        commodityRow('gold', btc(coin.data?.priceXau ?? null), stocks.gold, 'World Gold Council above-ground stocks'),
        commodityRow('silver', btc(coin.data?.priceXag ?? null), stocks.silver, 'your SILVER_STOCK_TONNES'),
        ...(companies
          ? companies.map((c) => ({
              asset: `${c.name} (${c.ticker})`,
              marketCapUsd: c.marketCapUsd,
              btcSharePct: coin.data?.marketCapUsd ? Math.round((coin.data.marketCapUsd / c.marketCapUsd) * 10_000) / 100 : null,
              source: c.source,
              asOf: c.asOf,
            }))
          : [
              {
                asset: 'public companies',
                marketCapUsd: null,
                btcSharePct: null,
                source: 'none',
                asOf: null,
                reason: app.config.companyMarketCapsFile
                  ? `COMPANY_MARKET_CAPS_FILE not read yet: ${p['companies.caps']?.reason ?? 'waiting'}`
                  : 'set COMPANY_MARKET_CAPS_FILE to a JSON list of {name, ticker, marketCapUsd, asOf, source} to compare with public companies',
              },
            ]),
      ],
      // BTC's market cap as a multiple of each top coin's.
      btcVsCoins: btcCap
        ? coins.filter((c) => c.symbol !== 'BTC' && c.marketCapUsd).map((c) => ({ symbol: c.symbol, marketCapUsd: c.marketCapUsd, btcMultiple: Math.round((btcCap / (c.marketCapUsd as number)) * 100) / 100 }))
        : [],
  };
}
