// The market: the median BTC price with each source's value, KPIs, the top 50 coins and public
// company treasuries. Each reply says its source and age.
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { kpis, marketSummary } from '../market-data.ts';
import { readPieces } from './public-data.ts';

export function marketRoutes(app: AppContext) {
  return [
    defineRoute({ method: 'GET', path: '/api/bitcoin/kpis', handle: async ({ res }) => sendJson(res, 200, await kpis(app)) }),
    defineRoute({ method: 'GET', path: '/api/bitcoin/latest', handle: async ({ res }) => sendJson(res, 200, (await readPieces(app, ['market.price']))['market.price']) }),
    defineRoute({ method: 'GET', path: '/api/cryptos', handle: async ({ res }) => sendJson(res, 200, (await readPieces(app, ['coingecko.markets']))['coingecko.markets']) }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/market',
      handle: async ({ res }) => sendJson(res, 200, await marketSummary(app)),
    }),
  ];
}
