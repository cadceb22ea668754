// The BTC price as the median of the sources that answered recently (CoinGecko, Coinbase,
// mempool.space), each source's value kept beside it; a minute point for the price history.
import { z } from 'zod';
import { publishEvent } from '../events.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

/** A quote older than this is left out of the median. */
export const QUOTE_MAX_AGE_MS = 10 * 60_000;

const fiatMap = z.object({ fiat: z.record(z.number()) });
/** Each source's price of BTC per currency it quotes (Coinbase: the BTC-USD product only). */
const QUOTES: { piece: string; read: (data: unknown) => Record<string, number> }[] = [
  { piece: 'coingecko.price', read: (d) => fiatMap.safeParse(d).data?.fiat ?? {} },
  {
    piece: 'coinbase.candles',
    read: (d): Record<string, number> => {
      const close = z.array(z.object({ close: z.number() })).safeParse(d).data?.at(-1)?.close;
      return close === undefined ? {} : { USD: close };
    },
  },
  { piece: 'mempool.prices', read: (d) => fiatMap.safeParse(d).data?.fiat ?? {} },
];

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function marketPriceJob(deps: JobDeps): JobDefinition {
  return {
    name: 'market-price',
    // Cheap (three store reads): often, so a new quote shows in the median within seconds.
    intervalMs: 10_000,
    timeoutMs: 10_000,
    cooldownMs: 1_000,
    async run() {
      const now = Date.now();
      const fresh = (
        await Promise.all(
          QUOTES.map(async (q) => {
            const piece = await deps.store.get(keys.publicPiece(q.piece));
            return piece && now - piece.asOfMs <= QUOTE_MAX_AGE_MS ? [{ source: piece.source, asOfMs: piece.asOfMs, prices: q.read(piece.data) }] : [];
          }),
        )
      ).flat();
      const byCurrency = (cur: string) => fresh.flatMap((f) => (f.prices[cur] !== undefined ? [{ source: f.source, value: f.prices[cur] as number, asOfMs: f.asOfMs }] : []));
      const quotes = byCurrency('USD').map((q) => ({ source: q.source, usd: q.value, asOfMs: q.asOfMs }));
      if (quotes.length === 0) return; // nothing fresh: the last median stays, and shows its age
      const usd = Math.round(median(quotes.map((q) => q.usd)) * 100) / 100;
      const fiat = Object.fromEntries(
        deps.config.fiatCurrencies.flatMap((cur) => {
          const qs = byCurrency(cur);
          return qs.length ? [[cur, { value: Math.round(median(qs.map((q) => q.value)) * 100) / 100, sources: qs }]] : [];
        }),
      );
      const previous = await deps.store.get(keys.publicPiece('market.price'));
      await deps.store.set(keys.publicPiece('market.price'), { source: quotes.map((q) => q.source).join('+'), asOfMs: now, data: { usd, sources: quotes, fiat } });
      // The live stream hears of the price before history is written: a history outage must not hold it back.
      if ((previous?.data as { usd?: number } | undefined)?.usd !== usd) await publishEvent(deps.store, 'price', { source: quotes.map((q) => q.source).join('+'), asOfMs: now, usd, fiat, sources: quotes }).catch(() => undefined);
      await deps.history.upsertPoints([{ series: 'price.usd', tsSec: Math.floor(now / 60_000) * 60, value: usd }]);
    },
  };
}
