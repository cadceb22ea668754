// Chart data, columnar ({t: [...], v: [...]}) and downsampled on the server to what a chart can
// show (`points`, at most 2,000), as JSON for the charts or CSV for export. Each chart names the
// series it reads, your node's first and the public one when there is no node.
import { z } from 'zod';
import { downsample, resolutionFor, type Resolution } from '../../domain/charts.ts';
import { readSeries } from '../../store/history/read-series.ts';
import { METRICS, metricSeries, OVERALL_SERIES } from '../../domain/score-metrics.ts';
import { SatscopeError } from '../../errors.ts';
import type { AppContext } from '../app.ts';
import type { Built, Loader } from '../../read-model/views.ts';
import { defineRoute, HISTORY_ERRORS } from '../route.ts';

export const RANGES = { '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400, '90d': 90 * 86_400, '1y': 365 * 86_400, '10y': 3653 * 86_400, all: 20 * 366 * 86_400 } as const;
type Range = keyof typeof RANGES;

interface Series {
  t: number[];
  v: number[];
  source: string;
  resolution: Resolution;
}

interface ChartDef {
  title: string;
  unit: string;
  /** A fixed y axis (a score is read against 0–100, not against its own swing). */
  yRange?: [number, number];
  read(app: AppContext, fromSec: number, toSec: number, resolution: Resolution): Promise<Series>;
}

/** A series at the range's resolution (see readSeries), named by its source. */
async function seriesPoints(app: AppContext, series: string, fromSec: number, toSec: number, resolution: Resolution): Promise<Series> {
  return { ...(await readSeries(app.history, series, fromSec, toSec, resolution)), source: series, resolution };
}

const nodeOrPublic = (nodeSeries: string, publicSeries: string) => (app: AppContext, fromSec: number, toSec: number, resolution: Resolution) =>
  seriesPoints(app, app.nodes.length > 0 ? nodeSeries : publicSeries, fromSec, toSec, resolution);

export const CHARTS: Record<string, ChartDef> = {
  price: {
    title: 'BTC price',
    unit: 'USD',
    // Daily closes where they are kept (backfilled and recorded each day), today's price at the end.
    async read(app, fromSec, toSec, resolution) {
      if (resolution === 'day') {
        const closes = await app.history.closes(fromSec, toSec);
        if (closes.length >= 2) {
          const t = closes.map((c) => c.daySec);
          const v = closes.map((c) => c.closeUsd);
          const today = Math.floor(toSec / 86_400) * 86_400;
          const last = (await app.history.rawPoints('price.usd', Math.max(today, toSec - 3600), toSec)).at(-1);
          if (last && (t.at(-1) ?? 0) < today) {
            t.push(last.tsSec);
            v.push(last.value);
          }
          return { t, v, source: 'daily closes (coinbase)', resolution };
        }
      }
      return seriesPoints(app, 'price.usd', fromSec, toSec, resolution);
    },
  },
  hashrate: { title: 'Hashrate', unit: 'H/s', read: nodeOrPublic('chain.hashrate_hs', 'network.hashrate_hs') },
  difficulty: { title: 'Difficulty', unit: '', read: nodeOrPublic('chain.difficulty', 'network.difficulty') },
  mempool: { title: 'Mempool transactions', unit: 'tx', read: nodeOrPublic('mempool.tx_count', 'network.mempool.tx_count') },
  fees: { title: 'Next-block fee rate', unit: 'sat/vB', read: nodeOrPublic('fees.next_block_median', 'network.fees.fastest') },
  score: { title: 'Network health score', unit: '', yRange: [0, 100], read: (app, fromSec, toSec, resolution) => seriesPoints(app, OVERALL_SERIES, fromSec, toSec, resolution) },
  mining: { title: 'Your hashrate (10 min average)', unit: 'H/s', read: (app, fromSec, toSec, resolution) => seriesPoints(app, 'mining.hashrate_10m_hs', fromSec, toSec, resolution) },
  // Each health metric's own history (its daily values, backfilled and measured), as `metric-<id>`.
  ...Object.fromEntries(
    METRICS.map((m): [string, ChartDef] => [`metric-${m.id}`, { title: m.title, unit: m.unit === '%' ? 'pct' : m.unit, read: (app, fromSec, toSec, resolution) => seriesPoints(app, metricSeries(m.id), fromSec, toSec, resolution) }]),
  ),
};

/** Sparklines are redrawn from history every 15 s (they are built into the page, not streamed). */
const SPARK_MAX_AGE_MS = 15_000;
export const SPARK_POINTS = 96;

/** The last `range` of a chart, downsampled for a sparkline on a card. */
export function sparkLoader(app: AppContext, name: keyof typeof CHARTS & string, range: Range, points = SPARK_POINTS): Loader<{ t: number[]; v: number[] }> {
  const def = CHARTS[name] as ChartDef;
  return {
    key: `spark:${name}:${range}:${points}`,
    maxAgeMs: SPARK_MAX_AGE_MS,
    load: async () => {
      const toSec = Math.floor(Date.now() / 1000);
      const s = await def.read(app, toSec - RANGES[range], toSec, resolutionFor(RANGES[range]));
      return downsample(s.t, s.v, points);
    },
  };
}

function csv(name: string, range: string, unit: string, s: { t: number[]; v: number[] }): Built {
  const rows = s.t.map((t, i) => `${new Date(t * 1000).toISOString()},${s.v[i]}`);
  return {
    text: `time,${name}${unit ? `_${unit.replace(/[^A-Za-z0-9]/g, '')}` : ''}\n${rows.join('\n')}\n`,
    contentType: 'text/csv; charset=utf-8',
    headers: ['content-disposition', `attachment; filename="satscope-${name}-${range}.csv"`],
    cacheControl: 'no-store',
  };
}

/** Series gain a point a minute: a chart's data is read again when it is 5 s old. */
const CHART_MAX_AGE_MS = 5_000;

export function chartRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/charts/:name',
      summary: 'A chart series: downsampled as JSON, or every point as CSV',
      doc: {
        params: { name: `the chart: ${Object.keys(CHARTS).filter((c) => !c.startsWith('metric-')).join(', ')}, or metric-<id> for a health metric` },
        reply: { types: ['application/json', 'text/csv'], statuses: { 200: "columnar `{t, v}` at the range's resolution, or CSV with format=csv" } },
        errors: { 404: 'no chart of that name', ...HISTORY_ERRORS },
      },
      query: z
        .object({
          range: z.enum(Object.keys(RANGES) as [Range, ...Range[]]).default('30d').describe('how far back'),
          points: z.coerce.number().int().min(10).max(2000).default(800).describe('at most this many points (JSON)'),
          format: z.enum(['json', 'csv']).default('json'),
        })
        .strict(),
      handle: ({ req, res, params, query }) => {
        const name = params.name ?? '';
        // Own keys only: a name such as `__proto__` or `toString` must not reach the prototype.
        const def = Object.hasOwn(CHARTS, name) ? CHARTS[name] : undefined;
        if (!def) throw new SatscopeError('NOT_FOUND', `no chart ${name}: one of ${Object.keys(CHARTS).join(', ')}`);
        const loader: Loader<Series> = {
          key: `chart:${name}:${query.range}`,
          maxAgeMs: CHART_MAX_AGE_MS,
          load: () => {
            const toSec = Math.floor(Date.now() / 1000);
            return def.read(app, toSec - RANGES[query.range], toSec, resolutionFor(RANGES[query.range]));
          },
        };
        return app.views.serve(req, res, `/api/v1/charts/${name}?${query.range}:${query.points}:${query.format}`, (r) => {
          const raw = r.load(loader) ?? { t: [], v: [], source: '', resolution: resolutionFor(RANGES[query.range]) };
          // CSV export gives every point; the chart gets what it can draw.
          if (query.format === 'csv') return csv(name, query.range, def.unit, raw);
          const s = downsample(raw.t, raw.v, query.points);
          return { json: { chart: name, title: def.title, unit: def.unit, range: query.range, resolution: raw.resolution, source: raw.source, points: raw.t.length, t: s.t, v: s.v, ...(def.yRange ? { yRange: def.yRange } : {}), ...(raw.t.length === 0 ? { reason: `no ${def.title.toLowerCase()} history yet: it fills as the jobs run${name === 'price' ? ' (or run satscope backfill btc-closes)' : name === 'score' ? ' (a score appears once a metric has 30 days of history)' : ''}` } : {}) } };
        });
      },
    }),
  ];
}
