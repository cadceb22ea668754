// The Settings page's alert rules: every rule in force with its level, cooldown and where it comes
// from; with ADMIN_TOKEN, forms to change a built-in, add a rule of your own on any history series,
// or delete one (POST /settings/alerts, answered with a redirect back here and the outcome).
import { BUILTIN_IDS, SEVERITIES } from '../../../domain/alerts.ts';
import { alertsReply } from '../../routes/alerts.ts';
import type { AppContext } from '../../app.ts';
import type { Reader } from '../../../read-model/views.ts';
import { html, type SafeHtml } from '../html.ts';
import { card, unavailable } from '../widgets.ts';

/** The outcomes the form's redirect may name (`?alerts=`), each with its words. */
export const ALERT_FORM_OUTCOMES = {
  saved: 'Saved. The alerts job uses the rule within seconds.',
  deleted: 'Deleted.',
  unauthorized: 'Not saved: that is not the admin token.',
  invalid: 'Not saved: a value is missing or out of range.',
  'not-found': 'Nothing to delete: only your own rules and changed built-ins can be deleted.',
  disabled: 'Saving is off: set ADMIN_TOKEN to edit the rules here.',
} as const;
export type AlertFormOutcome = keyof typeof ALERT_FORM_OUTCOMES;
/** The fields an "invalid" outcome may point at (`&field=`). */
export const ALERT_FORM_FIELDS = ['id', 'kind', 'series', 'op', 'level', 'pct', 'windowMin', 'afterMin', 'cooldownMin', 'severity', 'title', 'enabled'] as const;

/** The outcome a Settings redirect names, only from the fixed lists (nothing a link can inject). */
export function alertFormOutcome(query: URLSearchParams): { outcome: AlertFormOutcome | null; field: string | null } {
  const o = query.get('alerts');
  const f = query.get('field');
  const outcome = o !== null && Object.hasOwn(ALERT_FORM_OUTCOMES, o) ? (o as AlertFormOutcome) : null;
  return { outcome, field: outcome === 'invalid' && f !== null && (ALERT_FORM_FIELDS as readonly string[]).includes(f) ? f : null };
}


export function alertRulesCard(app: AppContext, r: Reader, outcome: AlertFormOutcome | null, field: string | null): SafeHtml {
  const a = alertsReply(r);
  const banner = outcome
    ? html`<p role="${outcome === 'saved' || outcome === 'deleted' ? 'status' : 'alert'}" class="${outcome === 'saved' || outcome === 'deleted' ? 'saved' : 'form-error'}">${ALERT_FORM_OUTCOMES[outcome]}${field ? html` (${field})` : ''}</p>`
    : '';
  const rows = a.rules.map((rule) => {
    const x = rule as Record<string, unknown>;
    const level = typeof x.level === 'number' ? `${x.level} ${String(x.unit ?? '')}`.trim() : x.kind === 'threshold' ? `${String(x.op)} ${String(x.level)}` : x.kind === 'change' ? `${String(x.op)} ${String(x.pct)} % in ${String(x.windowMin)} min` : x.kind === 'stale' ? `after ${String(x.afterMin)} min` : '—';
    return html`<tr><th scope="row">${rule.title} <code class="rule-id">${rule.id}</code><br><small class="hint">${rule.builtin ? String(x.describe ?? '') : `your rule on ${String(x.series)}`}</small></th>
<td data-label="Level">${level}</td><td data-label="Cooldown">${rule.cooldownMin} min</td><td data-label="Severity">${rule.severity}</td>
<td data-label="Enabled">${rule.enabled ? 'on' : html`<span class="why">off</span>`}</td><td data-label="Set by">${rule.builtin ? String(x.origin ?? '') : 'Settings'}</td></tr>`;
  });
  const table = a.rules.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Alert rules"><table class="stacking rules"><thead><tr><th scope="col">Rule</th><th scope="col">Level</th><th scope="col">Cooldown</th><th scope="col">Severity</th><th scope="col">Enabled</th><th scope="col">Set by</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : unavailable(a.reason ?? 'no rules yet');
  const channels = a.channels.length
    ? html`<p class="hint">Notifications go to ${a.channels.map((c) => `${c.name} (${c.target}, ${c.state})`).join(', ')}.</p>`
    : html`<p class="hint">No notification channel is set (ALERT_WEBHOOK_URL, NTFY_URL, TELEGRAM_BOT_TOKEN with TELEGRAM_CHAT_ID, or SMTP_URL with ALERT_EMAIL_FROM and ALERT_EMAIL_TO): alerts show on the Health page and live in open pages.</p>`;
  if (!app.config.adminToken) {
    return card({ id: 'alerts', title: 'Alert rules', wide: true }, html`${banner}${table}${channels}<p class="hint">Read-only: set ADMIN_TOKEN to change the rules here or with POST/DELETE /api/admin/alerts/rules.</p>`);
  }
  const token = html`<label>Admin token <input name="token" type="password" required autocomplete="off"></label>`;
  const sev = html`<label>Severity <select name="severity">${SEVERITIES.map((s) => html`<option value="${s}"${s === 'warning' ? html` selected` : ''}>${s}</option>`)}</select></label>`;
  const forms = html`<div class="rule-forms">
<form method="post" action="/settings/alerts" class="settings-form compact"><h3>Change a built-in rule</h3><input type="hidden" name="action" value="builtin">
<label>Rule <select name="id">${BUILTIN_IDS.map((id) => html`<option value="${id}">${a.rules.find((r) => r.id === id)?.title ?? id}</option>`)}</select></label>
<label>State <select name="enabled"><option value="true">on</option><option value="false">off</option></select></label>
<label>Level <input name="level" type="number" step="any" inputmode="decimal" placeholder="keep"></label>
<label>Cooldown (min) <input name="cooldownMin" type="number" min="0" max="10080" step="1" placeholder="keep"></label>${token}<button type="submit">Save rule</button></form>
<form method="post" action="/settings/alerts" class="settings-form compact"><h3>Add a rule of your own</h3><input type="hidden" name="action" value="add">
<label>Id <input name="id" required maxlength="48" pattern="[a-z0-9][a-z0-9_\\-]{0,47}" placeholder="fees-high"></label>
<label>Series <input name="series" required maxlength="100" placeholder="network.fees.fastest" spellcheck="false"></label>
<label>Kind <select name="kind"><option value="threshold">threshold</option><option value="change">change over a window</option><option value="stale">not updated</option></select></label>
<label>Direction <select name="op"><option value="above">above / rise</option><option value="below">below / fall</option></select></label>
<label>Level, % or minutes <input name="level" type="number" step="any" required inputmode="decimal"></label>
<label>Window (min, for a change) <input name="windowMin" type="number" min="1" step="1" placeholder="60"></label>
${sev}<label>Cooldown (min) <input name="cooldownMin" type="number" min="0" max="10080" step="1" value="30"></label>${token}<button type="submit">Add rule</button></form>
<form method="post" action="/settings/alerts" class="settings-form compact"><h3>Delete a rule</h3><input type="hidden" name="action" value="delete">
<label>Id <input name="id" required maxlength="48" placeholder="fees-high"></label>${token}<button type="submit" class="secondary">Delete (built-ins go back to their defaults)</button></form></div>`;
  return card({ id: 'alerts', title: 'Alert rules', wide: true }, html`${banner}${table}${channels}${forms}`);
}
