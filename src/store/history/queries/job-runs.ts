import type { SqlExecutor } from '../driver.ts';

export interface JobRun {
  id: string;
  job: string;
  holder: string;
  startedAtMs: number;
  finishedAtMs: number;
  /** `lost`: the run lost its lock (the store was unreachable or another process took it) and was stopped. */
  outcome: 'ok' | 'error' | 'timeout' | 'lost';
  error: string | null;
}

export async function insertJobRun(db: SqlExecutor, run: JobRun): Promise<void> {
  await db.run(
    'INSERT INTO job_runs (id, job, holder, started_at_ms, finished_at_ms, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    [run.id, run.job, run.holder, run.startedAtMs, run.finishedAtMs, run.outcome, run.error],
  );
}

export async function selectJobRuns(db: SqlExecutor, job: string | undefined, limit: number): Promise<JobRun[]> {
  const rows = await db.all<Record<string, unknown>>(
    `SELECT id, job, holder, started_at_ms, finished_at_ms, outcome, error FROM job_runs ${job ? 'WHERE job = ?' : ''} ORDER BY started_at_ms DESC LIMIT ?`,
    job ? [job, limit] : [limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    job: String(r.job),
    holder: String(r.holder),
    startedAtMs: Number(r.started_at_ms),
    finishedAtMs: Number(r.finished_at_ms),
    outcome: r.outcome as JobRun['outcome'],
    error: r.error === null ? null : String(r.error),
  }));
}

export async function deleteJobRunsBefore(db: SqlExecutor, beforeMs: number): Promise<number> {
  return (await db.run('DELETE FROM job_runs WHERE started_at_ms < ?', [beforeMs])).changes;
}
