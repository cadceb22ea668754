// Status: the runtime itself. Jobs, sources, cache tiers, live connections, dashboard traffic,
// process memory and event-loop lag. web/status.ts refreshes the `status.*` values every few seconds.
import { jobStatusesFrom } from '../../../scheduler.ts';
import { sourceStatusesFrom } from '../../../sources/source-tracker.ts';
import { runtimeStatus } from '../../routes/live.ts';
import { alertsReply } from '../../routes/alerts.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, stats, type View } from '../widgets.ts';

export function statusPage(ctx: PageContext): RenderedPage {
  const { app, r } = ctx;
  const v: View = { fmt: ctx.fmt };
  // Uptime and viewers move every second: this page follows the clock.
  const s = runtimeStatus(app, ctx.r.now());
  const jobs = jobStatusesFrom(r.get, app.jobs.map((j) => ({ name: j.name, intervalMs: j.intervalMs, timeoutMs: j.timeoutMs })));
  const sources = sourceStatusesFrom(r.get, app.sources.trackers);
  const runtime = card(
    { id: 'runtime', title: 'This process' },
    stats([
      ['Role', html`${s.role}${s.demo ? ' (demo)' : ''}`],
      ['Uptime', bound(v, 'status.uptimeSec', s.uptimeSec, 'duration')],
      ['Memory (RSS)', bound(v, 'status.process.rssBytes', s.process.rssBytes, 'bytes')],
      ['Heap used', bound(v, 'status.process.heapUsedBytes', s.process.heapUsedBytes, 'bytes')],
      ['Event-loop lag p99', html`${bound(v, 'status.process.eventLoopLagMs.p99', s.process.eventLoopLagMs.p99, 'dec')} ms`],
      ['Node.js', html`${s.process.node}`],
    ]),
  );
  const live = card(
    { id: 'live', title: 'Live connections and traffic', span2: true },
    stats([
      ['Live (SSE) clients', bound(v, 'status.sse.clients', s.sse.clients, 'int')],
      ['Events sent', bound(v, 'status.sse.eventsTotal', s.sse.eventsTotal, 'int')],
      ['Refused (caps)', bound(v, 'status.sse.refusedTotal', s.sse.refusedTotal, 'int')],
      ['Dropped (slow)', bound(v, 'status.sse.droppedSlowTotal', s.sse.droppedSlowTotal, 'int')],
      ['Active viewers', bound(v, 'status.traffic.activeViewers', s.traffic.activeViewers, 'int')],
      ...Object.entries(s.traffic.pageViews).map(([page, n]) => [`Views: ${page}`, bound(v, `status.traffic.pageViews.${page}`, n, 'int')] as [string, SafeHtml]),
    ]),
  );
  const views = s.cache.view;
  const cache = card(
    { id: 'cache', title: 'Read models' },
    stats([
      ['Views held', bound(v, null, views.views, 'int')],
      ['Served as built', bound(v, null, views.hits, 'int')],
      ['Builds', bound(v, null, views.misses, 'int')],
      ['History loads', bound(v, null, views.loads, 'int')],
    ]),
  );
  const jobTable = card(
    { id: 'jobs', title: 'Jobs', wide: true },
    html`<div class="table-wrap" tabindex="0" role="region" aria-label="Jobs"><table><thead><tr><th scope="col">Job</th><th scope="col">Last</th><th scope="col">Took</th><th scope="col">Finished</th><th scope="col">Next</th><th scope="col">Runs</th><th scope="col">Error</th></tr></thead><tbody>${jobs.map(
      (j) => html`<tr><th scope="row">${j.name}</th><td><span class="state state-${j.running ? 'running' : (j.lastOutcome ?? 'pending')}">${j.running ? 'running' : (j.lastOutcome ?? 'not run')}</span></td>
<td>${j.lastDurationMs === null ? '—' : j.lastDurationMs < 1000 ? `${j.lastDurationMs} ms` : `${(j.lastDurationMs / 1000).toLocaleString(ctx.fmt.locale, { maximumFractionDigits: 1 })} s`}</td><td>${j.lastFinishedAtMs ? bound(v, null, j.lastFinishedAtMs / 1000, 'ago') : '—'}</td><td>${bound(v, null, j.nextRunAtMs / 1000, 'until')}</td><td>${bound(v, null, j.runs, 'int')}</td><td>${j.lastError === null ? '' : html`<small>${j.lastErrorSummary ?? j.lastError}</small>${j.lastErrorSummary && j.lastErrorSummary !== j.lastError ? html`<details><summary>Detail</summary><code>${j.lastError}</code></details>` : ''}`}</td></tr>`,
    )}</tbody></table></div>`,
  );
  const sourceTable = card(
    { id: 'sources', title: 'Sources', wide: true },
    html`<div class="table-wrap" tabindex="0" role="region" aria-label="Sources"><table><thead><tr><th scope="col">Source</th><th scope="col">State</th><th scope="col">Breaker</th><th scope="col">Last good</th><th scope="col">Last error</th></tr></thead><tbody>${sources.map(
      (src) => html`<tr><th scope="row">${src.name}</th><td><span class="state state-${src.state}">${src.state}</span></td><td>${src.breaker}</td><td>${src.lastOkAtMs ? bound(v, null, src.lastOkAtMs / 1000, 'ago') : '—'}</td><td>${src.disabledReason ? html`<small>${src.disabledReason}</small>` : src.lastError && src.state !== 'ok' ? html`<small>${src.lastError.summary ?? src.lastError.message}</small>${src.lastError.summary ? html`<details><summary>Detail</summary><code>${src.lastError.message}</code></details>` : ''}` : html`<small>${src.lastError ? html`earlier: ${src.lastError.summary ?? src.lastError.message}` : ''}</small>`}</td></tr>`,
    )}</tbody></table></div>`,
  );
  const alerts = alertsReply(r);
  const channelTable = card(
    { id: 'channels', title: 'Alert notifications', wide: true },
    alerts.channels.length === 0
      ? html`<p class="hint">No channel is set: alerts show on the Health page and live in open pages (ALERT_WEBHOOK_URL, NTFY_URL, TELEGRAM_BOT_TOKEN or SMTP_URL add one).</p>`
      : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Alert channels"><table><thead><tr><th scope="col">Channel</th><th scope="col">Sends to</th><th scope="col">State</th><th scope="col">Last attempt</th><th scope="col">Last error</th></tr></thead><tbody>${alerts.channels.map(
          (c) => html`<tr><th scope="row">${c.name}</th><td>${c.target}</td><td><span class="state state-${c.state === 'failing' ? 'error' : c.state === 'ok' ? 'ok' : 'pending'}">${c.state}</span></td><td>${c.lastAttemptAtMs ? bound(v, null, c.lastAttemptAtMs / 1000, 'ago') : '—'}</td><td>${c.lastError ?? '—'}${c.state === 'failing' ? html` <small class="hint">(attempt ${c.attempts})</small>` : ''}</td></tr>`,
        )}</tbody></table></div>`,
  );
  return { title: 'Status', body: html`<div class="grid">${runtime}${live}${cache}${jobTable}${sourceTable}${channelTable}</div>` };
}
