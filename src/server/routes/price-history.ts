// BTC price history: daily closes by range, an hourly series and statistics over N hours.
// From the data lake when it covers the window (every price tick, `source: lake`); otherwise from
// history: minute points (kept 7 days), and the hourly aggregates beyond.
import { z } from 'zod';
import { hourly, summarize } from '../../domain/stats.ts';
import { dayIso } from '../../jobs/backfill-closes.ts';
import type { AppContext } from '../app.ts';
import type { Loader } from '../../read-model/views.ts';
import { defineRoute, HISTORY_ERRORS } from '../route.ts';

const RANGE_DAYS = { '30d': 30, '90d': 90, '1y': 365, '10y': 3653, all: null } as const;
const RAW_HOURS = 168;
const SERIES = 'price.usd';
const hoursQuery = z.object({ hours: z.coerce.number().int().min(1).max(24 * 730).default(24).describe('how far back') }).strict();

/** From the lake when it covers the window (`lake`), else from history (`history`). */
async function hourlyRows(app: AppContext, hours: number, opts: { lake: boolean } = { lake: true }) {
  const toSec = Math.floor(Date.now() / 1000);
  const fromSec = toSec - hours * 3600;
  if (app.lake && opts.lake) {
    const fromLake = await app.lake.hourly(hours).catch(() => undefined);
    if (fromLake) return { source: 'lake' as const, resolution: 'tick' as const, raw: undefined, rows: fromLake.rows, lastSec: fromLake.lastMs / 1000 };
  }
  if (hours <= RAW_HOURS) {
    const raw = await app.history.rawPoints(SERIES, fromSec, toSec);
    return { source: 'history' as const, resolution: 'minute' as const, raw, rows: hourly(raw), lastSec: raw.at(-1)?.tsSec };
  }
  const agg = await app.history.aggregates('hour', SERIES, fromSec, toSec);
  return { source: 'history' as const, resolution: 'hour' as const, raw: undefined, rows: agg.map((a) => ({ hourSec: a.tsSec, avg: a.avg, min: a.min, max: a.max, count: a.count })), lastSec: agg.at(-1)?.tsSec };
}

async function statisticsOf(app: AppContext, hours: number) {
  if (app.lake) {
    const s = await app.lake.statistics(hours).catch(() => undefined);
    if (s) {
      const { lastMs, ...stats } = s;
      return { source: 'lake' as const, from: 'price ticks in the lake', lastSec: lastMs / 1000, stats };
    }
  }
  const h = await hourlyRows(app, hours, { lake: false });
  const values = h.raw ? h.raw.map((p) => p.value) : h.rows.map((r) => r.avg);
  return { source: 'history' as const, from: h.resolution === 'minute' ? 'minute prices' : 'hourly averages', lastSec: h.lastSec, stats: summarize(values) };
}

/** Minute points arrive every minute and closes once a day: price history is read again when 5 s old. */
const MAX_AGE_MS = 5_000;

export function priceHistoryRoutes(app: AppContext) {
  const closesLoader = (range: keyof typeof RANGE_DAYS): Loader<unknown> => ({
    key: `price-history:${range}`,
    maxAgeMs: MAX_AGE_MS,
    load: async () => {
      const days = RANGE_DAYS[range];
      const toSec = Math.floor(Date.now() / 1000);
      const closes = await app.history.closes(days === null ? 0 : toSec - days * 86_400, toSec);
      const last = closes.at(-1);
      return {
        range,
        source: last?.source ?? null,
        asOf: last ? dayIso(last.daySec) : null,
        count: closes.length,
        points: closes.map((c) => ({ date: dayIso(c.daySec), close: c.closeUsd, open: c.openUsd, high: c.highUsd, low: c.lowUsd, volumeBtc: c.volumeBtc })),
        ...(closes.length === 0 ? { reason: 'no daily closes yet: they load from Coinbase at start (or run `satscope backfill btc-closes`)' } : {}),
      };
    },
  });
  const hourlyLoader = (hours: number): Loader<Awaited<ReturnType<typeof hourlyRows>>> => ({ key: `price-hourly:${hours}`, maxAgeMs: MAX_AGE_MS, load: () => hourlyRows(app, hours) });
  const statsLoader = (hours: number): Loader<Awaited<ReturnType<typeof statisticsOf>>> => ({ key: `price-statistics:${hours}`, maxAgeMs: MAX_AGE_MS, load: () => statisticsOf(app, hours) });
  return [
    defineRoute({
      method: 'GET',
      path: '/api/bitcoin/history',
      summary: 'Daily BTC closes (open, high, low, close, volume)',
      doc: { errors: HISTORY_ERRORS },
      query: z.object({ range: z.enum(['30d', '90d', '1y', '10y', 'all']).default('1y').describe('how far back') }).strict(),
      handle: ({ req, res, query }) => app.views.serve(req, res, `/api/bitcoin/history?${query.range}`, (r) => ({ json: r.load(closesLoader(query.range)) })),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/bitcoin/hourly',
      summary: 'The BTC price by hour: average, low, high, count',
      doc: { errors: HISTORY_ERRORS },
      query: hoursQuery,
      handle: ({ req, res, query }) =>
        app.views.serve(req, res, `/api/bitcoin/hourly?${query.hours}`, (r) => {
          const h = r.load(hourlyLoader(query.hours));
          const rows = h?.rows ?? [];
          return {
            json: {
              hours: query.hours,
              from: h?.resolution ?? 'minute',
              source: h?.source ?? 'history',
              price: 'median of sources',
              asOf: h?.lastSec === undefined ? null : new Date(h.lastSec * 1000).toISOString(),
              points: rows.map((p) => ({ hour: new Date(p.hourSec * 1000).toISOString(), avg: p.avg, min: p.min, max: p.max, count: p.count })),
            },
          };
        }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/bitcoin/statistics',
      summary: 'Statistics of the BTC price over a window: average, low, high, median, std',
      doc: { errors: HISTORY_ERRORS },
      query: hoursQuery,
      handle: ({ req, res, query }) =>
        app.views.serve(req, res, `/api/bitcoin/statistics?${query.hours}`, (r) => {
          const s = r.load(statsLoader(query.hours));
          const stats = s?.stats ?? summarize([]);
          return {
            json: {
              hours: query.hours,
              from: s?.from ?? 'minute prices',
              source: s?.source ?? 'history',
              price: 'median of sources',
              asOf: s?.lastSec === undefined ? null : new Date(s.lastSec * 1000).toISOString(),
              ...stats,
              ...(stats.count === 0 ? { reason: 'no prices recorded in that window yet' } : {}),
            },
          };
        }),
    }),
  ];
}
