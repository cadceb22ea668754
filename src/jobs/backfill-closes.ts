// Daily BTC closes from Coinbase candles (300 per request). Resumable and idempotent: each run
// asks only for the days not yet held, saves every page as it arrives, and reports the days
// Coinbase has no candle for (gaps) instead of inventing them.
import { z } from 'zod';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { coinbase, MAX_CANDLES } from '../sources/public/coinbase.ts';
import type { History } from '../store/history/history.ts';
import type { JobDefinition, JobDeps } from './types.ts';

const DAY = 86_400;
export const BACKFILL_FROM_SETTING = 'backfill.btc_closes.from_sec';
/** Without a setting, keep the last 400 days. */
const DEFAULT_DAYS = 400;

export interface BackfillResult {
  daysInRange: number;
  alreadyHeld: number;
  saved: number;
  requests: number;
  /** Days still without a close after the run (no trades that day, or the run was stopped). */
  gaps: string[];
}

export type Progress = (done: number, total: number, note: string) => void;

export const dayIso = (daySec: number) => new Date(daySec * 1000).toISOString().slice(0, 10);

/** Chunks of missing days, each spanning at most `MAX_CANDLES` days. */
export function planRequests(missing: readonly number[]): { startSec: number; endSec: number; days: number[] }[] {
  const chunks: { startSec: number; endSec: number; days: number[] }[] = [];
  for (const day of missing) {
    const last = chunks.at(-1);
    if (last && day <= last.startSec + (MAX_CANDLES - 1) * DAY) {
      last.days.push(day);
      last.endSec = day;
    } else chunks.push({ startSec: day, endSec: day, days: [day] });
  }
  return chunks;
}

export async function backfillCloses(
  history: History,
  client: UpstreamClient,
  opts: { fromSec: number; toSec?: number; signal?: AbortSignal; onProgress?: Progress },
): Promise<BackfillResult> {
  const fromDay = Math.floor(opts.fromSec / DAY) * DAY;
  // Up to yesterday: today's candle is still forming.
  const toDay = Math.min(Math.floor((opts.toSec ?? Date.now() / 1000) / DAY) * DAY, Math.floor(Date.now() / 1000 / DAY) * DAY - DAY);
  const days: number[] = [];
  for (let d = fromDay; d <= toDay; d += DAY) days.push(d);
  const held = await history.closeDays(fromDay, toDay);
  const missing = days.filter((d) => !held.has(d));
  const plan = planRequests(missing);
  const api = coinbase(client, opts.signal);
  let saved = 0;
  let requests = 0;
  opts.onProgress?.(0, plan.length, plan.length === 0 ? 'nothing missing' : `from ${dayIso(plan[0]?.startSec ?? fromDay)}`);
  for (const [i, chunk] of plan.entries()) {
    if (opts.signal?.aborted) break;
    const candles = await api.dailyCandles(chunk.startSec, chunk.endSec);
    requests++;
    const wanted = new Set(chunk.days);
    const rows = candles
      .filter((c) => wanted.has(c.tsSec))
      .map((c) => ({ daySec: c.tsSec, openUsd: c.open, highUsd: c.high, lowUsd: c.low, closeUsd: c.close, volumeBtc: c.volumeBtc, source: 'coinbase' }));
    await history.saveCloses(rows);
    saved += rows.length;
    opts.onProgress?.(i + 1, plan.length, `to ${dayIso(chunk.endSec)}`);
  }
  const after = await history.closeDays(fromDay, toDay);
  return { daysInRange: days.length, alreadyHeld: held.size, saved, requests, gaps: days.filter((d) => !after.has(d)).map(dayIso) };
}

export function backfillClosesJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return {
    name: 'backfill-btc-closes',
    intervalMs: 6 * 3_600_000,
    timeoutMs: 10 * 60_000,
    cooldownMs: 10_000,
    async run(ctx) {
      const fromSec = (await deps.history.getSetting(BACKFILL_FROM_SETTING, z.number())) ?? Math.floor(Date.now() / 1000) - DEFAULT_DAYS * DAY;
      const r = await backfillCloses(deps.history, client, { fromSec, signal: ctx.signal, onProgress: (d, t, note) => ctx.progress(d, t, note) });
      ctx.log.info('btc closes backfilled', { from: dayIso(fromSec), saved: r.saved, requests: r.requests, gaps: r.gaps.length });
    },
  };
}
