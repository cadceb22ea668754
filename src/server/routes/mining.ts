// Pool mining (OCEAN): the dashboard metrics and the workers, as read models, and your payouts as
// JSON or CSV. Without OCEAN_ADDRESS each says how to set it; an address OCEAN does not know is
// said plainly (200, with the reason), not as an error.
import { z } from 'zod';
import type { AppContext } from '../app.ts';
import { localDateTime, miningSettingsInput, type EffectiveMiningSettings } from '../../domain/mining-settings.ts';
import { nudgeMiningJobs, resetMiningSettings, saveMiningSettings } from '../../mining-settings.ts';
import { sendJson } from '../responses.ts';
import { SatscopeError } from '../../errors.ts';
import { miningReply, readSettings, workersReply } from '../mining-data.ts';
import { defineRoute } from '../route.ts';

export function miningRoutes(app: AppContext) {
  return [
    // Everything the Mining page shows; /api/metrics is the same reply under the mining dashboards' name.
    app.jsonView('/api/v1/mining', (r) => ({ json: miningReply(r, app) }), 'Your OCEAN account: hashrate, workers, earnings, payouts, profitability'),
    app.jsonView('/api/metrics', (r) => ({ json: miningReply(r, app) }), 'The same reply as /api/v1/mining'),
    app.jsonView('/api/workers', (r) => ({ json: workersReply(r, app) }), 'Your workers: state, kind, hashrate windows, last share; the counts'),
    // The mining settings in effect and where each comes from; changed with the admin token.
    app.jsonView('/api/v1/settings/mining', (r) => ({ json: settingsReply(app, readSettings(r, app)) }), 'The mining settings in effect, and where each comes from'),
    defineRoute({
      method: 'POST',
      path: '/api/admin/settings/mining',
      auth: 'admin',
      summary: "Change the mining settings, or go back to the environment's",
      doc: {
        body: z.union([z.object({ reset: z.literal(true).describe("back to the environment's values") }).strict(), miningSettingsInput(app.config.fiatCurrencies).describe('The settings to change: any of these fields')]),
        errors: { 503: 'history or the store is unavailable, or another save is under way' },
      },
      // Either {reset: true} (back to the environment's values) or the fields to change.
      body: z.union([z.object({ reset: z.literal(true) }).strict(), z.record(z.unknown()).refine((o) => !('reset' in o), 'reset must be true, and alone')]),
      handle: async ({ res, body, clientIp }) => {
        const reset = 'reset' in body;
        let settings: EffectiveMiningSettings;
        if (reset) settings = await resetMiningSettings(app);
        else {
          const parsed = miningSettingsInput(app.config.fiatCurrencies).safeParse(body);
          if (!parsed.success) {
            const details = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
            throw new SatscopeError('BAD_REQUEST', `invalid body: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, { details });
          }
          settings = await saveMiningSettings(app, parsed.data);
        }
        app.log.info('mining settings saved', { ip: clientIp, reset, fields: reset ? [] : Object.keys(body).slice(0, 10) });
        await nudgeMiningJobs(app);
        return sendJson(res, 200, settingsReply(app, settings));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/mining/payouts',
      summary: 'Your payouts, newest first, as JSON or CSV',
      doc: { reply: { types: ['application/json', 'text/csv'], statuses: { 200: 'the payouts; CSV adds each time in the mining timezone' } } },
      query: z.object({ format: z.enum(['json', 'csv']).default('json') }).strict(),
      handle: ({ req, res, query }) =>
        app.views.serve(req, res, `/api/v1/mining/payouts:${query.format}`, (r) => {
          const m = miningReply(r, app);
          const payouts = m.data?.payouts ?? [];
          if (query.format === 'json') return { json: { source: m.source, asOf: m.asOf, account: m.account, ...(m.reason ? { reason: m.reason } : {}), payouts } };
          const zone = m.data?.settings.timezone ?? readSettings(r, app).timezone;
          // The zone is a validated IANA name (letters, digits, _ + - /): safe in a CSV cell.
          const rows = payouts.map((p) => `${new Date(p.timeSec * 1000).toISOString()},${p.paidSats},${(p.paidSats / 1e8).toFixed(8)},${p.lightning ? 'lightning' : 'on-chain'},${p.txid ?? ''},${localDateTime(p.timeSec, zone)},${zone}`);
          return {
            text: `time,sats,btc,kind,txid,local_time,timezone\n${rows.join('\n')}${rows.length ? '\n' : ''}`,
            contentType: 'text/csv; charset=utf-8',
            headers: ['content-disposition', 'attachment; filename="satscope-ocean-payouts.csv"'],
            cacheControl: 'no-store',
          };
        }),
    }),
  ];
}

const ENV_NAMES = { address: 'OCEAN_ADDRESS', powerWatts: 'MINING_POWER_WATTS', powerPriceKwh: 'MINING_POWER_PRICE_KWH', currency: 'MINING_CURRENCY', timezone: 'MINING_TIMEZONE', lowHashrateThs: 'MINING_LOW_HASHRATE_THS' } as const;

function settingsReply(app: AppContext, s: EffectiveMiningSettings) {
  const { saved, updatedAtMs, ...values } = s;
  return {
    settings: values,
    origin: Object.fromEntries(Object.entries(ENV_NAMES).map(([f, env]) => [f, saved.includes(f) ? 'saved' : `env:${env}`])),
    updatedAt: updatedAtMs === null ? null : new Date(updatedAtMs).toISOString(),
    editable: app.config.adminToken !== undefined,
    currencies: app.config.fiatCurrencies,
  };
}
