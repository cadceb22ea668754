import type { JobDefinition, JobDeps } from './types.ts';
import { checkPriceUsd } from '../domain/validate.ts';
import { coingecko } from '../sources/public/coingecko.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { publicSourceJob } from './public-source.ts';

export function coingeckoJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return publicSourceJob(deps, {
    name: 'public-coingecko',
    source: 'coingecko',
    // Six calls a run: well inside the demo plan's ~30 calls a minute.
    intervalMs: 120_000,
    pieces: (signal) => {
      const api = coingecko(client, signal, deps.config.fiatCurrencies);
      return [
        { piece: 'coingecko.price', fetch: api.simplePrice, check: (p: { usd: number }) => void checkPriceUsd('price', p.usd) },
        { piece: 'coingecko.markets', fetch: api.markets, check: (c: { symbol: string; priceUsd: number | null }[]) => void checkPriceUsd('BTC price', c.find((x) => x.symbol === 'BTC')?.priceUsd ?? Number.NaN) },
        { piece: 'coingecko.bitcoin', fetch: api.bitcoin, check: (b: { priceUsd: number | null }) => void checkPriceUsd('price', b.priceUsd ?? Number.NaN) },
        { piece: 'coingecko.global', fetch: api.global, points: (g: { btcDominancePct: number | null }) => [{ series: 'market.btc_dominance_pct', value: g.btcDominancePct }] },
        { piece: 'coingecko.chart30d', fetch: api.chart30d },
        { piece: 'coingecko.treasuries', fetch: api.treasuries },
      ] as never;
    },
  });
}
