// Coinbase Exchange candles: arrays [time, low, high, open, close, volume], newest first, time in
// unix seconds at the bucket start, at most 300 per request, days without trades skipped.
import { z } from 'zod';
import type { UpstreamClient } from '../http/upstream-client.ts';

export const MAX_CANDLES = 300;
const n = z.number();
export const candlesSchema = z
  .array(z.tuple([n, n, n, n, n, n]))
  .transform((rows) => rows.map(([tsSec, low, high, open, close, volumeBtc]) => ({ tsSec, low, high, open, close, volumeBtc })).sort((a, b) => a.tsSec - b.tsSec));
export type Candle = z.output<typeof candlesSchema>[number];

export function coinbase(client: UpstreamClient, signal?: AbortSignal) {
  return {
    /** Daily candles in [startSec, endSec); without bounds, the latest ≤300 days (the last one still forming). */
    dailyCandles: (startSec?: number, endSec?: number) => {
      const range = startSec !== undefined && endSec !== undefined ? `&start=${new Date(startSec * 1000).toISOString()}&end=${new Date(endSec * 1000).toISOString()}` : '';
      return client.getJson(`/products/BTC-USD/candles?granularity=86400${range}`, candlesSchema, { signal });
    },
  };
}
