import type { JobDefinition, JobDeps } from './types.ts';
import { checkFeeRate, checkHeight, checkPriceUsd, checkRange } from '../domain/validate.ts';
import { mempoolSpace } from '../sources/public/mempool-space.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { publicSourceJob } from './public-source.ts';

export function mempoolSpaceJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return publicSourceJob(deps, {
    name: 'public-mempool',
    source: 'mempool',
    intervalMs: 60_000,
    pieces: (signal) => {
      const api = mempoolSpace(client, signal);
      return [
        { piece: 'mempool.tip', fetch: api.tipHeight, check: (h: number, prev: number | undefined) => void checkHeight('tip height', h, prev) },
        {
          piece: 'mempool.fees',
          fetch: api.fees,
          check: (f: Awaited<ReturnType<typeof api.fees>>) => Object.entries(f).forEach(([k, v]) => checkFeeRate(k, v)),
        },
        { piece: 'mempool.projected', fetch: api.projectedBlocks },
        { piece: 'mempool.mempool', fetch: api.mempool, check: (m: Awaited<ReturnType<typeof api.mempool>>) => void checkRange('mempool total fee (sats)', m.totalFeeSats, 0, 21e14) },
        { piece: 'mempool.blocks', fetch: api.blocks },
        { piece: 'mempool.difficulty', fetch: api.difficultyAdjustment },
        { piece: 'mempool.hashrate', fetch: api.hashrate },
        { piece: 'mempool.pools', fetch: api.pools },
        { piece: 'mempool.lightning', fetch: api.lightning },
        { piece: 'mempool.prices', fetch: api.prices, check: (p: Awaited<ReturnType<typeof api.prices>>) => void checkPriceUsd('USD price', p.fiat.USD ?? Number.NaN) },
      ] as never;
    },
  });
}
