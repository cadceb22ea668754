import type { JobDefinition, JobDeps } from './types.ts';
import { checkPriceUsd } from '../domain/validate.ts';
import { coinbase } from '../sources/public/coinbase.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { publicSourceJob } from './public-source.ts';

export function coinbaseJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return publicSourceJob(deps, {
    name: 'public-coinbase',
    source: 'coinbase',
    intervalMs: 60_000,
    pieces: (signal) => [
      {
        // The latest daily candles; the last one is still forming, so its close is the spot price.
        piece: 'coinbase.candles',
        fetch: () => coinbase(client, signal).dailyCandles(),
        check: (c: { close: number }[]) => void checkPriceUsd('last close', c.at(-1)?.close ?? Number.NaN),
      },
    ] as never,
  });
}
