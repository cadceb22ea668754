// Status: the runtime itself. Jobs, sources, cache tiers, live connections, dashboard traffic,
// process memory and event-loop lag. web/status.ts refreshes the `status.*` values every few seconds.
import { jobStatusesFrom } from '../../../job-status.ts';
import { sourceStatusesFrom } from '../../../sources/source-tracker.ts';
import { runtimeStatus } from '../../routes/live.ts';
import type { TrafficFigures } from '../../traffic.ts';
import { alertsReply } from '../../routes/alerts.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { bound, card, hourBars, stats, unavailable, type View } from '../widgets.ts';
import { keys } from '../../../store/keys.ts';
import { lakeQueryStats } from '../../routes/system.ts';

export function statusPage(ctx: PageContext): RenderedPage {
  const { app, r } = ctx;
  const v: View = { fmt: ctx.fmt };
  // Uptime and viewers move every second: this page follows the clock.
  const s = runtimeStatus(app, ctx.r.now());
  const jobs = jobStatusesFrom(r.get, app.jobs.map((j) => ({ name: j.name, intervalMs: j.intervalMs, timeoutMs: j.timeoutMs })), r.now());
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
    html`${stats([
      ['Live (SSE) clients', bound(v, 'status.sse.clients', s.sse.clients, 'int')],
      ['Events sent', bound(v, 'status.sse.eventsTotal', s.sse.eventsTotal, 'int')],
      ['Refused (caps)', bound(v, 'status.sse.refusedTotal', s.sse.refusedTotal, 'int')],
      ['Dropped (slow)', bound(v, 'status.sse.droppedSlowTotal', s.sse.droppedSlowTotal, 'int')],
      ['Active viewers', bound(v, 'status.traffic.activeViewers', s.traffic.activeViewers, 'int')],
      ...Object.entries(s.traffic.pageViews).map(([page, n]) => [`Views: ${page}`, bound(v, `status.traffic.pageViews.${page}`, n, 'int')] as [string, SafeHtml]),
    ])}${trafficScope(s.traffic)}`,
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
  return { title: 'Status', body: html`<div class="grid">${runtime}${live}${cache}${jobTable}${sourceTable}${channelTable}${lakeCard(ctx, v)}</div>` };
}


/** Whose viewers and page views the figures are: every web process's (shared store) or this one's, and why. */
function trafficScope(t: TrafficFigures): SafeHtml {
  if (t.scope === 'shared') return html`<p class="hint">Viewers and page views of every web process, each tab counted once (shared through Redis); live connections are this process's.</p>`;
  if (!t.reason) return html`<p class="hint">Viewers and page views of this process.</p>`;
  return html`<p class="hint">${t.reason}</p>${t.detail ? html`<details><summary>Technical detail</summary><code>${t.detail}</code></details>` : ''}`;
}

/** The data lake: its state, tables, the buffer, the last flush and upload, errors, and rows per hour. */
function lakeCard(ctx: PageContext, v: View): SafeHtml {
  const { app, r } = ctx;
  const s = r.get(keys.lakeStatus);
  const title = 'Data lake';
  if (!s) {
    return card(
      { id: 'lake', title, wide: true },
      unavailable(app.config.lake.enabled ? 'Waiting for the stream pipeline: it writes its first figures within seconds of starting (satscope start with LAKE=on, or satscope stream).' : 'The lake is off (LAKE=off): price ticks are not kept as Parquet files.'),
    );
  }
  const q = lakeQueryStats(app);
  const now = r.now();
  const hourNow = Math.floor(now / 3_600_000) * 3_600_000;
  const fromMs = hourNow - 47 * 3_600_000;
  const rows = s.tables.reduce((n, t) => n + t.rows, 0);
  const inWindow = s.rowsPerHour.filter((h) => h.hourMs >= fromMs).reduce((n, h) => n + h.rows, 0);
  const problems = s.errors.slice(0, 3);
  const flushMs = s.settings.flushSec * 1000;
  // Failing: an error in the last 10 minutes; behind: rows waiting past two flush intervals.
  const failing = s.errors.some((e) => now - e.atMs < 600_000) || (s.s3?.failing ?? 0) > 0;
  const behind = s.buffer.oldestAcceptedMs !== null && now - s.buffer.oldestAcceptedMs > 2 * flushMs + 60_000;
  const state = failing ? ['error', 'failing'] : behind ? ['stale', 'behind'] : ['ok', 'ok'];
  const hourRange = (ms: number | null) => (ms ? `${new Date(ms).toISOString().slice(0, 13).replace('T', ' ')}:00–${String((new Date(ms).getUTCHours() + 1) % 24).padStart(2, '0')}:00` : '—');
  return card(
    { id: 'lake', title, wide: true },
    html`${stats([
      ['State', html`<span class="state state-${state[0]}">${state[1]}</span>`],
      ['Rows kept', bound(v, null, rows, 'int')],
      ['On disk', bound(v, null, s.tables.reduce((n, t) => n + t.bytes, 0), 'bytes')],
      ['Rows waiting', html`${bound(v, null, s.buffer.rows, 'int')}${s.buffer.oldestAcceptedMs ? html` <small class="hint">(oldest ${bound(v, null, s.buffer.oldestAcceptedMs / 1000, 'ago')})</small>` : ''}`],
      ['Last write', s.lastFlush ? html`${bound(v, null, s.lastFlush.atMs / 1000, 'ago')} <small class="hint">(${s.lastFlush.rows} rows)</small>` : html`not yet`],
      ['Copy to S3', s.s3 ? html`${s.s3.lastUpload ? html`last ${bound(v, null, s.s3.lastUpload.atMs / 1000, 'ago')}` : 'nothing yet'}${s.s3.pending ? html`, ${s.s3.pending} waiting` : ''}${s.s3.failing ? html` <span class="state state-error">${s.s3.failing} failing</span>` : ''}` : html`off`],
      ['Price queries: lake / history', q ? html`${q.answered} / ${q.notCovered}` : html`—`],
    ])}
<p class="hint">Rows are written to Parquet every ${s.settings.flushSec} s (or every ${s.settings.flushRows.toLocaleString(ctx.fmt.locale)} rows); each finished hour is merged into one file${s.s3 ? html` and copied to ${s.s3.target}` : html` (set LAKE_S3_URL to copy each finished hour to S3)`}.</p>
${hourBars(v, s.rowsPerHour.map((h) => ({ hourMs: h.hourMs, value: h.rows })), { label: 'Rows per hour, by each row\'s own time, last 48 hours', fromMs, hours: 48, unit: `rows in these 48 hours${rows > inWindow ? ` (${(rows - inWindow).toLocaleString(ctx.fmt.locale)} older)` : ''}` })}
<div class="table-wrap" tabindex="0" role="region" aria-label="Lake tables"><table><thead><tr><th scope="col">Table</th><th scope="col">Rows</th><th scope="col">First hour (UTC)</th><th scope="col">Last hour (UTC)</th><th scope="col">Size</th><th scope="col">Files</th><th scope="col">Hour folders</th></tr></thead><tbody>${s.tables.map(
      (t) => html`<tr><th scope="row">${t.table}</th><td>${bound(v, null, t.rows, 'int')}</td><td>${hourRange(t.firstHourMs)}</td><td>${hourRange(t.lastHourMs)}</td><td>${bound(v, null, t.bytes, 'bytes')}</td><td>${bound(v, null, t.files, 'int')}</td><td>${bound(v, null, t.partitions, 'int')}</td></tr>`,
    )}</tbody></table></div>
<p class="hint">A row sits in the hour of its own time: a block in the hour it was mined, a price when it was seen.</p>
${problems.length ? html`<p class="hint">Recent problems:</p><ul>${problems.map((e) => html`<li><span class="state state-error">${e.what}</span> ${bound(v, null, e.atMs / 1000, 'ago')}: ${e.message}</li>`)}</ul>` : ''}
<p class="hint">Files: <code>${app.config.lake.dir}/&lt;table&gt;/year=YYYY/month=MM/day=DD/hour=HH/</code>. <code>satscope lake ddl</code> prints the tables for DuckDB, Athena or Trino.</p>`,
  );
}
