// Pool mining (OCEAN): the dashboard metrics and the workers, as read models, and your payouts as
// JSON or CSV. Without OCEAN_ADDRESS each says how to set it; an address OCEAN does not know is
// said plainly (200, with the reason), not as an error.
import { z } from 'zod';
import type { AppContext } from '../app.ts';
import { miningReply, workersReply } from '../mining-data.ts';
import { defineRoute } from '../route.ts';

export function miningRoutes(app: AppContext) {
  return [
    // Everything the Mining page shows; /api/metrics is the same reply under the mining dashboards' name.
    app.jsonView('/api/v1/mining', (r) => ({ json: miningReply(r, app) })),
    app.jsonView('/api/metrics', (r) => ({ json: miningReply(r, app) })),
    app.jsonView('/api/workers', (r) => ({ json: workersReply(r, app) })),
    defineRoute({
      method: 'GET',
      path: '/api/v1/mining/payouts',
      query: z.object({ format: z.enum(['json', 'csv']).default('json') }).strict(),
      handle: ({ req, res, query }) =>
        app.views.serve(req, res, `/api/v1/mining/payouts:${query.format}`, (r) => {
          const m = miningReply(r, app);
          const payouts = m.data?.payouts ?? [];
          if (query.format === 'json') return { json: { source: m.source, asOf: m.asOf, account: m.account, ...(m.reason ? { reason: m.reason } : {}), payouts } };
          const rows = payouts.map((p) => `${new Date(p.timeSec * 1000).toISOString()},${p.paidSats},${(p.paidSats / 1e8).toFixed(8)},${p.lightning ? 'lightning' : 'on-chain'},${p.txid ?? ''}`);
          return {
            text: `time,sats,btc,kind,txid\n${rows.join('\n')}${rows.length ? '\n' : ''}`,
            contentType: 'text/csv; charset=utf-8',
            headers: ['content-disposition', 'attachment; filename="satscope-ocean-payouts.csv"'],
            cacheControl: 'no-store',
          };
        }),
    }),
  ];
}
