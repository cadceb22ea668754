import type { JobDefinition, JobDeps } from './types.ts';
import { forkmonitor } from '../sources/public/forkmonitor.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { publicSourceJob } from './public-source.ts';

export function forkmonitorJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return publicSourceJob(deps, {
    name: 'public-forkmonitor',
    source: 'forkmonitor',
    intervalMs: 10 * 60_000,
    pieces: (signal) => {
      const api = forkmonitor(client, signal);
      return [
        { piece: 'forkmonitor.tips', fetch: api.chaintips },
        { piece: 'forkmonitor.stale', fetch: api.staleCandidates },
      ] as never;
    },
  });
}
