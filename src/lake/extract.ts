// What the stream takes from the state Satscope already keeps: the BTC price (the median of the
// sources and each source's quote, in every configured currency), the recommended fee levels, the
// mempool's size and the recent blocks. Only real changes become rows: a price that moved by more
// than the minimum change, fee levels or a mempool that differ from the last written, a block not
// written before. The change filter's memory is kept with the buffer, so a restart does not write
// the same value again.
import { z } from 'zod';
import { keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { eventId, SCHEMA_VERSION, type LakeRow } from './tables.ts';

const quote = z.object({ source: z.string(), asOfMs: z.number() });
const priceData = z.object({
  usd: z.number(),
  sources: z.array(quote.extend({ usd: z.number() })),
  fiat: z.record(z.object({ value: z.number(), sources: z.array(quote.extend({ value: z.number() })) })).optional(),
});
const feesData = z.object({ fastestSatVb: z.number(), halfHourSatVb: z.number(), hourSatVb: z.number(), economySatVb: z.number(), minimumSatVb: z.number() });
const mempoolData = z.object({ txCount: z.number(), vsize: z.number(), totalFeeSats: z.number() });
const blocksData = z.array(
  z.object({ hash: z.string(), height: z.number(), timeSec: z.number(), txCount: z.number(), sizeBytes: z.number(), weight: z.number(), totalFeeSats: z.number(), rewardSats: z.number(), medianFeeRate: z.number(), pool: z.string().nullable() }).passthrough(),
);

/** What the state holds now, read once. */
export interface Snapshot {
  price?: { asOfMs: number; data: z.infer<typeof priceData> };
  fees?: { source: string; asOfMs: number; data: z.infer<typeof feesData> };
  mempool?: { source: string; asOfMs: number; data: z.infer<typeof mempoolData> };
  blocks?: { source: string; data: z.infer<typeof blocksData> };
}

/** The state keys the stream reads (it reads them again when one is written). */
export const EXTRACTED_KEYS = [keys.publicPiece('market.price'), keys.publicPiece('mempool.fees'), keys.publicPiece('mempool.mempool'), keys.publicPiece('mempool.blocks')] as const;

export async function readSnapshot(store: Store): Promise<Snapshot> {
  const [price, fees, mempool, blocks] = await Promise.all(EXTRACTED_KEYS.map((k) => store.get(k)));
  const out: Snapshot = {};
  const p = price && priceData.safeParse(price.data);
  if (price && p?.success) out.price = { asOfMs: price.asOfMs, data: p.data };
  const f = fees && feesData.safeParse(fees.data);
  if (fees && f?.success) out.fees = { source: fees.source, asOfMs: fees.asOfMs, data: f.data };
  const m = mempool && mempoolData.safeParse(mempool.data);
  if (mempool && m?.success) out.mempool = { source: mempool.source, asOfMs: mempool.asOfMs, data: m.data };
  const b = blocks && blocksData.safeParse(blocks.data);
  if (blocks && b?.success) out.blocks = { source: blocks.source, data: b.data };
  return out;
}

/** How many block hashes the filter remembers (more than mempool.space's recent list). */
const BLOCKS_REMEMBERED = 64;

/**
 * The rows that are new in `snap` given what was written last (`last`, key → JSON), and the
 * filter's new memory. Pure.
 */
export function changedRows(snap: Snapshot, last: ReadonlyMap<string, string>, opts: { currencies: readonly string[]; minChangePct: number }): { rows: LakeRow[]; lastValues: Map<string, string> } {
  const rows: LakeRow[] = [];
  const next = new Map<string, string>();
  const moved = (key: string, value: number): boolean => {
    const prev = last.get(key);
    if (prev === undefined) return true;
    const p = Number(prev);
    if (!Number.isFinite(p)) return true;
    if (opts.minChangePct === 0) return value !== p;
    return p === 0 ? value !== 0 : (Math.abs(value - p) / Math.abs(p)) * 100 > opts.minChangePct;
  };
  const price = (currency: string, source: string, tsMs: number, value: number) => {
    const key = `price|${currency}|${source}`;
    if (!Number.isFinite(value) || value <= 0 || !moved(key, value)) return;
    next.set(key, String(value));
    rows.push({ table: 'price_ticks', eventId: eventId('price_ticks', currency, source, tsMs, value), tsMs, values: { ts: tsMs, currency, source, price: value } });
  };
  if (snap.price) {
    const { asOfMs, data } = snap.price;
    price('USD', 'median', asOfMs, data.usd);
    for (const q of data.sources) price('USD', q.source, q.asOfMs, q.usd);
    for (const cur of opts.currencies) {
      if (cur === 'USD') continue;
      const f = data.fiat?.[cur];
      if (!f) continue;
      price(cur, 'median', asOfMs, f.value);
      for (const q of f.sources) price(cur, q.source, q.asOfMs, q.value);
    }
  }
  if (snap.fees) {
    const { source, asOfMs, data } = snap.fees;
    const key = `fees|${source}`;
    const value = JSON.stringify([data.fastestSatVb, data.halfHourSatVb, data.hourSatVb, data.economySatVb, data.minimumSatVb]);
    if (last.get(key) !== value) {
      next.set(key, value);
      rows.push({ table: 'fee_levels', eventId: eventId('fee_levels', source, asOfMs), tsMs: asOfMs, values: { ts: asOfMs, source, fastest_sat_vb: data.fastestSatVb, half_hour_sat_vb: data.halfHourSatVb, hour_sat_vb: data.hourSatVb, economy_sat_vb: data.economySatVb, minimum_sat_vb: data.minimumSatVb } });
    }
  }
  if (snap.mempool) {
    const { source, asOfMs, data } = snap.mempool;
    const key = `mempool|${source}`;
    const value = JSON.stringify([data.txCount, data.vsize, data.totalFeeSats]);
    if (last.get(key) !== value) {
      next.set(key, value);
      rows.push({ table: 'mempool', eventId: eventId('mempool', source, asOfMs), tsMs: asOfMs, values: { ts: asOfMs, source, tx_count: data.txCount, vsize: data.vsize, total_fee_sats: data.totalFeeSats } });
    }
  }
  if (snap.blocks) {
    const seen = new Set<string>(JSON.parse(last.get('blocks|seen') ?? '[]') as string[]);
    const fresh = snap.blocks.data.filter((b) => !seen.has(b.hash));
    if (fresh.length > 0) {
      for (const b of fresh) {
        rows.push({
          table: 'blocks',
          eventId: eventId('blocks', b.hash),
          tsMs: b.timeSec * 1000,
          values: { ts: b.timeSec * 1000, height: b.height, hash: b.hash, tx_count: b.txCount, size_bytes: b.sizeBytes, weight: b.weight, total_fee_sats: b.totalFeeSats, reward_sats: b.rewardSats, median_fee_rate: b.medianFeeRate, pool: b.pool },
        });
      }
      const keep = [...fresh.map((b) => b.hash), ...seen].slice(0, BLOCKS_REMEMBERED);
      next.set('blocks|seen', JSON.stringify(keep));
    }
  }
  return { rows, lastValues: next };
}

/** A row's values in its table's column order, event_id and schema_version included. */
export function rowValues(row: LakeRow, columns: readonly string[]): (string | number | null)[] {
  return columns.map((c) => (c === 'event_id' ? row.eventId : c === 'schema_version' ? SCHEMA_VERSION : (row.values[c] ?? null)));
}
