// Settings: theme, currency and locale, kept in one cookie (no account, works without JavaScript),
// and what is configured, with how to turn on what is not. Secrets never appear: node URLs are
// shown with their credentials masked.
import { redactUrl } from '../../../config.ts';
import { html } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { LOCALES, mergePrefs, prefsCookie, THEMES } from '../prefs.ts';
import { card, stats } from '../widgets.ts';

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
  return { title: 'Settings', body: html`<div class="grid">${form}${configured}</div>`, prefs, headers: changing ? ['set-cookie', prefsCookie(prefs)] : [] };
}
