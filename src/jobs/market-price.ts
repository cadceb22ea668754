// The BTC price as the median of the sources that answered recently (CoinGecko, Coinbase,
// mempool.space), each source's value kept beside it; a minute point for the price history.
import { z } from 'zod';
import { publishEvent } from '../events.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

/** A quote older than this is left out of the median. */
export const QUOTE_MAX_AGE_MS = 10 * 60_000;

export const priceSchema = z.object({
  usd: z.number(),
  sources: z.array(z.object({ source: z.string(), usd: z.number(), asOfMs: z.number() })),
});

const QUOTES: { piece: string; read: (data: unknown) => number | undefined }[] = [
  { piece: 'coingecko.price', read: (d) => z.object({ usd: z.number() }).safeParse(d).data?.usd },
  { piece: 'coinbase.candles', read: (d) => z.array(z.object({ close: z.number() })).safeParse(d).data?.at(-1)?.close },
  { piece: 'mempool.prices', read: (d) => z.object({ fiat: z.record(z.number()) }).safeParse(d).data?.fiat.USD },
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
    lockTtlMs: 20_000,
    cooldownMs: 1_000,
    async run() {
      const now = Date.now();
      const quotes = (
        await Promise.all(
          QUOTES.map(async (q) => {
            const piece = await deps.store.get(keys.publicPiece(q.piece));
            const usd = piece ? q.read(piece.data) : undefined;
            return piece && usd !== undefined && now - piece.asOfMs <= QUOTE_MAX_AGE_MS ? [{ source: piece.source, usd, asOfMs: piece.asOfMs }] : [];
          }),
        )
      ).flat();
      if (quotes.length === 0) return; // nothing fresh: the last median stays, and shows its age
      const usd = Math.round(median(quotes.map((q) => q.usd)) * 100) / 100;
      const previous = await deps.store.get(keys.publicPiece('market.price'));
      await deps.store.set(keys.publicPiece('market.price'), { source: quotes.map((q) => q.source).join('+'), asOfMs: now, data: { usd, sources: quotes } });
      await deps.history.upsertPoints([{ series: 'price.usd', tsSec: Math.floor(now / 60_000) * 60, value: usd }]);
      if ((previous?.data as { usd?: number } | undefined)?.usd !== usd) await publishEvent(deps.store, 'price', { usd, sources: quotes }).catch(() => undefined);
    },
  };
}
