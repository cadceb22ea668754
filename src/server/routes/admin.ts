// Admin endpoints: bearer ADMIN_TOKEN only; off (404 FEATURE_DISABLED) without it.
import { z } from 'zod';
import { BACKFILL_FROM_SETTING } from '../../jobs/backfill-closes.ts';
import { bitcoinDaySchema } from '../../domain/dates.ts';
import { SatscopeError } from '../../errors.ts';
import { requestJobRun } from '../../job-status.ts';
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute } from '../route.ts';

export function adminRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/admin/backfill/btc-closes',
      auth: 'admin',
      summary: 'Extend the daily BTC closes back to a day',
      doc: { reply: { statuses: { 202: 'the backfill job is asked to run; its progress is in /api/v1/jobs' } }, errors: { 404: 'the coinbase source is switched off (FEATURE_DISABLED)', 503: 'history or the store is unavailable' } },
      body: z.object({ from: z.string().max(10).pipe(bitcoinDaySchema()).describe('the first day, YYYY-MM-DD, between 2009-01-03 and today') }).strict(),
      handle: async ({ res, body }) => {
        if (!app.jobs.some((j) => j.name === 'backfill-btc-closes')) throw new SatscopeError('FEATURE_DISABLED', 'the coinbase source is switched off');
        const fromSec = body.from;
        await app.history.setSetting(BACKFILL_FROM_SETTING, fromSec);
        const { startsAtMs } = await requestJobRun(app.store, app.jobs, 'backfill-btc-closes');
        return sendJson(res, 202, { job: 'backfill-btc-closes', from: new Date(fromSec * 1000).toISOString().slice(0, 10), startsAt: new Date(startsAtMs).toISOString(), progress: '/api/v1/jobs' });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/admin/cache/flush',
      auth: 'admin',
      summary: 'Drop the shared cache and every built view (built again when next asked for)',
      doc: { errors: { 503: 'the store is unavailable (STORE_UNAVAILABLE)' } },
      body: z.object({}).strict(),
      handle: async ({ res }) => {
        const removed = await app.store.flushCache();
        app.views.clear();
        app.log.info('cache flushed by admin', { removed });
        return sendJson(res, 200, { flushed: true, storeKeysRemoved: removed });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/admin/jobs/:name/run',
      auth: 'admin',
      summary: 'Run a job now, or when its cooldown ends',
      doc: { params: { name: 'the job, as /api/v1/jobs names it' }, reply: { statuses: { 202: 'asked; `startsAt` says when it runs' } }, errors: { 404: 'no job has that name (JOB_UNKNOWN)', 503: 'the store is unavailable (STORE_UNAVAILABLE)' } },
      body: z.object({}).strict(),
      handle: async ({ res, params }) => {
        const { startsAtMs } = await requestJobRun(app.store, app.jobs, params.name ?? '');
        return sendJson(res, 202, { job: params.name, startsAt: new Date(startsAtMs).toISOString() });
      },
    }),
  ];
}
