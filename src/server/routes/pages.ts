// The dashboard's pages and the bundled assets they load. Each page is rendered on the server with
// the data the jobs have by now (no empty shells) in the reader's theme, locale and currency.
import { DEFER_CLOCK } from '../../domain/format.ts';
import { SatscopeError, describeError } from '../../errors.ts';
import { keys } from '../../store/keys.ts';
import type { Built, Loader, Reader } from '../../read-model/views.ts';
import { lazyAssets, type Assets } from '../assets.ts';
import { SECURITY_HEADERS } from '../responses.ts';
import type { AppContext } from '../app.ts';
import { defineRoute } from '../route.ts';
import { deleteRule, saveRule } from '../../alert-rules.ts';
import { builtinOverrideSchema, customRuleSchema } from '../../domain/alerts.ts';
import { requestJobRun } from '../../job-status.ts';
import { ALERT_FORM_FIELDS, alertFormOutcome, type AlertFormOutcome } from '../views/pages/settings-alerts.ts';
import { BLOCK_ID, BLOCK_PARAM, txPageOf } from './bitcoin.ts';
import { readSettings } from '../mining-data.ts';
import { formatOptions, layout } from '../views/layout.ts';
import type { PageRenderer, SettingsForm } from '../views/page.ts';
import { z } from 'zod';
import { MINING_SETTING_FIELDS, miningSettingsInput } from '../../domain/mining-settings.ts';
import { nudgeMiningJobs, resetMiningSettings, saveMiningSettings } from '../../mining-settings.ts';
import { bootPage } from '../views/pages/boot.ts';
import { blockPage, blocksPage } from '../views/pages/blocks.ts';
import { errorHtml, errorPage } from '../views/pages/error.ts';
import { marketPage } from '../views/pages/market.ts';
import { miningPage } from '../views/pages/mining.ts';
import { nodesPage } from '../views/pages/nodes.ts';
import { workersPage } from '../views/pages/workers.ts';
import { overviewPage } from '../views/pages/overview.ts';
import { settingsPage } from '../views/pages/settings.ts';
import { statusPage } from '../views/pages/status.ts';
import { healthPage } from '../views/pages/health.ts';
import { docsPage } from '../views/pages/docs.ts';
import { DEFAULT_PREFS, mergePrefs, readPrefs, type Prefs } from '../views/prefs.ts';

/** What in the query a page's reply depends on, normalized, so that a page that ignores its query is one view however it is asked for. */
type Variant = (query: URLSearchParams, prefs: Prefs, currencies: readonly string[]) => string;

const settingsVariant: Variant = (query, prefs, currencies) => {
  const changing = query.has('theme') || query.has('currency') || query.has('locale');
  const { outcome, field } = alertFormOutcome(query);
  const alerts = outcome ? `alerts:${outcome}:${field ?? ''}` : '';
  if (!changing) return alerts;
  const saved = mergePrefs(prefs, query, currencies);
  return `save:${saved.theme}:${saved.currency}:${saved.locale}${alerts}`;
};

/** `miningZone`: the page gives payout and earnings dates in the timezone set for mining. `summary`: its line in the API description. */
const PAGES: { path: string; page: string; summary: string; render: PageRenderer; variant?: Variant; miningZone?: boolean }[] = [
  { path: '/', page: 'overview', summary: 'Overview: tip, fees, mempool, chain, price and the BTC chart', render: overviewPage },
  { path: '/market', page: 'market', summary: 'Market: KPIs, the BTC chart, the top 50 coins, BTC beside other assets', render: marketPage },
  { path: '/blocks', page: 'blocks', summary: 'Recent blocks', render: blocksPage },
  { path: '/blocks/:id', page: 'block', summary: "One block's detail and its transactions (?page=)", render: blockPage, variant: (query) => `page${txPageOf(query)}` },
  { path: '/nodes', page: 'nodes', summary: 'Your nodes, your Electrum server and the public network', render: nodesPage },
  { path: '/mining', page: 'mining', summary: 'Your OCEAN account: hashrate, earnings, payouts, profitability', render: miningPage, miningZone: true },
  { path: '/workers', page: 'workers', summary: 'Your workers as cards', render: workersPage, miningZone: true },
  { path: '/score', page: 'health', summary: 'Health: the network health score, its metrics and alerts', render: healthPage },
  { path: '/status', page: 'status', summary: 'Status: this process, jobs, sources, alert channels, the data lake', render: statusPage },
  { path: '/settings', page: 'settings', summary: 'Settings: display preferences, mining settings, alert rules', render: settingsPage, variant: settingsVariant },
  { path: '/boot', page: 'boot', summary: "The retro boot sequence: this runtime's checks", render: bootPage },
  { path: '/docs', page: 'docs', summary: 'This API as a page', render: docsPage },
];

/** USD → the chosen currency, from the median price of each. */
function usdRate(r: Reader, currency: string): number | null {
  if (currency === 'USD') return 1;
  const piece = r.get(keys.publicPiece('market.price'));
  const data = piece?.data as { usd?: number; fiat?: Record<string, { value: number }> } | undefined;
  const value = data?.fiat?.[currency]?.value;
  return data?.usd && value ? value / data.usd : null;
}

const ASSETS_KEY = 'assets';
const PAGE_DOC = { reply: { types: ['text/html'], statuses: { 200: 'the page' } } };
const NO_QUERY = new URLSearchParams();

const STORE_NAMES: Record<string, string> = { redis: 'Redis', memory: 'memory' };
const HISTORY_NAMES: Record<string, string> = { postgres: 'PostgreSQL', sqlite: 'SQLite' };

/**
 * What a page says while the store or the history database is down (the dependency probe's last
 * result; pages are rebuilt when it changes): the page is still served from what this process
 * holds, and the banner says which part may be stale.
 */
export function degradedNotice(r: Reader, app: Pick<AppContext, 'probe' | 'store' | 'history'>): string | undefined {
  r.track(app.probe);
  const parts: string[] = [];
  if (app.probe.store.status === 'down') parts.push(`the state store (${STORE_NAMES[app.store.kind] ?? app.store.kind}) is not answering: the values here are the last this server received, and new ones arrive again when it is back`);
  if (app.probe.history.status === 'down') parts.push(`the history database (${HISTORY_NAMES[app.history.kind] ?? app.history.kind}) is not answering: charts and tables from history show what was last loaded until it is back`);
  if (parts.length === 0) return undefined;
  const text = parts.join('. And ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}. Nothing needs doing here: Satscope reconnects by itself.`;
}

export function pageRoutes(app: AppContext) {
  const assets = lazyAssets();
  const assetsLoader: Loader<Assets> = { key: ASSETS_KEY, load: assets };
  // One view per page, path parameters, query and preferences: each variant is built when what it read changed.
  const pageBuilder = ({ page, render, miningZone }: (typeof PAGES)[number]) => (params: Record<string, string>, query: URLSearchParams, prefs: Prefs, form?: SettingsForm) => (r: Reader): Built => {
    const built = r.load(assetsLoader);
    if (!built) throw new SatscopeError('INTERNAL', 'the page assets are not built');
    const degraded = degradedNotice(r, app);
    // Ages are deferred (filled in when served): a page is built when its data changes, not every second.
    const options = formatOptions(prefs, usdRate(r, prefs.currency), DEFER_CLOCK);
    const { notice } = options;
    const fmt = miningZone ? { ...options.fmt, timeZone: readSettings(r, app).timezone } : options.fmt;
    try {
      const out = render({ app, r, params, query, prefs, fmt, ...(form ? { form } : {}) });
      const frame = { page, title: out.title, prefs: out.prefs ?? prefs, fmt, assets: built, demo: app.demo, startedAtMs: app.startedAtMs, notice, data: out.data, ...(degraded ? { degraded } : {}) };
      // A page that sets a cookie (Settings saving) or answers a form is not to be kept by any cache.
      return { html: layout(frame, out.body), status: out.status ?? 200, headers: out.headers, cacheControl: out.headers?.length || form ? 'no-store' : 'no-cache', vary: 'cookie' };
    } catch (err) {
      if (err instanceof SatscopeError && err.status < 500) return { html: errorHtml(app, err.status, err.message, prefs.theme), status: err.status, cacheControl: 'no-store' };
      throw err;
    }
  };
  const pages = PAGES.map((def) => {
    const { path, page, summary, variant } = def;
    const build = pageBuilder(def);
    if (!path.includes(':')) app.views.declare(`page ${path}|${DEFAULT_PREFS.theme}|${DEFAULT_PREFS.currency}|${DEFAULT_PREFS.locale}${variant ? '|' : ''}`, build({}, NO_QUERY, DEFAULT_PREFS));
    return defineRoute({
      method: 'GET',
      path,
      summary,
      doc: path === '/blocks/:id' ? { ...PAGE_DOC, params: BLOCK_PARAM, errors: { 400: 'not a block height or hash', 404: "not in Satscope's history" } } : PAGE_DOC,
      handle: ({ req, res, params }) => {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const query = variant && q !== -1 ? new URLSearchParams(url.slice(q + 1)) : NO_QUERY;
        const prefs = readPrefs(req, app.config.fiatCurrencies);
        // A malformed block id is answered without making a view of it (client input never names a view it cannot use).
        if (path === '/blocks/:id' && !BLOCK_ID.test(params.id ?? '')) return errorPage(app, res, 400, 'A block is named by its height or its 64-character hash.', prefs.theme);
        app.traffic.recordView(page);
        const name = `page ${path === '/blocks/:id' ? `/blocks/${(params.id ?? '').toLowerCase()}` : path}|${prefs.theme}|${prefs.currency}|${prefs.locale}${variant ? `|${variant(query, prefs, app.config.fiatCurrencies)}` : ''}`;
        const served = app.views.serveIfCurrent(req, res, name);
        if (served !== undefined) return served;
        const view = (): number | Promise<number> => app.views.serve(req, res, name, build(params, query, prefs));
        try {
          const out = view();
          return typeof out === 'number' ? out : out.catch((err: unknown) => failed(err));
        } catch (err) {
          return failed(err);
        }
        function failed(err: unknown): number {
          app.log.error('page failed', { page, err: describeError(err) });
          return errorPage(app, res, 500, 'This page could not be rendered. The error is in the server log.', prefs.theme);
        }
      },
    });
  });
  const settingsBuild = pageBuilder(PAGES.find((p) => p.page === 'settings') as (typeof PAGES)[number]);
  return [
    ...pages,
    // The Settings page's mining form: saved with the admin token typed into it, answered with the page (what was saved, or what is wrong).
    defineRoute({
      method: 'POST',
      path: '/settings',
      summary: "The Settings page's mining form, saved with the admin token typed into it",
      doc: { reply: { types: ['text/html'], statuses: { 200: 'the Settings page, saying what was saved or what is wrong' } } },
      bodyType: 'form',
      body: z.record(z.string().max(200, 'a field is too long')).refine((o) => Object.keys(o).length <= 20, 'too many fields'),
      handle: async ({ req, res, body, clientIp }) => {
        const prefs = readPrefs(req, app.config.fiatCurrencies);
        const { token, reset, ...fields } = body;
        const values = Object.fromEntries(Object.entries(fields).filter(([k]) => (MINING_SETTING_FIELDS as readonly string[]).includes(k)));
        let form: SettingsForm;
        if (!app.config.adminToken) form = { outcome: 'disabled', values, errors: [{ field: 'token', message: 'Saving is off: set ADMIN_TOKEN to edit these settings here.' }] };
        else if (!token || !app.isAdminToken(token)) {
          app.log.warn('settings not saved: wrong admin token', { ip: clientIp });
          form = { outcome: 'unauthorized', values, errors: [{ field: 'token', message: 'that is not the admin token' }] };
        } else if (reset) {
          form = { outcome: 'reset', values: {}, errors: [], settings: await resetMiningSettings(app) };
        } else {
          const parsed = miningSettingsInput(app.config.fiatCurrencies).safeParse(values);
          if (!parsed.success) form = { outcome: 'invalid', values, errors: parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? 'form'), message: i.message })) };
          else {
            form = { outcome: 'saved', values: {}, errors: [], settings: await saveMiningSettings(app, parsed.data) };
          }
        }
        if (form.outcome === 'saved' || form.outcome === 'reset') {
          app.log.info('mining settings saved', { ip: clientIp, reset: form.outcome === 'reset' });
          await nudgeMiningJobs(app);
        }
        const out = app.views.once(settingsBuild({}, NO_QUERY, prefs, form));
        return (out instanceof Promise ? await out : out).send(req, res);
      },
    }),
    // The Settings page's alert-rule forms: saved with the admin token, answered by a redirect back to the rules with the outcome.
    defineRoute({
      method: 'POST',
      path: '/settings/alerts',
      summary: "The Settings page's alert-rule forms, saved with the admin token typed into them",
      doc: { reply: { statuses: { 303: 'back to /settings#alerts with the outcome in the query' } } },
      bodyType: 'form',
      body: z.record(z.string().max(200, 'a field is too long')).refine((o) => Object.keys(o).length <= 20, 'too many fields'),
      handle: async ({ res, body, clientIp }) => {
        const back = (outcome: AlertFormOutcome, field?: string) => {
          const f = field && (ALERT_FORM_FIELDS as readonly string[]).includes(field) ? `&field=${field}` : '';
          res.writeHead(303, [...SECURITY_HEADERS, 'location', `/settings?alerts=${outcome}${f}#alerts`, 'cache-control', 'no-store', 'content-length', '0']);
          res.end();
          return 303;
        };
        if (!app.config.adminToken) return back('disabled');
        if (!body.token || !app.isAdminToken(body.token)) {
          app.log.warn('alert rule not saved: wrong admin token', { ip: clientIp });
          return back('unauthorized');
        }
        const id = (body.id ?? '').trim();
        if (body.action === 'delete') {
          const deleted = await deleteRule(app, id);
          if (deleted) app.log.info('alert rule deleted', { ip: clientIp, rule: id.slice(0, 48) });
          await requestJobRun(app.store, app.jobs, 'alerts').catch(() => undefined);
          return back(deleted ? 'deleted' : 'not-found');
        }
        const parsed = ruleFromForm(body);
        if (!parsed.success) return back('invalid', String(parsed.error.issues[0]?.path[0] ?? ''));
        await saveRule(app, parsed.data);
        app.log.info('alert rule saved', { ip: clientIp, rule: parsed.data.id });
        await requestJobRun(app.store, app.jobs, 'alerts').catch(() => undefined);
        return back('saved');
      },
    }),
    // The header's search box: a block height or hash goes to that block; anything else is told what it can search for.
    defineRoute({
      method: 'GET',
      path: '/search',
      summary: 'The search box: a block height or hash goes to that block (?q=)',
      doc: { reply: { types: ['text/html'], statuses: { 303: 'to the block' } }, errors: { 400: 'not a block height or hash: a page saying what can be searched for' } },
      handle: ({ req, res }) => {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        let term = '';
        try {
          term = (new URLSearchParams(q === -1 ? '' : url.slice(q + 1)).get('q') ?? '').trim().replace(/^#/, '').replace(/,/g, '');
        } catch {
          term = '';
        }
        if (BLOCK_ID.test(term)) {
          res.writeHead(303, [...SECURITY_HEADERS, 'location', `/blocks/${term.toLowerCase()}`, 'cache-control', 'no-store', 'content-length', '0']);
          res.end();
          return 303;
        }
        const shown = term.length > 80 ? `${term.slice(0, 80)}…` : term;
        return errorPage(app, res, 400, term ? `Nothing to find for "${shown}": search for a block by its height or its 64-character hash.` : 'Type a block height or a block hash to search.', readPrefs(req, app.config.fiatCurrencies).theme);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/assets/:name',
      summary: "The browser's script and stylesheet, named by their content hash",
      doc: { params: { name: 'the file name the pages link, e.g. app.<hash>.js' }, reply: { types: ['text/javascript', 'text/css'], statuses: { 200: 'the file, cached as immutable' } }, errors: { 404: 'no asset of that name' } },
      handle: async ({ req, res, params }) => {
        const found = (await assets()).byUrl.get(`/assets/${params.name ?? ''}`);
        if (!found) throw new SatscopeError('NOT_FOUND', `no asset ${params.name ?? ''} (assets are named by their content hash; reload the page)`);
        return found.response.send(req, res);
      },
    }),
  ];
}

/** A rule from the Settings forms' fields: numbers from text, the kind's own names for the level. */
function ruleFromForm(body: Record<string, string>) {
  const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v));
  const common = { id: (body.id ?? '').trim(), ...(body.title ? { title: body.title } : {}), ...(body.severity ? { severity: body.severity } : {}), ...(num(body.cooldownMin) !== undefined ? { cooldownMin: num(body.cooldownMin) } : {}) };
  if (body.action === 'builtin') {
    return builtinOverrideSchema.safeParse({ ...common, ...(body.enabled ? { enabled: body.enabled === 'true' } : {}), ...(num(body.level) !== undefined ? { level: num(body.level) } : {}) });
  }
  const kind = body.kind ?? 'threshold';
  const rising = body.op !== 'below';
  const level = num(body.level);
  if (kind === 'change') return customRuleSchema.safeParse({ ...common, kind, series: body.series, op: rising ? 'rise' : 'fall', pct: level, windowMin: num(body.windowMin) ?? 60 });
  if (kind === 'stale') return customRuleSchema.safeParse({ ...common, kind, series: body.series, afterMin: level });
  return customRuleSchema.safeParse({ ...common, kind, series: body.series, op: rising ? 'above' : 'below', level });
}
