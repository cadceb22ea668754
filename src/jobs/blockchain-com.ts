import type { JobDefinition, JobDeps } from './types.ts';
import { checkPriceUsd, checkSupplySats } from '../domain/validate.ts';
import { blockchainCom } from '../sources/public/blockchain-com.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { publicSourceJob } from './public-source.ts';

export function blockchainComJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return publicSourceJob(deps, {
    name: 'public-blockchain',
    source: 'blockchain',
    intervalMs: 10 * 60_000,
    pieces: (signal) => {
      const api = blockchainCom(client, client, signal);
      return [
        {
          piece: 'blockchain.stats',
          fetch: api.stats,
          check: (s: { priceUsd: number; supplySats: number }) => {
            checkPriceUsd('market price', s.priceUsd);
            checkSupplySats('totalbc', s.supplySats);
          },
        },
        { piece: 'blockchain.hashrate', fetch: api.hashrateChart },
        { piece: 'blockchain.utxos', fetch: api.utxoChart },
      ] as never;
    },
  });
}
