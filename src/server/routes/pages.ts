// The dashboard's pages and the bundled assets they load. Each page is rendered on the server with
// the data the jobs have by now (no empty shells) in the reader's theme, locale and currency.
import type { ServerResponse } from 'node:http';
import { SatscopeError, describeError } from '../../errors.ts';
import { keys } from '../../store/keys.ts';
import { lazyAssets } from '../assets.ts';
import type { AppContext } from '../app.ts';
import { SECURITY_HEADERS } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { formatOptions, layout } from '../views/layout.ts';
import type { PageRenderer } from '../views/page.ts';
import { bootPage } from '../views/pages/boot.ts';
import { blockPage, blocksPage } from '../views/pages/blocks.ts';
import { errorPage } from '../views/pages/error.ts';
import { marketPage } from '../views/pages/market.ts';
import { nodesPage } from '../views/pages/nodes.ts';
import { overviewPage } from '../views/pages/overview.ts';
import { settingsPage } from '../views/pages/settings.ts';
import { statusPage } from '../views/pages/status.ts';
import { readPrefs } from '../views/prefs.ts';

const PAGES: { path: string; page: string; render: PageRenderer }[] = [
  { path: '/', page: 'overview', render: overviewPage },
  { path: '/market', page: 'market', render: marketPage },
  { path: '/blocks', page: 'blocks', render: blocksPage },
  { path: '/blocks/:id', page: 'block', render: blockPage },
  { path: '/nodes', page: 'nodes', render: nodesPage },
  { path: '/status', page: 'status', render: statusPage },
  { path: '/settings', page: 'settings', render: settingsPage },
  { path: '/boot', page: 'boot', render: bootPage },
];

/** USD → the chosen currency, from the median price of each. */
async function usdRate(app: AppContext, currency: string): Promise<number | null> {
  if (currency === 'USD') return 1;
  const piece = await app.store.get(keys.publicPiece('market.price'));
  const data = piece?.data as { usd?: number; fiat?: Record<string, { value: number }> } | undefined;
  const value = data?.fiat?.[currency]?.value;
  return data?.usd && value ? value / data.usd : null;
}

function sendHtml(res: ServerResponse, status: number, markup: string, extra: readonly string[] = []): number {
  const body = Buffer.from(markup);
  res.writeHead(status, [...SECURITY_HEADERS, 'content-type', 'text/html; charset=utf-8', 'content-length', String(body.length), 'cache-control', 'no-store', ...extra]);
  res.end(body);
  return status;
}

export function pageRoutes(app: AppContext) {
  const assets = lazyAssets();
  const pages = PAGES.map(({ path, page, render }) =>
    defineRoute({
      method: 'GET',
      path,
      handle: async ({ req, res, params }) => {
        const nowMs = Date.now();
        const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
        const prefs = readPrefs(req, app.config.fiatCurrencies);
        const [built, rate] = await Promise.all([assets(), usdRate(app, prefs.currency)]);
        const { fmt, notice } = formatOptions(prefs, rate, nowMs);
        try {
          const out = await render({ app, req, params, query, prefs, fmt, nowMs });
          app.traffic.recordView(page);
          const frame = { page, title: out.title, prefs: out.prefs ?? prefs, fmt, assets: built, demo: app.demo, startedAtMs: app.startedAtMs, notice, data: out.data };
          return sendHtml(res, out.status ?? 200, layout(frame, out.body), out.headers);
        } catch (err) {
          if (err instanceof SatscopeError && err.status < 500) return errorPage(app, res, err.status, err.message);
          app.log.error('page failed', { page, err: describeError(err) });
          return errorPage(app, res, 500, 'This page could not be rendered. The error is in the server log.');
        }
      },
    }),
  );
  return [
    ...pages,
    defineRoute({
      method: 'GET',
      path: '/assets/:name',
      handle: async ({ req, res, params }) => {
        const found = (await assets()).byUrl.get(`/assets/${params.name ?? ''}`);
        if (!found) throw new SatscopeError('NOT_FOUND', `no asset ${params.name ?? ''} (assets are named by their content hash; reload the page)`);
        return found.response.send(req, res);
      },
    }),
  ];
}
