// Status of the runtime itself: jobs, sources, cache. Read models like every other state reply.
import { z } from 'zod';
import { jobStatusesFrom } from '../../job-status.ts';
import type { Loader } from '../../read-model/views.ts';
import { sourceStatusesFrom } from '../../sources/source-tracker.ts';
import type { AppContext } from '../app.ts';
import { defineRoute, HISTORY_ERRORS } from '../route.ts';
import { errorEnvelope, sendJson } from '../responses.ts';

/** Job runs are recorded in history as jobs finish: read again when a second old. */
const RUNS_MAX_AGE_MS = 1000;

const iso = (ms: number | null) => (ms === null || ms === 0 ? null : new Date(ms).toISOString());

export function systemRoutes(app: AppContext) {
  const jobDefs = app.jobs.map((j) => ({ name: j.name, intervalMs: j.intervalMs, timeoutMs: j.timeoutMs, cooldownMs: j.cooldownMs }));
  return [
    app.jsonView('/api/v1/jobs', (r) => {
      const statuses = jobStatusesFrom(r.get, jobDefs, r.now());
      return {
        json: {
          asOf: new Date(r.now()).toISOString(),
          jobs: statuses.map((s, i) => ({
            ...s,
            cooldownMs: jobDefs[i]?.cooldownMs,
            lastStartedAt: iso(s.lastStartedAtMs),
            lastFinishedAt: iso(s.lastFinishedAtMs),
            nextRunAt: iso(s.nextRunAtMs),
          })),
        },
      };
    }, 'Every job: last run, outcome, error, next run, lock holder, progress'),
    defineRoute({
      method: 'GET',
      path: '/api/v1/jobs/runs',
      summary: 'Recorded job runs, newest first',
      doc: { errors: HISTORY_ERRORS },
      query: z
        .object({
          job: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a job name').optional().describe('only this job'),
          limit: z.coerce.number().int().min(1).max(500).default(50).describe('at most this many runs'),
        })
        .strict(),
      handle: ({ req, res, query }) => {
        const name = `/api/v1/jobs/runs?${query.job ?? ''}:${query.limit}`;
        if (query.job && !jobDefs.some((j) => j.name === query.job)) {
          return sendJson(res, 400, errorEnvelope('BAD_REQUEST', `unknown job ${query.job}`, [{ field: 'job', message: `one of ${jobDefs.map((j) => j.name).join(', ')}` }]));
        }
        const loader: Loader<unknown> = {
          key: name,
          maxAgeMs: RUNS_MAX_AGE_MS,
          load: async () => (await app.history.jobRuns(query.job, query.limit)).map((r) => ({ ...r, startedAt: iso(r.startedAtMs), finishedAt: iso(r.finishedAtMs) })),
        };
        return app.views.serve(req, res, name, (r) => ({ json: { runs: r.load(loader) } }));
      },
    }),
    app.jsonView('/api/v1/sources', (r) => {
      const statuses = sourceStatusesFrom(r.get, app.sources.trackers);
      return {
        json: {
          asOf: new Date(r.now()).toISOString(),
          sources: statuses.map((s) => {
            const def = app.sources.tracker(s.name)?.def;
            return { ...s, kind: def?.kind, target: def?.target ?? null, lastOkAt: iso(s.lastOkAtMs), lastErrorAt: iso(s.lastErrorAtMs) };
          }),
        },
      };
    }, 'Every source: on or off, state, last run, breaker, last error, rate-limit budget'),
    // The read models' own counters, like /metrics: counted at the moment they are asked for.
    defineRoute({ method: 'GET', path: '/api/cache/stats', summary: 'The read models and lake queries: hits, builds, loads, timings', handle: ({ res }) => sendJson(res, 200, { asOf: new Date().toISOString(), tiers: cacheTiers(app), lake: lakeQueryStats(app) }) }),
  ];
}

/** The read models: hits are replies served as built, misses are builds. */
/**
 * The lake's queries: they run when a price view's data is loaded (not per request): answered from
 * the lake, not covered (history answered instead), failed; null with the lake off.
 */
export function lakeQueryStats(app: AppContext) {
  const l = app.lake?.stats;
  if (!l) return null;
  return { queries: l.queries, answered: l.answered, notCovered: l.notCovered, errors: l.errors, lastMs: l.lastMs, avgMs: l.queries ? Math.round((l.totalMs / l.queries) * 10) / 10 : null, lastError: l.lastError };
}

export function cacheTiers(app: AppContext) {
  const v = app.views.snapshot();
  const total = v.hits + v.builds;
  return { view: { hits: v.hits, misses: v.builds, hitRate: total === 0 ? null : Math.round((v.hits / total) * 10_000) / 10_000, views: v.views, loads: v.loads } };
}
