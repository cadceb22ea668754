// The market: the median BTC price with each source's value, KPIs, the top 50 coins and public
// company treasuries. Each reply says its source and age; each is a read model.
import type { AppContext } from '../app.ts';
import { kpis, marketSummary } from '../market-data.ts';
import { readPieces } from './public-data.ts';

export function marketRoutes(app: AppContext) {
  return [
    app.jsonView('/api/bitcoin/kpis', (r) => ({ json: kpis(r, app) }), 'BTC KPIs: price, market cap, dominance, ATH, drawdown, volatility, supply'),
    app.jsonView('/api/bitcoin/latest', (r) => ({ json: readPieces(r, app, ['market.price'])['market.price'] }), "The median BTC price now, with each source's value"),
    app.jsonView('/api/cryptos', (r) => ({ json: readPieces(r, app, ['coingecko.markets'])['coingecko.markets'] }), 'The top 50 coins: rank, price, market cap, volume, 24 h change'),
    app.jsonView('/api/v1/market', (r) => ({ json: marketSummary(r, app) }), 'The market: price, KPIs, top coins, and BTC beside gold, silver and companies'),
  ];
}
