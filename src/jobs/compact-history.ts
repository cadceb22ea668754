// Retention: roll raw points up into hourly and daily aggregates and expire what is past its window.
import type { JobDefinition, JobDeps } from './types.ts';

export function compactHistoryJob(deps: JobDeps): JobDefinition {
  return {
    name: 'compact-history',
    intervalMs: 60 * 60_000,
    timeoutMs: 5 * 60_000,
    cooldownMs: 60_000,
    async run(ctx) {
      const result = await deps.history.compact(Math.floor(Date.now() / 1000));
      ctx.log.info('history compacted', { ...result });
    },
  };
}
