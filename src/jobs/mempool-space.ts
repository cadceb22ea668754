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
          points: (f: Awaited<ReturnType<typeof api.fees>>) => [
            { series: 'network.fees.fastest', value: f.fastestSatVb },
            { series: 'network.fees.hour', value: f.hourSatVb },
          ],
        },
        { piece: 'mempool.projected', fetch: api.projectedBlocks },
        {
          piece: 'mempool.mempool',
          fetch: api.mempool,
          check: (m: Awaited<ReturnType<typeof api.mempool>>) => void checkRange('mempool total fee (sats)', m.totalFeeSats, 0, 21e14),
          points: (m: Awaited<ReturnType<typeof api.mempool>>) => [
            { series: 'network.mempool.vsize', value: m.vsize },
            { series: 'network.mempool.tx_count', value: m.txCount },
          ],
        },
        { piece: 'mempool.blocks', fetch: api.blocks },
        { piece: 'mempool.difficulty', fetch: api.difficultyAdjustment },
        {
          piece: 'mempool.hashrate',
          fetch: api.hashrate,
          points: (h: Awaited<ReturnType<typeof api.hashrate>>) => [
            { series: 'network.hashrate_hs', value: h.currentHashrateHs },
            { series: 'network.difficulty', value: h.currentDifficulty },
          ],
        },
        { piece: 'mempool.pools', fetch: api.pools },
        {
          piece: 'mempool.lightning',
          fetch: api.lightning,
          points: (l: Awaited<ReturnType<typeof api.lightning>>) => [
            { series: 'lightning.capacity_sats', value: l.capacitySats },
            { series: 'lightning.channels', value: l.channels },
            { series: 'lightning.nodes', value: l.nodes },
          ],
        },
        { piece: 'mempool.prices', fetch: api.prices, check: (p: Awaited<ReturnType<typeof api.prices>>) => void checkPriceUsd('USD price', p.fiat.USD ?? Number.NaN) },
      ] as never;
    },
  });
}
