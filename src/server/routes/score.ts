// The health score API (the scorecard's v2 shapes): the latest scorecard, a time series of the
// overall score, a pillar or a metric with its statistics, and one metric with its percentiles.
// Each reply is a read model: the scorecard from the store, series from history (reloaded each minute).
import { z } from 'zod';
import { METRICS, metricById, metricSeries, OVERALL_SERIES, pillarSeries } from '../../domain/score-metrics.ts';
import { PILLAR_IDS, PILLARS, percentileOf, seriesStats, WINDOW_DAYS, type ScoreSnapshot } from '../../domain/score.ts';
import { SatscopeError } from '../../errors.ts';
import type { Loader, Reader } from '../../read-model/views.ts';
import { readPoints } from '../../store/history/read-series.ts';
import { keys } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';
import { defineRoute, HISTORY_ERRORS } from '../route.ts';
import { activeAlerts } from './alerts.ts';

const DAY = 86_400;
/** Series gain a point every few minutes: a window is read again when it is a minute old. */
const SERIES_MAX_AGE_MS = 60_000;
export const WAITING = 'waiting for the first score (the score job runs every 10 minutes once a source has answered)';

/** The latest scorecard in the v2 shape, with the age of each input source. */
export function latestReply(r: Reader) {
  const s = r.get(keys.score);
  if (!s) return { overall: null, status: 'unknown', pillars: {}, alerts: activeAlerts(r), data_freshness: {}, asOf: null, reason: WAITING };
  const now = r.now();
  return {
    overall: s.overall,
    status: s.status,
    pillars: Object.fromEntries(PILLAR_IDS.map((p) => [p, s.pillars[p]])),
    alerts: activeAlerts(r),
    data_freshness: Object.fromEntries(Object.entries(s.freshness).map(([src, ms]) => [src, { asOf: new Date(ms).toISOString(), ageSec: Math.max(0, Math.round((now - ms) / 1000)) }])),
    asOf: new Date(s.asOfMs).toISOString(),
    ...(s.overall === null ? { reason: 'no metric has enough history yet: each needs 30 days (see each metric\'s reason)' } : {}),
  };
}

const timeseriesQuery = z
  .object({
    kind: z.enum(['overall', 'pillar', 'metric']).default('overall').describe('the overall score, a pillar or a metric'),
    id: z.string().max(40).optional().describe(`the pillar (${PILLAR_IDS.join(', ')}) or the metric (see /api/v2/score/latest)`),
    days: z.coerce.number().int().min(1).max(3650).default(30).describe('how far back: raw points up to 2 days, hourly up to 7, daily beyond'),
  })
  .strict();

function seriesFor(kind: 'overall' | 'pillar' | 'metric', id: string | undefined): { series: string; id: string } {
  if (kind === 'overall') {
    if (id !== undefined && id !== 'overall') throw new SatscopeError('BAD_REQUEST', 'invalid query: id: the overall score has the id "overall"', { details: [{ field: 'id', message: 'must be overall' }] });
    return { series: OVERALL_SERIES, id: 'overall' };
  }
  if (kind === 'pillar') {
    if (!id || !(PILLAR_IDS as string[]).includes(id)) throw new SatscopeError('BAD_REQUEST', `invalid query: id: a pillar is one of ${PILLAR_IDS.join(', ')}`, { details: [{ field: 'id', message: `one of ${PILLAR_IDS.join(', ')}` }] });
    return { series: pillarSeries(id), id };
  }
  if (!id || !metricById.has(id)) throw new SatscopeError('BAD_REQUEST', `invalid query: id: a metric is one of ${METRICS.map((m) => m.id).join(', ')}`, { details: [{ field: 'id', message: 'an unknown metric' }] });
  return { series: metricSeries(id), id };
}

export function scoreRoutes(app: AppContext) {
  const series = (name: string, days: number): Loader<{ tsSec: number; value: number }[]> => ({
    key: `score-series:${name}:${days}`,
    maxAgeMs: SERIES_MAX_AGE_MS,
    load: () => {
      const toSec = Math.floor(Date.now() / 1000);
      return readPoints(app.history, name, toSec - days * DAY, toSec, days <= 2 ? 'raw' : days <= 7 ? 'hour' : 'day');
    },
  });
  return [
    app.jsonView('/api/v2/score/latest', (r) => ({ json: latestReply(r) }), 'The health scorecard: overall score, pillars, metrics, freshness, alerts'),
    defineRoute({
      method: 'GET',
      path: '/api/v2/score/timeseries',
      summary: "The overall score, a pillar's or a metric's values over time, with statistics",
      doc: { errors: HISTORY_ERRORS },
      query: timeseriesQuery,
      handle: ({ req, res, query }) => {
        const { series: name, id } = seriesFor(query.kind, query.id);
        return app.views.serve(req, res, `/api/v2/score/timeseries?${query.kind}:${id}:${query.days}`, (r) => {
          const points = r.load(series(name, query.days)) ?? [];
          return {
            json: {
              kind: query.kind,
              id,
              days: query.days,
              resolution: query.days <= 2 ? 'raw' : query.days <= 7 ? 'hour' : 'day',
              data: points.map((p) => ({ ts: new Date(p.tsSec * 1000).toISOString(), value: p.value })),
              statistics: seriesStats(points.map((p) => p.value)),
            },
          };
        });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v2/metrics/:id',
      summary: 'One health metric: method, latest result, percentiles of its year, last 24 hours',
      doc: { params: { id: `the metric: ${METRICS.map((m) => m.id).join(', ')}` }, errors: { 404: 'no metric of that name', ...HISTORY_ERRORS } },
      handle: ({ req, res, params }) => {
        const def = metricById.get(params.id ?? '');
        if (!def) throw new SatscopeError('NOT_FOUND', `no metric ${String(params.id).slice(0, 40)}; the metrics are ${METRICS.map((m) => m.id).join(', ')}`);
        return app.views.serve(req, res, `/api/v2/metrics/${def.id}`, (r) => {
          const year = r.load(series(metricSeries(def.id), WINDOW_DAYS)) ?? [];
          const day = r.load(series(metricSeries(def.id), 1)) ?? [];
          const s: ScoreSnapshot | undefined = r.get(keys.score);
          const result = s?.pillars[def.pillar]?.metrics[def.id] ?? null;
          const values = year.map((p) => p.value);
          return {
            json: {
              id: def.id,
              title: def.title,
              pillar: def.pillar,
              pillarTitle: PILLARS[def.pillar].title,
              method: def.method,
              ...(result ?? { value: null, unit: def.unit, score: null, percentile: null, reason: WAITING }),
              percentiles: values.length ? { p10: percentileOf(values, 10), p25: percentileOf(values, 25), p50: percentileOf(values, 50), p75: percentileOf(values, 75), p90: percentileOf(values, 90) } : null,
              stats24h: seriesStats(day.map((p) => p.value)),
            },
          };
        });
      },
    }),
  ];
}
