// The table of jobs. Only the table: each job lives in its own file.
import { compactHistoryJob } from './compact-history.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export function jobTable(deps: JobDeps): JobDefinition[] {
  return [compactHistoryJob(deps)];
}
