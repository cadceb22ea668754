// OCEAN's public API (SOURCES.md §3): your account (snapshot, hashrate windows, workers, earnings
// and payouts) and the pool (stats, hashrate, blocks). Its quirks, handled here so nothing else
// sees them: success is {"result": ...} and failure {"error": "..."} even with HTTP 200; almost
// every number is a string (hashrates in H/s, BTC amounts as decimal strings, unix seconds);
// earnpay and blocks stamp times as ISO text without a zone, which is UTC; `lastest_share_ts` and
// `fees_colected_satoshis` are OCEAN's own spellings.
import { z } from 'zod';
import { steadyHashrate } from '../../domain/mining.ts';
import { SatscopeError } from '../../errors.ts';
import type { UpstreamClient } from '../http/upstream-client.ts';

/** A number that may arrive as a JSON number or as a numeric string. */
const num = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'a number').transform(Number)]).pipe(z.number().finite());
const count = num.pipe(z.number().min(0));

/** BTC as a decimal string ("0.00385090") to whole sats, without going through a float. */
export function btcToSatsExact(btc: string | number): number {
  const text = typeof btc === 'number' ? btc.toFixed(8) : btc.trim();
  // At most 21 million (8 digits) and never negative: anything else is not an amount OCEAN owes you.
  const m = /^(\d{1,8})(?:\.(\d{0,8})\d*)?$/.exec(text);
  if (!m) throw new SatscopeError('UPSTREAM_SCHEMA', `not a BTC amount: ${text.slice(0, 40)}`);
  return Number(m[1]) * 1e8 + Number((m[2] ?? '').padEnd(8, '0'));
}
const btc = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return btcToSatsExact(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a BTC amount' });
    return z.NEVER;
  }
});

/** Unix seconds as a number or string, or OCEAN's zone-less ISO text (UTC), to unix seconds. */
export function oceanTimeSec(v: string | number): number {
  if (typeof v === 'number') return v;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.floor(Number(t));
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new SatscopeError('UPSTREAM_SCHEMA', `not a time: ${t.slice(0, 40)}`);
  return Math.floor(ms / 1000);
}
/** A time between 2008 and 2099: a date outside it is a broken reply (and would break every date shown). */
const time = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    try {
      return oceanTimeSec(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'a time' });
      return z.NEVER;
    }
  })
  .pipe(z.number().int().min(1_200_000_000).max(4_100_000_000));

/** OCEAN's answer: the result, or its own error text (which may come with HTTP 200). */
export type OceanReply<T> = { ok: true; data: T } | { ok: false; message: string };

export const envelope = <T>(inner: z.ZodType<T, z.ZodTypeDef, unknown>) =>
  z.union([z.object({ result: inner }).transform((r): OceanReply<T> => ({ ok: true, data: r.result as T })), z.object({ error: z.string() }).transform((r): OceanReply<T> => ({ ok: false, message: r.error.slice(0, 300) }))]);

export const statsnapSchema = z
  .object({
    snap_ts: time,
    hashrate_60s: count,
    hashrate_300s: count,
    shares_60s: count.optional(),
    shares_300s: count.optional(),
    shares_in_tides: count.optional(),
    lastest_share_ts: time.nullish(),
    estimated_earn_next_block: btc.optional(),
    estimated_bonus_earn_next_block: btc.optional(),
    estimated_total_earn_next_block: btc.optional(),
    estimated_payout_next_block: btc.optional(),
    unpaid: btc,
  })
  .passthrough()
  .transform((s) => ({
    snapSec: s.snap_ts,
    hashrate60sHs: s.hashrate_60s,
    hashrate300sHs: s.hashrate_300s,
    sharesInTides: s.shares_in_tides ?? null,
    lastShareSec: s.lastest_share_ts ?? null,
    estimatedEarnNextBlockSats: s.estimated_total_earn_next_block ?? s.estimated_earn_next_block ?? null,
    estimatedBonusNextBlockSats: s.estimated_bonus_earn_next_block ?? null,
    estimatedPayoutNextBlockSats: s.estimated_payout_next_block ?? null,
    unpaidSats: s.unpaid,
  }));
export type OceanSnapshot = z.infer<typeof statsnapSchema>;

/** The hashrate windows OCEAN gives (seconds); other keys are ignored. */
const WINDOW_SECONDS = new Set(['60', '300', '600', '1800', '3600', '10800', '43200', '86400']);
/** Workers kept from one reply (the busiest first): a farm beyond this is shown in part. */
export const MAX_WORKERS = 1000;

/** Every known window OCEAN reports, by its length in seconds. */
const windows = (o: Record<string, unknown>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    const m = /^hashrate_(\d+)s$/.exec(k);
    if (!m || !WINDOW_SECONDS.has(m[1] as string)) continue;
    const parsed = num.safeParse(v);
    if (parsed.success && parsed.data >= 0) out[m[1] as string] = parsed.data;
  }
  return out;
};

export const userHashrateSchema = z
  .object({ snap_ts: time, hashrate_60s: count, active_worker_count: count.optional(), lastest_share_ts: time.nullish() })
  .passthrough()
  .transform((u) => ({ snapSec: u.snap_ts, windowsHs: windows(u), activeWorkers: u.active_worker_count ?? null, lastShareSec: u.lastest_share_ts ?? null }));
export type OceanHashrate = z.infer<typeof userHashrateSchema>;

const workerRow = z.object({ snap_ts: time.optional(), hashrate_60s: count, lastest_share_ts: time.nullish() }).passthrough();

/** Workers keyed by name, each an array whose first entry holds its windows (user_hashrate_full). */
export const workersSchema = z
  .object({ snap_ts: time, workers: z.record(z.string().max(200), z.array(workerRow).min(1)) })
  .passthrough()
  .transform((w) => ({
    snapSec: w.snap_ts,
    workers: Object.entries(w.workers)
      .map(([name, rows]) => {
        const row = rows[0] as z.infer<typeof workerRow>;
        return { name: workerName(name), windowsHs: windows(row), lastShareSec: row.lastest_share_ts ?? null };
      })
      .sort((a, b) => steadyHashrate(b.windowsHs) - steadyHashrate(a.windowsHs))
      .slice(0, MAX_WORKERS),
  }));
export type OceanWorkers = z.infer<typeof workersSchema>;

/** userinfo_full: the account and its workers as a list of one-key objects (the shape some clients read). */
export const userinfoSchema = z
  .object({ user_full: z.object({ snap_ts: time, hashrate_60s: count, unpaid: btc }).passthrough(), workers: z.array(z.record(z.string().max(200), workerRow)) })
  .passthrough()
  .transform((u) => ({
    snapSec: u.user_full.snap_ts,
    hashrate60sHs: u.user_full.hashrate_60s,
    unpaidSats: u.user_full.unpaid,
    workers: u.workers.flatMap((o) => Object.entries(o).map(([name, row]) => ({ name: workerName(name), windowsHs: windows(row), lastShareSec: row.lastest_share_ts ?? null }))),
  }));

/** A worker's own name: OCEAN may prefix it with the payout address ("bc1q….rig1"). */
export function workerName(raw: string): string {
  const dot = raw.lastIndexOf('.');
  return (dot > 20 ? raw.slice(dot + 1) : raw).slice(0, 100) || 'default';
}

export const poolStatSchema = z
  .object({
    snap_ts: time,
    active_users: count,
    active_workers: count,
    network_difficulty: num,
    current_tides_shares: count.optional(),
    max_tides_shares: count.optional(),
    current_estimated_block_reward: btc.optional(),
  })
  .passthrough()
  .transform((p) => ({
    snapSec: p.snap_ts,
    activeUsers: p.active_users,
    activeWorkers: p.active_workers,
    networkDifficulty: p.network_difficulty,
    tidesShares: p.current_tides_shares ?? null,
    estimatedBlockRewardSats: p.current_estimated_block_reward ?? null,
  }));

export const poolHashrateSchema = z
  .object({ pool_60s: count.optional(), pool_300s: count })
  .passthrough()
  .transform((p) => ({ hashrate60sHs: p.pool_60s ?? null, hashrate300sHs: p.pool_300s }));

export const earnpaySchema = z
  .object({
    earnings: z.array(z.object({ block_hash: z.string(), ts: time, shares_in_window: count.optional(), fees_colected_satoshis: count.optional(), satoshis_net_earned: count }).passthrough()),
    payouts: z.array(z.object({ ts: time, on_chain_txid: z.string().max(100).nullish(), lightning_txid: z.string().max(200).nullish(), total_satoshis_net_paid: count, is_generation_txn: z.boolean().optional() }).passthrough()),
  })
  .passthrough()
  .transform((e) => ({
    earnings: e.earnings.map((r) => ({ blockHash: r.block_hash, timeSec: r.ts, sharesInWindow: r.shares_in_window ?? null, feesSats: r.fees_colected_satoshis ?? null, earnedSats: r.satoshis_net_earned })),
    payouts: e.payouts
      // Only a real txid (64 hex digits) is kept: it reaches pages and the CSV export.
      .map((p) => ({ timeSec: p.ts, txid: p.on_chain_txid && /^[0-9a-f]{64}$/i.test(p.on_chain_txid) ? p.on_chain_txid.toLowerCase() : null, lightning: !p.on_chain_txid, paidSats: p.total_satoshis_net_paid, generation: p.is_generation_txn ?? false }))
      .sort((a, b) => b.timeSec - a.timeSec),
  }));
export type OceanEarnpay = z.infer<typeof earnpaySchema>;

export const blocksSchema = z
  .object({
    blocks: z.array(
      z
        .object({
          block_hash: z.string(),
          height: count,
          ts: time,
          total_reward_sats: count.optional(),
          subsidy_sats: count.optional(),
          txn_fees_sats: count.optional(),
          username: z.string().nullish(),
          workername: z.string().nullish(),
          legacy: z.boolean().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough()
  .transform((b) =>
    b.blocks.map((x) => ({
      hash: x.block_hash,
      height: x.height,
      timeSec: x.ts,
      rewardSats: x.total_reward_sats ?? null,
      subsidySats: x.subsidy_sats ?? null,
      feesSats: x.txn_fees_sats ?? null,
      finder: x.workername ?? x.username ?? null,
    })),
  );
export type OceanBlock = z.infer<typeof blocksSchema>[number];

const day = (sec: number) => new Date(sec * 1000).toISOString().slice(0, 10);

export function ocean(client: UpstreamClient, address: string, signal?: AbortSignal) {
  const o = { signal };
  const user = encodeURIComponent(address);
  /** A pool endpoint's error envelope is a failure of the source. */
  const pool = async <T>(path: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): Promise<T> => {
    const r = await client.getJson(path, envelope(schema), o);
    if (!r.ok) throw new SatscopeError('UPSTREAM_HTTP', `OCEAN answered ${path} with an error: ${r.message}`);
    return r.data;
  };
  return {
    statsnap: () => client.getJson(`/statsnap/${user}`, envelope(statsnapSchema), o),
    userHashrate: () => client.getJson(`/user_hashrate/${user}`, envelope(userHashrateSchema), o),
    workers: () => client.getJson(`/user_hashrate_full/${user}`, envelope(workersSchema), o),
    userinfo: () => client.getJson(`/userinfo_full/${user}`, envelope(userinfoSchema), o),
    /** Earnings and payouts over the last `days` days. */
    earnpay: (nowSec: number, days = 60) => client.getJson(`/earnpay/${user}/${day(nowSec - days * 86_400)}/${day(nowSec + 86_400)}`, envelope(earnpaySchema), o),
    poolStat: () => pool('/pool_stat', poolStatSchema),
    poolHashrate: () => pool('/pool_hashrate', poolHashrateSchema),
    blocks: () => pool('/blocks/0/20/0', blocksSchema),
  };
}
