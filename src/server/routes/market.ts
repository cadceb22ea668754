// The market: the median BTC price with each source's value, KPIs, the top 50 coins and public
// company treasuries. Each reply says its source and age; each is a read model.
import type { AppContext } from '../app.ts';
import { kpis, marketSummary } from '../market-data.ts';
import { readPieces } from './public-data.ts';

export function marketRoutes(app: AppContext) {
  return [
    app.jsonView('/api/bitcoin/kpis', (r) => ({ json: kpis(r, app) })),
    app.jsonView('/api/bitcoin/latest', (r) => ({ json: readPieces(r, app, ['market.price'])['market.price'] })),
    app.jsonView('/api/cryptos', (r) => ({ json: readPieces(r, app, ['coingecko.markets'])['coingecko.markets'] })),
    app.jsonView('/api/v1/market', (r) => ({ json: marketSummary(r, app) })),
  ];
}
