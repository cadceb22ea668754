// The table of jobs. Only the table: each job lives in its own file.
import { blocksJob } from './blocks.ts';
import { chainJob } from './chain.ts';
import { compactHistoryJob } from './compact-history.ts';
import { electrumJob } from './electrum.ts';
import { mempoolJob } from './mempool.ts';
import { nodeStatusJob } from './node-status.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export function jobTable(deps: JobDeps): JobDefinition[] {
  const nodes = deps.nodes.length > 0;
  const electrum = deps.sources.tracker('electrum')?.def.enabled ? deps.config.electrumUrl : undefined;
  return [
    compactHistoryJob(deps),
    ...(nodes ? [nodeStatusJob(deps), chainJob(deps), blocksJob(deps), mempoolJob(deps)] : []),
    ...(electrum ? [electrumJob(deps, electrum)] : []),
  ];
}
