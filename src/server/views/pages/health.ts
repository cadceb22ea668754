// Health: one 0–100 answer with the evidence behind it. A gauge of the overall score, the five
// pillars with their weights, each metric with its value, its rank within its own year and its
// score (or why it is left out), the score's history, and the method in plain words.
import { METRICS } from '../../../domain/score-metrics.ts';
import { DEGRADED_AT, HEALTHY_AT, MIN_HISTORY_DAYS, PILLAR_IDS, PILLARS, type MetricResult } from '../../../domain/score.ts';
import { latestReply } from '../../routes/score.ts';
import { alertsReply } from '../../routes/alerts.ts';
import { formatValue } from '../../../domain/format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';
import { sparkLoader } from '../../routes/charts.ts';
import { bound, card, chart, freshness, sparkline, unavailable, type View } from '../widgets.ts';

const STATUS_WORDS = { healthy: 'Healthy', degraded: 'Degraded', critical: 'Critical', unknown: 'Not enough history yet' } as const;

/** A semicircle gauge as inline SVG (no inline style: the strict CSP holds); the arc's length is the score. */
function gauge(score: number | null, status: keyof typeof STATUS_WORDS): SafeHtml {
  const r = 80;
  const half = Math.PI * r;
  const filled = score === null ? 0 : (Math.max(0, Math.min(100, score)) / 100) * half;
  return html`<figure class="gauge gauge-${status}"><svg viewBox="0 0 200 115" role="img" aria-label="Health score ${score === null ? 'not available' : Math.round(score)} of 100, ${STATUS_WORDS[status]}">
<path class="gauge-track" d="M 20 100 A 80 80 0 0 1 180 100" fill="none" stroke-width="16"/>
<path class="gauge-fill" d="M 20 100 A 80 80 0 0 1 180 100" fill="none" stroke-width="16" stroke-dasharray="${filled.toFixed(2)} ${half.toFixed(2)}"/>
<text x="100" y="92" text-anchor="middle" class="gauge-value">${score === null ? '—' : String(Math.round(score))}</text>
<text x="20" y="113" text-anchor="middle" class="gauge-tick">0</text><text x="180" y="113" text-anchor="middle" class="gauge-tick">100</text>
</svg><figcaption>${STATUS_WORDS[status]}</figcaption></figure>`;
}

const UNIT_KIND: Record<string, Parameters<typeof bound>[3]> = { '%': 'dec', HHI: 'int', bits: 'dec', blocks: 'dec', r: 'dec', min: 'dec', 'USD/TH/day': 'fiat', '×': 'dec' };

function metricRow(ctx: PageContext, v: View, id: string, m: MetricResult): SafeHtml {
  const def = METRICS.find((x) => x.id === id);
  // A year in 40 points (about nine days each): fifteen of them keep the page light.
  const spark = ctx.r.load(sparkLoader(ctx.app, `metric-${id}`, '1y', 40));
  const dir = m.direction === 'higher-better' ? 'higher is better' : m.direction === 'lower-better' ? 'lower is better' : `best within ${m.band?.[0]}–${m.band?.[1]}`;
  return html`<tr><th scope="row"><span title="${def?.method ?? ''}">${def?.title ?? id}</span><br><small class="hint">${dir} · weight ${Math.round(m.weight * 100)} %</small></th>
<td data-label="Value">${m.value === null ? html`<span class="why">—</span>` : html`${bound(v, null, m.value, UNIT_KIND[m.unit] ?? 'dec')} <small>${m.unit === 'USD/TH/day' ? '/ TH / day' : m.unit}</small>`}${m.source ? html`<small class="val-src">${m.source}</small>` : ''}</td>
<td data-label="Percentile in its year">${m.percentile === null ? '—' : html`${bound(v, null, m.percentile, 'dec')} <small>%</small>`}</td>
<td data-label="Score" class="metric-score">${m.score === null ? html`<span class="why">${m.reason ?? 'not scored'}</span>` : html`<b>${bound(v, null, m.score, 'int')}</b> <small>${m.band && m.value !== null && m.value >= m.band[0] && m.value <= m.band[1] ? `inside its ${m.band[0]}–${m.band[1]} band · ` : ''}${m.historyDays} days of data</small>`}</td>
<td data-label="History" class="metric-spark">${spark && spark.t.length > 1 ? sparkline(v, spark, { span: '1 y', kind: UNIT_KIND[m.unit] ?? 'dec', label: def?.title ?? id }) : html`<span class="why">no history yet</span>`}</td></tr>`;
}

const SEVERITY_WORDS: Record<string, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

/** What is firing now, what fired lately, and whether the notifications get through. */
function alertsCard(ctx: PageContext): SafeHtml {
  const a = alertsReply(ctx.r);
  const when = (iso: string) => formatValue(Date.parse(iso) / 1000, 'datetime', ctx.fmt);
  const resolved = a.recent.filter((f) => f.state === 'resolved').slice(0, 5);
  const failing = a.channels.filter((c) => c.state === 'failing');
  const enabled = a.rules.filter((r) => r.enabled).length;
  return card(
    { id: 'alerts', title: a.active.length ? `Alerts · ${a.active.length} firing` : 'Alerts', span2: true },
    html`${a.reason ? html`<p class="hint">${a.reason}</p>` : a.active.length === 0 ? html`<p class="ok-line">Nothing is firing. ${enabled} rule${enabled === 1 ? '' : 's'} on (see Settings).</p>` : ''}
<ul class="alert-list">${a.active.map((f) => html`<li class="alert-item sev-${f.severity}"><b>${SEVERITY_WORDS[f.severity] ?? f.severity}: ${f.title}</b> <small>since ${when(f.firedAt)}</small><br>${f.message}</li>`)}</ul>
${resolved.length ? html`<details><summary>Resolved lately (${resolved.length})</summary><ul class="alert-list">${resolved.map((f) => html`<li class="alert-item resolved"><b>${f.title}</b> <small>${when(f.firedAt)} – ${f.resolvedAt ? when(f.resolvedAt) : ''}</small><br>${f.message}</li>`)}</ul></details>` : ''}
${a.channels.length === 0 ? html`<p class="hint">No notification channel is set: alerts show here and live in the page. Set ALERT_WEBHOOK_URL, NTFY_URL, TELEGRAM_BOT_TOKEN or SMTP_URL to be told elsewhere.</p>` : html`<p class="hint">Notified by ${a.channels.map((c) => c.name).join(', ')}.${failing.length ? html` <b class="why">Not delivered: ${failing.map((c) => `${c.name}: ${(c.lastError ?? 'no answer').replace(new RegExp(`^${c.name}: `), '')}`).join('; ')}.</b> Check the channel's URL and that its receiver runs; each attempt is on the Status page.` : ''}</p>`}`,
  );
}

export function healthPage(ctx: PageContext): RenderedPage {
  const v: View = { fmt: ctx.fmt };
  const s = latestReply(ctx.r);
  const pillars = s.pillars as Record<string, { title: string; score: number | null; weight: number; status: keyof typeof STATUS_WORDS; metrics: Record<string, MetricResult> }>;
  const asOfMs = s.asOf ? Date.parse(s.asOf) : null;
  const fresh = freshness(v, 'score', { source: 'score job', asOfMs, stale: asOfMs !== null && ctx.r.after(asOfMs + 30 * 60_000 + 1), reason: 'the score job has not run for 30 minutes', staleAfterMs: 30 * 60_000 });
  const head = card(
    { id: 'score', title: 'Network health', fresh },
    html`${gauge(s.overall, s.status as keyof typeof STATUS_WORDS)}${s.reason ? html`<p class="hint">${s.reason}</p>` : ''}
<dl class="stats">${PILLAR_IDS.map((p) => {
      const x = pillars[p];
      const all = Object.values(x?.metrics ?? {});
      const scored = all.filter((m) => m.score !== null).length;
      return html`<div><dt>${PILLARS[p].title} <small>(weight ${Math.round(PILLARS[p].weight * 100)} %)</small></dt><dd>${x?.score === null || x?.score === undefined ? html`<span class="why">no scored metric</span>` : html`${bound(v, null, x.score, 'int')} <small class="score-${x.status}">${STATUS_WORDS[x.status]}</small> <small class="hint">${scored} of ${all.length} metrics</small>`}</dd></div>`;
    })}</dl>`,
  );
  const history = card({ id: 'score-history', title: 'Score over time', span2: true }, chart({ id: 'chart-score', name: 'score', title: 'Health score', ranges: ['7d', '30d', '90d', '1y'], range: '30d' }));
  const tables = PILLAR_IDS.map((p) => {
    const x = pillars[p];
    return card(
      { id: `pillar-${p}`, title: `${PILLARS[p].title} · ${x?.score === null || x?.score === undefined ? '—' : Math.round(x.score)}`, wide: true },
      x
        ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="${PILLARS[p].title} metrics"><table class="stacking metrics"><thead><tr><th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Percentile in its year</th><th scope="col">Score</th><th scope="col">History</th></tr></thead><tbody>${Object.entries(x.metrics).map(([id, m]) => metricRow(ctx, v, id, m))}</tbody></table></div>`
        : unavailable('waiting for the first score'),
    );
  });
  const method = card(
    { id: 'method', title: 'How the score is made', wide: true },
    html`<p>Each metric is measured every 10 minutes from what Satscope already collects: your node when it runs on mainnet, else the public sources named beside each value. Its daily values are kept, and today's value is ranked among the days of the last year: a rank of 80 means it is higher than 80 % of them. That rank is the metric's score when higher is better, 100 minus it when lower is better; a metric with a target band scores 100 inside the band and, outside, by how its distance from the band compares with the year's.</p>
<p>A metric needs ${MIN_HISTORY_DAYS} days of history before it counts: until then it is shown with how many days it has and is left out, never guessed. A pillar is the weighted mean of its scored metrics, and the overall score the weighted mean of the pillars that have one (security 30 %, decentralization 25 %, throughput, adoption and Lightning 15 % each), with the weights spread over what has data. ${HEALTHY_AT} and above is healthy, ${DEGRADED_AT} and above degraded, below that critical. The block subsidy follows the height, so hashprice stays right across halvings.</p>`,
  );
  return { title: 'Health', body: html`<div class="grid">${head}${alertsCard(ctx)}${history}${tables}${method}</div>` };
}
