// BTC price history: daily closes by range, an hourly series and statistics over N hours.
// Minute points are kept 7 days; longer spans are answered from the hourly aggregates.
import { z } from 'zod';
import { hourly, summarize } from '../../domain/stats.ts';
import { dayIso } from '../../jobs/backfill-closes.ts';
import type { AppContext } from '../app.ts';
import type { Loader } from '../../read-model/views.ts';
import { defineRoute } from '../route.ts';

const RANGE_DAYS = { '30d': 30, '90d': 90, '1y': 365, '10y': 3653, all: null } as const;
const RAW_HOURS = 168;
const SERIES = 'price.usd';
const hoursQuery = z.object({ hours: z.coerce.number().int().min(1).max(24 * 730).default(24) }).strict();

async function hourlyRows(app: AppContext, hours: number) {
  const toSec = Math.floor(Date.now() / 1000);
  const fromSec = toSec - hours * 3600;
  if (hours <= RAW_HOURS) {
    const raw = await app.history.rawPoints(SERIES, fromSec, toSec);
    return { resolution: 'minute' as const, raw, rows: hourly(raw) };
  }
  const agg = await app.history.aggregates('hour', SERIES, fromSec, toSec);
  return { resolution: 'hour' as const, raw: undefined, rows: agg.map((a) => ({ hourSec: a.tsSec, avg: a.avg, min: a.min, max: a.max, count: a.count })) };
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
  return [
    defineRoute({
      method: 'GET',
      path: '/api/bitcoin/history',
      query: z.object({ range: z.enum(['30d', '90d', '1y', '10y', 'all']).default('1y') }).strict(),
      handle: ({ req, res, query }) => app.views.serve(req, res, `/api/bitcoin/history?${query.range}`, (r) => ({ json: r.load(closesLoader(query.range)) })),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/bitcoin/hourly',
      query: hoursQuery,
      handle: ({ req, res, query }) =>
        app.views.serve(req, res, `/api/bitcoin/hourly?${query.hours}`, (r) => {
          const { resolution, rows } = r.load(hourlyLoader(query.hours)) ?? { resolution: 'minute', rows: [] };
          const last = rows.at(-1);
          return {
            json: {
              hours: query.hours,
              from: resolution,
              source: 'median of sources',
              asOf: last ? new Date(last.hourSec * 1000).toISOString() : null,
              points: rows.map((h) => ({ hour: new Date(h.hourSec * 1000).toISOString(), avg: h.avg, min: h.min, max: h.max, count: h.count })),
            },
          };
        }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/bitcoin/statistics',
      query: hoursQuery,
      handle: ({ req, res, query }) =>
        app.views.serve(req, res, `/api/bitcoin/statistics?${query.hours}`, (r) => {
          const { resolution, raw, rows } = r.load(hourlyLoader(query.hours)) ?? { resolution: 'minute', raw: [], rows: [] };
          const values = raw ? raw.map((p) => p.value) : rows.map((h) => h.avg);
          const stats = summarize(values);
          const lastTs = raw ? raw.at(-1)?.tsSec : rows.at(-1)?.hourSec;
          return {
            json: {
              hours: query.hours,
              from: resolution === 'minute' ? 'minute prices' : 'hourly averages',
              source: 'median of sources',
              asOf: lastTs === undefined ? null : new Date(lastTs * 1000).toISOString(),
              ...stats,
              ...(stats.count === 0 ? { reason: 'no prices recorded in that window yet' } : {}),
            },
          };
        }),
    }),
  ];
}
