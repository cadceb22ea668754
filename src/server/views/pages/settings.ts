// Settings: theme, currency and locale, kept in one cookie (no account, works without JavaScript),
// and what is configured, with how to turn on what is not. Secrets never appear: node URLs are
// shown with their credentials masked.
import { redactUrl } from '../../../config.ts';
import { html } from '../html.ts';
import type { PageContext, RenderedPage, SettingsForm } from '../page.ts';
import { readSettings } from '../../mining-data.ts';
import type { EffectiveMiningSettings } from '../../../domain/mining-settings.ts';
import type { AppContext } from '../../app.ts';
import type { SafeHtml } from '../html.ts';
import { LOCALES, mergePrefs, prefsCookie, THEMES } from '../prefs.ts';
import { card, stats } from '../widgets.ts';
import { alertFormOutcome, alertRulesCard } from './settings-alerts.ts';

export function settingsPage(ctx: PageContext): RenderedPage {
  const { app, query } = ctx;
  const changing = query.has('theme') || query.has('currency') || query.has('locale');
  const prefs = changing ? mergePrefs(ctx.prefs, query, app.config.fiatCurrencies) : ctx.prefs;
  const option = (value: string, current: string, label = value) => html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
  const form = card(
    { id: 'display', title: 'Display' },
    html`<form method="get" action="/settings" class="prefs">
<label>Theme <select name="theme">${THEMES.map((t) => option(t, prefs.theme, t === 'dark' ? 'Dark (orange)' : 'Retro terminal'))}</select></label>
<label>Currency <select name="currency">${app.config.fiatCurrencies.map((c) => option(c, prefs.currency))}</select></label>
<label>Number format <select name="locale">${LOCALES.map((l) => option(l, prefs.locale))}</select></label>
<button type="submit">Save</button></form>
<p class="hint">Kept in a cookie in this browser only. More currencies: set FIAT_CURRENCIES (now ${app.config.fiatCurrencies.join(', ')}).</p>${changing ? html`<p role="status" class="saved">Saved.</p>` : ''}`,
  );
  const configured = card(
    { id: 'configured', title: 'Configured sources' },
    stats([
      ...app.config.nodes.map((n) => [`Node ${n.id}`, html`${n.rpcUrl ? redactUrl(n.rpcUrl) : n.id === 'main' ? 'not set: BITCOIN_RPC_URL' : `not set: ${n.id.toUpperCase()}_RPC_URL`}`] as [string, ReturnType<typeof html>]),
      ['Electrum', html`${app.config.electrumUrl ? redactUrl(app.config.electrumUrl) : 'not set: ELECTRUM_URL'}`],
      ['State store', html`${app.store.kind === 'redis' ? 'Redis' : 'in-process memory (REDIS_URL to share)'}`],
      ['History', html`${app.history.kind}`],
      ['Admin API', html`${app.config.adminToken ? 'on' : 'off: set ADMIN_TOKEN'}`],
      ['Switched off', html`${app.config.sourcesDisabled.join(', ') || 'none'}`],
    ]),
  );
  const mining = miningCard(app, ctx.form?.settings ?? readSettings(ctx.r, app), ctx.form);
  const { outcome, field } = alertFormOutcome(query);
  const alerts = alertRulesCard(app, ctx.r, outcome, field);
  return { title: 'Settings', body: html`<div class="grid">${form}${mining}${alerts}${configured}</div>`, prefs, headers: changing ? ['set-cookie', prefsCookie(prefs)] : [], ...(ctx.form ? { status: FORM_STATUS[ctx.form.outcome] } : {}) };
}

const FORM_STATUS: Record<SettingsForm['outcome'], number> = { saved: 200, reset: 200, invalid: 400, unauthorized: 401, disabled: 403 };

/** Where each mining setting comes from when it is not saved here. */
const ENV: Record<string, string> = {
  address: 'OCEAN_ADDRESS',
  powerWatts: 'MINING_POWER_WATTS',
  powerPriceKwh: 'MINING_POWER_PRICE_KWH',
  currency: 'MINING_CURRENCY',
  timezone: 'MINING_TIMEZONE',
  lowHashrateThs: 'MINING_LOW_HASHRATE_THS',
};

const LABELS: Record<string, string> = {
  address: 'Payout address',
  powerWatts: 'Power use (W)',
  powerPriceKwh: 'Power price per kWh',
  currency: 'Currency of the power price',
  timezone: 'Timezone of payout dates',
  lowHashrateThs: 'Low-hashrate threshold (TH/s)',
};

const ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

function shown(s: EffectiveMiningSettings, field: keyof typeof ENV): string {
  const v = s[field as keyof EffectiveMiningSettings];
  return v === null || v === undefined ? '' : String(v);
}

/** Pool mining settings: a form behind ADMIN_TOKEN (the token typed into it), read-only without one. */
function miningCard(app: AppContext, s: EffectiveMiningSettings, form: SettingsForm | undefined): SafeHtml {
  const origin = (field: string) => (s.saved.includes(field) ? 'saved here' : `from ${ENV[field] ?? 'the default'}`);
  const savedAt = s.updatedAtMs === null ? '' : html` Last saved ${new Date(s.updatedAtMs).toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
  if (!app.config.adminToken) {
    return card(
      { id: 'mining', title: 'Pool mining (OCEAN)' },
      html`${stats(Object.keys(ENV).map((f): [string, SafeHtml] => [LABELS[f] ?? f, html`${shown(s, f) || html`<span class="why">not set</span>`} <small class="hint">${origin(f)}</small>`]))}
<p class="hint">Read-only: set ADMIN_TOKEN to change these here (the form then asks for it), or set the variables named beside each value.${savedAt}</p>${form ? html`<p role="alert" class="form-error">${form.errors[0]?.message ?? 'Saving is off.'}</p>` : ''}`,
    );
  }
  const errors = new Map((form?.outcome === 'invalid' ? form.errors : []).map((e) => [e.field, e.message]));
  // After a failed save the form shows what was typed (escaped); the token is never sent back.
  const value = (f: string) => (form && form.outcome === 'invalid' ? (form.values[f] ?? '') : shown(s, f));
  const field = (f: string, input: SafeHtml) => {
    const err = errors.get(f);
    return html`<label for="ms-${f}">${LABELS[f]}</label><div class="field">${input}<small class="hint">${origin(f)}</small>${err ? html`<small class="field-error" id="ms-${f}-error">${err}</small>` : ''}</div>`;
  };
  const attrs = (f: string) => html` id="ms-${f}" name="${f}"${errors.has(f) ? html` aria-invalid="true" aria-describedby="ms-${f}-error"` : ''}`;
  const currency = value('currency');
  const banner =
    form?.outcome === 'saved'
      ? html`<p role="status" class="saved">Saved. The mining pages use these now.</p>`
      : form?.outcome === 'reset'
        ? html`<p role="status" class="saved">Back to the environment's values.</p>`
        : form
          ? html`<div role="alert" class="form-error"><p>${form.outcome === 'unauthorized' ? 'Not saved: that is not the admin token.' : 'Not saved. Please correct:'}</p>${form.outcome === 'invalid' ? html`<ul>${form.errors.map((e) => html`<li>${e.message}</li>`)}</ul>` : ''}</div>`
          : '';
  return card(
    { id: 'mining', title: 'Pool mining (OCEAN)', span2: true },
    html`${banner}<form method="post" action="/settings#mining" class="settings-form" autocomplete="off">
${field('address', html`<input${attrs('address')} type="text" value="${value('address')}" maxlength="100" spellcheck="false" autocapitalize="off" placeholder="bc1q…">`)}
${field('powerWatts', html`<input${attrs('powerWatts')} type="number" inputmode="decimal" min="0" max="100000" step="any" value="${value('powerWatts')}">`)}
${field('powerPriceKwh', html`<input${attrs('powerPriceKwh')} type="number" inputmode="decimal" min="0" max="10" step="any" value="${value('powerPriceKwh')}">`)}
${field('currency', html`<select${attrs('currency')}>${app.config.fiatCurrencies.map((c) => html`<option value="${c}"${c === currency ? html` selected` : ''}>${c}</option>`)}</select>`)}
${field('timezone', html`<input${attrs('timezone')} type="text" list="ms-zones" value="${value('timezone')}" maxlength="64" spellcheck="false" autocapitalize="off"><datalist id="ms-zones">${ZONES.map((z) => html`<option value="${z}">`)}</datalist>`)}
${field('lowHashrateThs', html`<input${attrs('lowHashrateThs')} type="number" inputmode="decimal" min="0" step="any" value="${value('lowHashrateThs')}">`)}
<label for="ms-token">Admin token</label><div class="field"><input id="ms-token" name="token" type="password" required autocomplete="off"${form?.outcome === 'unauthorized' ? html` aria-invalid="true"` : ''}><small class="hint">ADMIN_TOKEN, asked each time; it is not kept.</small></div>
<div class="actions"><button type="submit">Save mining settings</button> <button type="submit" name="reset" value="1" class="secondary" formnovalidate>Use the environment's values</button></div>
</form><p class="hint">Saved in history, so every Satscope process uses them within a minute; this one at once.${savedAt}</p>`,
  );
}
