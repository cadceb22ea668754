// The table of jobs. Only the table: each job lives in its own file.
import { alertChannels, alertsJob } from './alerts.ts';
import { backfillClosesJob } from './backfill-closes.ts';
import { backfillScoreJob, scoreClients } from './backfill-score.ts';
import { bitnodesJob } from './bitnodes.ts';
import { blockchainComJob } from './blockchain-com.ts';
import { blocksJob } from './blocks.ts';
import { chainJob } from './chain.ts';
import { coinbaseJob } from './coinbase.ts';
import { coingeckoJob } from './coingecko.ts';
import { compactHistoryJob } from './compact-history.ts';
import { companyCapsJob } from './company-caps.ts';
import { electrumJob } from './electrum.ts';
import { forkmonitorJob } from './forkmonitor.ts';
import { marketPriceJob } from './market-price.ts';
import { mempoolJob } from './mempool.ts';
import { mempoolSpaceJob } from './mempool-space.ts';
import { nodeStatusJob } from './node-status.ts';
import { oceanJob } from './ocean.ts';
import { scoreJob } from './score.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export function jobTable(deps: JobDeps): JobDefinition[] {
  const nodes = deps.nodes.length > 0;
  const http = deps.sources.http;
  const electrum = deps.sources.tracker('electrum')?.def.enabled ? deps.config.electrumUrl : undefined;
  return [
    compactHistoryJob(deps),
    ...(nodes ? [nodeStatusJob(deps), chainJob(deps), blocksJob(deps), mempoolJob(deps)] : []),
    ...(electrum ? [electrumJob(deps, electrum)] : []),
    ...(http.mempool ? [mempoolSpaceJob(deps, http.mempool)] : []),
    ...(http.coingecko ? [coingeckoJob(deps, http.coingecko)] : []),
    ...(http.coinbase ? [coinbaseJob(deps, http.coinbase), backfillClosesJob(deps, http.coinbase)] : []),
    ...(http.blockchain ? [blockchainComJob(deps, http.blockchain)] : []),
    ...(http.bitnodes ? [bitnodesJob(deps, http.bitnodes)] : []),
    ...(http.forkmonitor ? [forkmonitorJob(deps, http.forkmonitor)] : []),
    ...(http.ocean ? [oceanJob(deps, http.ocean)] : []),
    ...(http.mempool || http.coingecko || http.coinbase ? [marketPriceJob(deps)] : []),
    // The score reads what the other jobs collected; with nothing to read it says so per metric.
    ...(nodes || http.mempool || http.bitnodes || http.blockchain || http.forkmonitor ? [scoreJob(deps)] : []),
    ...(http.mempool || http.blockchain ? [backfillScoreJob(deps, scoreClients(http))] : []),
    alertsJob(deps, alertChannels(deps)),
    ...(deps.config.companyMarketCapsFile ? [companyCapsJob(deps, deps.config.companyMarketCapsFile)] : []),
  ];
}

