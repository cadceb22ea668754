// The public network without a node (mempool.space, Blockchain.com, Bitnodes, ForkMonitor), with
// your node's view beside it when one is configured.
import { keys } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';
import { readPieces } from './public-data.ts';

const NETWORK_PIECES = {
  tipHeight: 'mempool.tip',
  fees: 'mempool.fees',
  projectedBlocks: 'mempool.projected',
  mempool: 'mempool.mempool',
  recentBlocks: 'mempool.blocks',
  difficultyAdjustment: 'mempool.difficulty',
  hashrate: 'mempool.hashrate',
  pools: 'mempool.pools',
  lightning: 'mempool.lightning',
  reachableNodes: 'bitnodes.latest',
  chainTips: 'forkmonitor.tips',
  staleBlocks: 'forkmonitor.stale',
  stats: 'blockchain.stats',
  hashrateHistory: 'blockchain.hashrate',
  utxoHistory: 'blockchain.utxos',
} as const;

export function networkRoutes(app: AppContext) {
  return [
    app.jsonView('/api/v1/network', (r) => {
      const pieces = readPieces(r, app, Object.values(NETWORK_PIECES));
      const body: Record<string, unknown> = Object.fromEntries(Object.entries(NETWORK_PIECES).map(([field, piece]) => [field, pieces[piece]]));
      // Your node stays the source for what it knows; the public view is shown beside it.
      const chain = app.nodes.length > 0 ? r.get(keys.chain) : undefined;
      body.yourNode = chain ? { source: chain.source, asOf: new Date(chain.asOfMs).toISOString(), height: chain.height, difficulty: chain.difficulty, hashrateHs: chain.hashrateHs } : null;
      return { json: body };
    }, 'The public network from public sources, with your node beside it'),
  ];
}
