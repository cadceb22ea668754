// The error page: what went wrong in plain words and where to go next. It needs no bundle, data or
// store, so it renders even when those are the problem.
import type { ServerResponse } from 'node:http';
import type { AppContext } from '../../app.ts';
import { SECURITY_HEADERS } from '../../responses.ts';
import { html } from '../html.ts';
import { NAV } from '../layout.ts';

export function errorPage(app: Pick<AppContext, 'demo'>, res: ServerResponse, status: number, message: string): number {
  const buf = Buffer.from(errorHtml(app, status, message));
  res.writeHead(status, [...SECURITY_HEADERS, 'content-type', 'text/html; charset=utf-8', 'content-length', String(buf.length), 'cache-control', 'no-store']);
  res.end(buf);
  return status;
}

export function errorHtml(app: Pick<AppContext, 'demo'>, status: number, message: string): string {
  const title = status === 404 ? 'Not found' : 'Something went wrong';
  const body = html`<!doctype html><html lang="en" data-theme="dark"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Satscope</title></head>
<body><header><a href="/">Satscope${app.demo ? ' DEMO' : ''}</a></header><main id="main"><h1>${status} · ${title}</h1><p>${message}</p>
<nav aria-label="Pages"><ul>${NAV.map((n) => html`<li><a href="${n.path}">${n.label}</a></li>`)}</ul></nav></main></body></html>`;
  return body.value;
}
