// Status of the runtime itself: jobs, sources, cache. Lists that many clients poll are served from
// the response cache, rebuilt at most once a second.
import { z } from 'zod';
import { readJobStatuses } from '../../scheduler.ts';
import { readSourceStatuses } from '../../sources/source-tracker.ts';
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute } from '../route.ts';

const LIST_TTL_MS = 1000;

const iso = (ms: number | null) => (ms === null || ms === 0 ? null : new Date(ms).toISOString());

export function systemRoutes(app: AppContext) {
  const jobDefs = app.jobs.map((j) => ({ name: j.name, intervalMs: j.intervalMs, timeoutMs: j.timeoutMs, cooldownMs: j.cooldownMs, lockTtlMs: j.lockTtlMs }));
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/jobs',
      handle: ({ req, res }) => {
        return app.cache.send('jobs', LIST_TTL_MS, async () => {
          const statuses = await readJobStatuses(app.store, jobDefs);
          return {
            asOf: new Date().toISOString(),
            jobs: statuses.map((s, i) => ({
              ...s,
              cooldownMs: jobDefs[i]?.cooldownMs,
              lockTtlMs: jobDefs[i]?.lockTtlMs,
              lastStartedAt: iso(s.lastStartedAtMs),
              lastFinishedAt: iso(s.lastFinishedAtMs),
              nextRunAt: iso(s.nextRunAtMs),
            })),
          };
        }, req, res);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/jobs/runs',
      query: z
        .object({
          job: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a job name').optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        })
        .strict(),
      handle: async ({ res, query }) => {
        if (query.job && !jobDefs.some((j) => j.name === query.job)) {
          return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: `unknown job ${query.job}`, details: [{ field: 'job', message: `one of ${jobDefs.map((j) => j.name).join(', ')}` }] } });
        }
        const runs = await app.history.jobRuns(query.job, query.limit);
        return sendJson(res, 200, { runs: runs.map((r) => ({ ...r, startedAt: iso(r.startedAtMs), finishedAt: iso(r.finishedAtMs) })) });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/sources',
      handle: ({ req, res }) => {
        return app.cache.send('sources', LIST_TTL_MS, async () => {
          const statuses = await readSourceStatuses(app.store, app.sources.trackers);
          return {
            asOf: new Date().toISOString(),
            sources: statuses.map((s) => {
              const def = app.sources.tracker(s.name)?.def;
              return { ...s, kind: def?.kind, target: def?.target ?? null, lastOkAt: iso(s.lastOkAtMs), lastErrorAt: iso(s.lastErrorAtMs) };
            }),
          };
        }, req, res);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cache/stats',
      handle: ({ res }) => sendJson(res, 200, { asOf: new Date().toISOString(), tiers: app.cacheStats.snapshot() }),
    }),
  ];
}
