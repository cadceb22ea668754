// Admin endpoints: bearer ADMIN_TOKEN only; off (404 FEATURE_DISABLED) without it.
import { z } from 'zod';
import { requestJobRun } from '../../scheduler.ts';
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute } from '../route.ts';

export function adminRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/admin/cache/flush',
      auth: 'admin',
      body: z.object({}).strict(),
      handle: async ({ res }) => {
        const removed = await app.store.flushCache();
        app.cache.invalidate();
        app.log.info('cache flushed by admin', { removed });
        return sendJson(res, 200, { flushed: true, storeKeysRemoved: removed });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/admin/jobs/:name/run',
      auth: 'admin',
      body: z.object({}).strict(),
      handle: async ({ res, params }) => {
        const { startsAtMs } = await requestJobRun(app.store, app.jobs, params.name ?? '');
        app.cache.invalidate('jobs');
        return sendJson(res, 202, { job: params.name, startsAt: new Date(startsAtMs).toISOString() });
      },
    }),
  ];
}
