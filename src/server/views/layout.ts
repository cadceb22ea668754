// The frame of every page: landmarks, skip link, navigation with the system monitor beside it (in
// the header, so it never covers content), the DEMO banner, and the two files the CSP allows. Page
// data for the browser modules goes in a JSON <script type="application/json"> block, which is
// data, not code.
import { DEFAULT_FORMAT, type FormatOptions } from '../../domain/format.ts';
import { VERSION } from '../routes/health.ts';
import type { Assets } from '../assets.ts';
import { dataAttrs, html, SafeHtml } from './html.ts';
import type { Prefs } from './prefs.ts';

export const NAV = [
  { path: '/', page: 'overview', label: 'Overview' },
  { path: '/market', page: 'market', label: 'Market' },
  { path: '/blocks', page: 'blocks', label: 'Blocks' },
  { path: '/nodes', page: 'nodes', label: 'Nodes' },
  { path: '/mining', page: 'mining', label: 'Mining' },
  { path: '/workers', page: 'workers', label: 'Workers' },
  { path: '/score', page: 'health', label: 'Health' },
  { path: '/status', page: 'status', label: 'Status' },
  { path: '/settings', page: 'settings', label: 'Settings' },
] as const;

// An orange dot, inline, so the browser does not ask for /favicon.ico.
const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#f7931a"/></svg>')}`;

export interface PageFrame {
  page: string;
  title: string;
  prefs: Prefs;
  fmt: FormatOptions;
  assets: Assets;
  demo: boolean;
  startedAtMs: number;
  /** Shown under the title when the chosen currency has no rate yet. */
  notice?: string;
  /** Read by the browser modules. */
  data?: unknown;
  /** A dependency is down: what the page can and cannot show meanwhile (a banner under the header). */
  degraded?: string;
}

/** JSON safe inside <script>: `<` cannot close the element. */
function jsonBlock(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}

export function formatOptions(prefs: Prefs, usdRate: number | null, nowMs: number): { fmt: FormatOptions; notice?: string } {
  if (prefs.currency !== 'USD' && usdRate === null) {
    return { fmt: { ...DEFAULT_FORMAT, locale: prefs.locale, nowMs }, notice: `No ${prefs.currency} price yet: amounts are shown in USD.` };
  }
  return { fmt: { locale: prefs.locale, currency: usdRate === null ? 'USD' : prefs.currency, usdRate: usdRate ?? 1, nowMs } };
}

export function layout(f: PageFrame, body: SafeHtml): string {
  const demo = f.demo ? html`<p class="demo-banner" role="note"><strong>DEMO</strong> — a local regtest node and recorded market data; nothing here is live Bitcoin.</p>` : '';
  const doc = html`<!doctype html>
<html lang="${f.prefs.locale.slice(0, 2)}"${dataAttrs({ theme: f.prefs.theme, locale: f.fmt.locale, currency: f.fmt.currency, 'usd-rate': f.fmt.usdRate, tz: f.fmt.timeZone && f.fmt.timeZone !== 'UTC' ? f.fmt.timeZone : null })}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${f.demo ? 'DEMO · ' : ''}${f.title} · Satscope</title>
<meta name="color-scheme" content="dark">
<link rel="icon" href="${FAVICON}">
<link rel="stylesheet" href="${f.assets.style.url}">
<script defer src="${f.assets.script.url}"></script>
</head>
<body${dataAttrs({ page: f.page, demo: f.demo ? '1' : null })}>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/">Satscope${f.demo ? html` <span class="demo-tag">DEMO</span>` : ''}</a>
<nav aria-label="Main"><ul>${NAV.map((n) => html`<li><a href="${n.path}"${n.page === f.page ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul></nav>
<form class="search" action="/search" method="get" role="search"><label class="sr-only" for="search-q">Search</label><input id="search-q" name="q" type="search" placeholder="Block height or hash" autocomplete="off" spellcheck="false" maxlength="100"></form>
<div class="monitor" role="group" aria-label="System monitor"${dataAttrs({ started: f.startedAtMs })}><button type="button" class="mon-toggle" aria-expanded="true" aria-controls="mon-items" title="Show or hide the monitor's details"><span class="dot" aria-hidden="true"></span><span id="mon-state" role="status">connecting</span></button>
<span id="mon-items"><span>up <b id="mon-uptime">—</b></span><span>update <b id="mon-age">—</b></span><span title="Server event-loop lag (p99) and memory">load <b id="mon-load">—</b></span></span></div></header>
${demo}${f.degraded ? html`<p class="degraded-banner" role="alert"><strong>Degraded</strong> — ${f.degraded}</p>` : ''}
<main id="main" tabindex="-1"><h1>${f.title}</h1>${f.notice ? html`<p class="notice" role="status">${f.notice}</p>` : ''}
${body}
</main>
<footer class="foot"><p>Satscope ${VERSION} · every value shows its source and age · <a href="/health">health</a> · <a href="/metrics">metrics</a></p></footer>
<script type="application/json" id="page-data">${jsonBlock(f.data ?? {})}</script>
</body></html>`;
  return doc.value;
}
