// The error page: what went wrong in plain words and where to go next, in the dashboard's own look.
// It needs no data or store, so it renders even when those are the problem; it links the
// stylesheet once the assets have been built, and reads plainly without it.
import type { ServerResponse } from 'node:http';
import type { AppContext } from '../../app.ts';
import { builtAssets } from '../../assets.ts';
import { SECURITY_HEADERS } from '../../responses.ts';
import { html } from '../html.ts';
import { NAV } from '../layout.ts';

export function errorPage(app: Pick<AppContext, 'demo'>, res: ServerResponse, status: number, message: string, theme: string = 'dark', extraHeaders: readonly string[] = []): number {
  const buf = Buffer.from(errorHtml(app, status, message, theme));
  res.writeHead(status, [...SECURITY_HEADERS, 'content-type', 'text/html; charset=utf-8', 'content-length', String(buf.length), 'cache-control', 'no-store', ...extraHeaders]);
  res.end(buf);
  return status;
}

const TITLES: Record<number, string> = { 400: 'Bad request', 404: 'Not found', 405: 'Not allowed', 429: 'Too many requests', 503: 'Unavailable' };

/** `theme` comes from the reader's preferences cookie (already checked against the known themes). */
export function errorHtml(app: Pick<AppContext, 'demo'>, status: number, message: string, theme: string = 'dark'): string {
  const title = TITLES[status] ?? 'Something went wrong';
  const style = builtAssets()?.style.url;
  const body = html`<!doctype html><html lang="en" data-theme="${theme}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Satscope</title>${style ? html`<link rel="stylesheet" href="${style}">` : ''}</head>
<body data-page="error"><header class="top"><a class="brand" href="/">Satscope${app.demo ? html` <span class="demo-tag">DEMO</span>` : ''}</a>
<nav aria-label="Main"><ul>${NAV.map((n) => html`<li><a href="${n.path}">${n.label}</a></li>`)}</ul></nav></header>
<main id="main" class="error-main"><section class="card error-card" aria-labelledby="error-h"><p class="error-code">${status}</p><h1 id="error-h">${title}</h1><p>${message}</p>
<p class="error-next"><a class="button" href="/">Go to the Overview</a>${status >= 500 ? html` <a href="/status">See the system status</a>` : ''}</p></section></main></body></html>`;
  return body.value;
}
