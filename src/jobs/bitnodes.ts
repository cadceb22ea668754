import type { JobDefinition, JobDeps } from './types.ts';
import { checkHeight } from '../domain/validate.ts';
import { bitnodes } from '../sources/public/bitnodes.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { publicSourceJob } from './public-source.ts';

export function bitnodesJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return publicSourceJob(deps, {
    name: 'public-bitnodes',
    source: 'bitnodes',
    // 50 requests a day anonymous: every 40 minutes is 36.
    intervalMs: 40 * 60_000,
    pieces: (signal) => [
      {
        piece: 'bitnodes.latest',
        fetch: () => bitnodes(client, signal).latest(),
        check: (s: { height: number }, prev?: { height: number }) => void checkHeight('snapshot height', s.height, prev?.height),
        points: (s: { totalNodes: number; asnHhi: number }) => [
          { series: 'network.reachable_nodes', value: s.totalNodes },
          { series: 'network.node_asn_hhi', value: s.asnHhi },
        ],
      },
    ] as never,
  });
}
