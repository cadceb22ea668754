// The health score's bootstrap: a year of daily metric values worked out from public history
// (mempool.space, Blockchain.com, ForkMonitor), so percentile ranks have history on a fresh install
// instead of after a month. Each step stands alone: one failing source leaves the others' days in.
// Idempotent: days already held (from the score job's own measurements) are never overwritten.
import { feeShareByDay, growthByDay, hashpriceByDay, intervalByDay, momentumByDay, poolHhiByDay, reconstructScores, staleByDay, daily, DAY_SEC, type DayValue } from '../domain/score-history.ts';
import { capacityConcentration, METRICS, metricSeries, OVERALL_SERIES, pillarSeries } from '../domain/score-metrics.ts';
import { WINDOW_DAYS } from '../domain/score.ts';
import { readPoints } from '../store/history/read-series.ts';
import { describeError } from '../errors.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { blockchainCom } from '../sources/public/blockchain-com.ts';
import { forkmonitor } from '../sources/public/forkmonitor.ts';
import { mempoolSpace } from '../sources/public/mempool-space.ts';
import type { History, Point } from '../store/history/history.ts';
import { keys } from '../store/keys.ts';
import type { Progress } from './backfill-closes.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export interface ScoreBackfillClients {
  mempool?: UpstreamClient;
  blockchain?: UpstreamClient;
  forkmonitor?: UpstreamClient;
}

export interface StepResult {
  step: string;
  /** Daily values written (days already held are not counted). */
  saved: number;
  /** The series it wrote, with how many days each had. */
  series: Record<string, number>;
  error?: string;
}

type Step = { name: string; needs: keyof ScoreBackfillClients; run: (ctx: StepContext) => Promise<Record<string, DayValue[]>> };

interface StepContext {
  clients: Required<ScoreBackfillClients>;
  signal: AbortSignal | undefined;
  /** Filled by the hashrate step, read by later ones. */
  shared: { hashrate: DayValue[]; retargets: { tsSec: number; height: number }[] };
}

const STEPS: Step[] = [
  {
    name: 'hashrate and retargets (mempool.space)',
    needs: 'mempool',
    async run({ clients, signal, shared }) {
      const h = await mempoolSpace(clients.mempool, signal).hashrateYear();
      shared.hashrate = daily(h.points.map((p) => ({ tsSec: p.tsSec, value: p.hashrateHs })));
      shared.retargets = h.adjustments.map((a) => ({ tsSec: a.tsSec, height: a.height })).sort((a, b) => a.tsSec - b.tsSec);
      return {
        'network.hashrate_hs': shared.hashrate,
        [metricSeries('difficulty_momentum')]: momentumByDay(shared.hashrate),
        [metricSeries('confirmation_latency')]: intervalByDay(shared.retargets, shared.hashrate.map((d) => d.daySec)),
      };
    },
  },
  {
    name: 'miner revenue and fees (Blockchain.com)',
    needs: 'blockchain',
    async run({ clients, signal, shared }) {
      const api = blockchainCom(clients.blockchain, clients.blockchain, signal);
      const revenue = daily(await api.yearChart('miners-revenue'));
      const fees = daily(await api.yearChart('transaction-fees-usd'));
      return { [metricSeries('fee_share')]: feeShareByDay(fees, revenue), [metricSeries('hashprice')]: hashpriceByDay(revenue, shared.hashrate) };
    },
  },
  {
    name: 'UTXO count (Blockchain.com)',
    needs: 'blockchain',
    async run({ clients, signal }) {
      const utxos = daily(await blockchainCom(clients.blockchain, clients.blockchain, signal).yearChart('utxo-count'));
      return { [metricSeries('utxo_growth')]: growthByDay(utxos) };
    },
  },
  {
    name: 'mining pools (mempool.space)',
    needs: 'mempool',
    async run({ clients, signal }) {
      return { [metricSeries('pool_hhi')]: poolHhiByDay(await mempoolSpace(clients.mempool, signal).poolSharesYear()) };
    },
  },
  {
    name: 'Lightning (mempool.space)',
    needs: 'mempool',
    async run({ clients, signal }) {
      const rows = await mempoolSpace(clients.mempool, signal).lightningYear();
      const capacity = daily(rows.map((r) => ({ tsSec: r.tsSec, value: r.capacitySats })));
      const concentration = daily(rows.flatMap((r) => {
        const c = capacityConcentration(r.avgCapacitySats, r.medianCapacitySats);
        return c === null ? [] : [{ tsSec: r.tsSec, value: c }];
      }));
      return { 'lightning.capacity_sats': capacity, [metricSeries('ln_capacity_growth')]: growthByDay(capacity), [metricSeries('ln_node_concentration')]: concentration };
    },
  },
  {
    name: 'stale blocks (ForkMonitor)',
    needs: 'forkmonitor',
    async run({ clients, signal, shared }) {
      if (shared.retargets.length < 2) throw new Error('needs the retarget heights from mempool.space');
      const stale = await forkmonitor(clients.forkmonitor, signal).staleCandidates();
      return { [metricSeries('stale_incidence')]: staleByDay(shared.retargets, stale.map((s) => s.height), shared.hashrate.map((d) => d.daySec)) };
    },
  },
];

/** Every step it can run with the sources given; the others are reported as skipped. */
export async function backfillScoreHistory(history: History, clients: ScoreBackfillClients, opts: { signal?: AbortSignal; onProgress?: Progress; nowSec?: number } = {}): Promise<StepResult[]> {
  const today = Math.floor((opts.nowSec ?? Date.now() / 1000) / DAY_SEC) * DAY_SEC;
  const ctx: StepContext = { clients: clients as Required<ScoreBackfillClients>, signal: opts.signal, shared: { hashrate: [], retargets: [] } };
  const results: StepResult[] = [];
  opts.onProgress?.(0, STEPS.length + 1, 'starting');
  for (const [i, step] of STEPS.entries()) {
    if (opts.signal?.aborted) break;
    if (!clients[step.needs]) {
      results.push({ step: step.name, saved: 0, series: {}, error: `skipped: the ${step.needs} source is switched off` });
    } else {
      try {
        const bySeries = await step.run(ctx);
        // Only finished days: today's value is the live job's.
        const points: Point[] = Object.entries(bySeries).flatMap(([series, days]) => days.filter((d) => d.daySec < today).map((d) => ({ series, tsSec: d.daySec, value: d.value })));
        const saved = points.length > 0 ? await history.insertDailyPoints(points) : 0;
        results.push({ step: step.name, saved, series: Object.fromEntries(Object.entries(bySeries).map(([s, d]) => [s, d.length])) });
      } catch (err) {
        results.push({ step: step.name, saved: 0, series: {}, error: describeError(err) });
      }
    }
    opts.onProgress?.(i + 1, STEPS.length + 1, step.name);
  }
  if (!opts.signal?.aborted) {
    try {
      results.push(await pastScores(history, today));
    } catch (err) {
      results.push({ step: PAST_SCORES, saved: 0, series: {}, error: describeError(err) });
    }
    opts.onProgress?.(STEPS.length + 1, STEPS.length + 1, PAST_SCORES);
  }
  return results;
}

const PAST_SCORES = 'past scores (from the daily values held)';

/** The overall and pillar scores of the past year's days, from every metric's daily values now held (days already scored are kept). */
async function pastScores(history: History, today: number): Promise<StepResult> {
  const metricDays: Record<string, DayValue[]> = {};
  for (const m of METRICS) {
    const pts = await readPoints(history, metricSeries(m.id), today - 2 * WINDOW_DAYS * DAY_SEC, today - 1, 'day');
    metricDays[m.id] = pts.filter((p) => p.tsSec < today).map((p) => ({ daySec: p.tsSec, value: p.value }));
  }
  const days = Array.from({ length: WINDOW_DAYS }, (_, i) => today - (WINDOW_DAYS - i) * DAY_SEC);
  const { overall, pillars } = reconstructScores(metricDays, days, WINDOW_DAYS);
  const points: Point[] = [
    ...overall.map((d) => ({ series: OVERALL_SERIES, tsSec: d.daySec, value: d.value })),
    ...Object.entries(pillars).flatMap(([pid, list]) => list.map((d) => ({ series: pillarSeries(pid), tsSec: d.daySec, value: d.value }))),
  ];
  const saved = points.length > 0 ? await history.insertDailyPoints(points) : 0;
  return { step: PAST_SCORES, saved, series: { [OVERALL_SERIES]: overall.length, ...Object.fromEntries(Object.entries(pillars).map(([p, l]) => [pillarSeries(p), l.length])) } };
}

export function scoreClients(http: Partial<Record<string, UpstreamClient>>): ScoreBackfillClients {
  const out: ScoreBackfillClients = {};
  if (http.mempool) out.mempool = http.mempool;
  if (http.blockchain) out.blockchain = http.blockchain;
  if (http.forkmonitor) out.forkmonitor = http.forkmonitor;
  return out;
}

/** Daily, and at start: fills the days a fresh install (or a stopped one) has no values for, then asks for a score. */
export function backfillScoreJob(deps: JobDeps, clients: ScoreBackfillClients): JobDefinition {
  return {
    name: 'backfill-score-history',
    intervalMs: 24 * 3_600_000,
    timeoutMs: 5 * 60_000,
    cooldownMs: 10_000,
    async run(ctx) {
      const results = await backfillScoreHistory(deps.history, clients, { signal: ctx.signal, onProgress: (d, t, note) => ctx.progress(d, t, note) });
      const failed = results.filter((r) => r.error && !r.error.startsWith('skipped'));
      ctx.log.info('score history backfilled', { saved: results.reduce((n, r) => n + r.saved, 0), failed: failed.map((r) => `${r.step}: ${r.error}`) });
      // The score need not wait ten minutes for its new history.
      if (results.some((r) => r.saved > 0)) await deps.store.set(keys.jobRunRequest('score'), { requestedAtMs: Date.now() }).catch(() => undefined);
      if (failed.length === results.length && results.length > 0) throw new Error(`every step failed (${failed[0]?.error})`);
    },
  };
}
