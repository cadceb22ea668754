// Alerts: what is firing and what fired (GET /api/v2/alerts, a read model of the alerts job's
// summary), and the rules, changed with the admin token (POST/DELETE /api/admin/alerts/rules).
import { z } from 'zod';
import { deleteRule, rulesFrom, saveRule, savedRules } from '../../alert-rules.ts';
import { BUILTIN_IDS, builtinOverrideSchema, customRuleSchema, ruleTitle, type Rule } from '../../domain/alerts.ts';
import { describeError, SatscopeError } from '../../errors.ts';
import { requestJobRun } from '../../job-status.ts';
import type { Reader } from '../../read-model/views.ts';
import { keys } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute, HISTORY_ERRORS } from '../route.ts';

export const ALERTS_WAITING = 'waiting for the first alert check (the alerts job runs every 15 seconds)';

const firingJson = (f: { firingId: string; ruleId: string; severity: string; title: string; message: string; value: number | null; threshold: number | null; firedAtMs: number; resolvedAtMs: number | null; resolvedMessage: string | null }) => ({
  id: f.firingId,
  rule: f.ruleId,
  severity: f.severity,
  title: f.title,
  message: f.message,
  value: f.value,
  threshold: f.threshold,
  state: f.resolvedAtMs === null ? 'firing' : 'resolved',
  firedAt: new Date(f.firedAtMs).toISOString(),
  resolvedAt: f.resolvedAtMs === null ? null : new Date(f.resolvedAtMs).toISOString(),
  resolvedMessage: f.resolvedMessage,
});

/** The alerts reply: the open firings, the recent ones, the rules and the channels. */
export function alertsReply(r: Reader) {
  const s = r.get(keys.alerts);
  if (!s) return { asOf: null, active: [], recent: [], rules: [], channels: [], reason: ALERTS_WAITING };
  return { asOf: new Date(s.asOfMs).toISOString(), active: s.active.map(firingJson), recent: s.recent.map(firingJson), rules: s.rules, channels: s.channels };
}

/** The open firings, for the scorecard's `alerts`. */
export const activeAlerts = (r: Reader) => (r.get(keys.alerts)?.active ?? []).map(firingJson);

const ruleBody = z.record(z.unknown()).transform((body, ctx) => {
  const builtin = (BUILTIN_IDS as readonly unknown[]).includes(body.id);
  const parsed = builtin ? builtinOverrideSchema.safeParse(body) : customRuleSchema.safeParse(body);
  if (!parsed.success) {
    for (const i of parsed.error.issues) ctx.addIssue({ ...i, path: i.path });
    return z.NEVER;
  }
  return parsed.data;
});

const showRule = (rule: Rule) => (rule.kind === 'builtin' ? { ...rule, builtin: true } : { ...rule, title: ruleTitle(rule), builtin: false });

export function alertRoutes(app: AppContext) {
  const rulesNow = async () => {
    const mining = Boolean(app.config.oceanAddress) || Boolean((await app.store.get(keys.miningSettings).catch(() => undefined))?.values.address);
    return rulesFrom(await savedRules(app.history), app.config, mining).map(showRule);
  };
  const nudge = () => requestJobRun(app.store, app.jobs, 'alerts').catch((err: unknown) => app.log.warn('alerts run not requested', { err: describeError(err) }));
  return [
    app.jsonView('/api/v2/alerts', (r) => ({ json: alertsReply(r) }), 'Alerts firing and fired lately, the rules in force, the notification channels'),
    defineRoute({
      method: 'POST',
      path: '/api/admin/alerts/rules',
      auth: 'admin',
      summary: 'Save a rule of your own, or change a built-in one',
      doc: { body: z.union([customRuleSchema, builtinOverrideSchema.describe('A built-in rule, by its id: what to change of it')]), errors: HISTORY_ERRORS },
      body: ruleBody,
      handle: async ({ res, body, clientIp }) => {
        await saveRule(app, body);
        app.log.info('alert rule saved', { ip: clientIp, rule: body.id });
        await nudge();
        return sendJson(res, 200, { saved: body.id, rules: await rulesNow() });
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/admin/alerts/rules/:id',
      auth: 'admin',
      summary: 'Delete your rule, or put a built-in one back to its default',
      doc: { params: { id: "the rule's id" }, errors: { 404: 'nothing was saved under that id', ...HISTORY_ERRORS } },
      handle: async ({ res, params, clientIp }) => {
        const id = String(params.id ?? '');
        if (!(await deleteRule(app, id))) throw new SatscopeError('NOT_FOUND', `no saved rule ${id.slice(0, 48)}: your own rules and changed built-ins can be deleted`);
        app.log.info('alert rule deleted', { ip: clientIp, rule: id.slice(0, 48) });
        await nudge();
        return sendJson(res, 200, { deleted: id, rules: await rulesNow() });
      },
    }),
  ];
}
