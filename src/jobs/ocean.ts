// Your OCEAN account, once a minute: hashrate windows, workers (state, kind, share), earnings and
// payouts, the pool's stats and blocks. Each endpoint is asked on its own, so one that fails keeps
// its last good value (noted) while the rest refresh. An address OCEAN does not know is a state of
// the account, said once in the log, not a failure that retries in a loop.
import { createHash } from 'node:crypto';
import { MAX_WORKER_SERIES, headlineWindow, steadyHashrate as steady, workerKind, workerState } from '../domain/mining.ts';
import type { MinerWorker, MiningSnapshot, WorkersSnapshot } from '../domain/snapshots.ts';
import { describeError } from '../errors.ts';
import { refreshMiningSettings } from '../mining-settings.ts';
import { explainError } from '../sources/explain.ts';
import { publishEvent } from '../events.ts';
import type { UpstreamClient } from '../sources/http/upstream-client.ts';
import { ocean, type OceanReply } from '../sources/public/ocean.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

/**
 * The history series of a worker's hashrate. A name a series can hold as it is keeps it; any
 * other (dots, spaces, non-ASCII, past 60 characters) is reduced and gets a short hash of the
 * whole name, so "rig.1" and "rig_1" never share a series.
 */
export function workerSeries(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
  if (safe === name) return `mining.worker.${name}.hashrate_hs`;
  return `mining.worker.${safe}~${createHash('sha256').update(name).digest('hex').slice(0, 8)}.hashrate_hs`;
}

const NO_ADDRESS_REASON = 'no payout address: set OCEAN_ADDRESS, or one on the Settings page';

export function oceanJob(deps: JobDeps, client: UpstreamClient): JobDefinition {
  return {
    name: 'ocean',
    intervalMs: 60_000,
    timeoutMs: 45_000,
    cooldownMs: 5_000,
    async run(ctx) {
      // The address and thresholds saved on the Settings page take effect here, without a restart.
      const settings = await refreshMiningSettings(deps, ctx.log);
      const address = settings.address;
      const tracker = deps.sources.tracker('ocean');
      tracker?.idleBecause(address ? null : NO_ADDRESS_REASON);
      if (!address) return;
      const api = ocean(client, address, ctx.signal);
      const nowMs = Date.now();
      const parts = {
        statsnap: api.statsnap(),
        hashrate: api.userHashrate(),
        workers: api.workers(),
        earnpay: api.earnpay(Math.floor(nowMs / 1000)),
        pool: api.poolStat(),
        poolHashrate: api.poolHashrate(),
        blocks: api.blocks(),
      };
      const names = Object.keys(parts) as (keyof typeof parts)[];
      const settled = await Promise.allSettled(names.map((n) => parts[n] as Promise<unknown>));
      const got = Object.fromEntries(names.map((n, i) => [n, settled[i]])) as { [K in keyof typeof parts]: PromiseSettledResult<Awaited<(typeof parts)[K]>> };
      const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      tracker?.settle('ocean', names.length, failures, names.filter((_, i) => settled[i]?.status === 'rejected'));
      if (failures.length === names.length) throw failures[0];

      const previous = await deps.store.get(keys.mining);
      // Another address's workers are not this one's: after an address change they are not carried over.
      const storedWorkers = await deps.store.get(keys.workers);
      const previousWorkers = storedWorkers?.address === address ? storedWorkers : undefined;
      const notes: Record<string, string> = {};
      const value = <T>(part: keyof typeof parts, r: PromiseSettledResult<T>): T | undefined => {
        if (r.status === 'fulfilled') return r.value;
        // The reply carries a summary in words, not the raw error (which may name the upstream URL).
        notes[part] = explainError(r.reason, 'ocean').summary;
        return undefined;
      };
      // The account endpoints answer {"error": ...} for an address OCEAN does not know.
      const account = <T>(part: keyof typeof parts, r: PromiseSettledResult<OceanReply<T>>): { data?: T; unknown?: string } => {
        const v = value(part, r);
        if (v === undefined) return {};
        return v.ok ? { data: v.data } : { unknown: v.message };
      };
      const snap = account('statsnap', got.statsnap);
      const hr = account('hashrate', got.hashrate);
      const wk = account('workers', got.workers);
      const ep = account('earnpay', got.earnpay);
      const unknown = snap.unknown ?? hr.unknown ?? null;
      const keep = previous?.address === address && previous.account === 'ok' ? previous : undefined;

      const snapSec = snap.data?.snapSec ?? hr.data?.snapSec ?? wk.data?.snapSec ?? keep?.snapSec ?? null;
      const windowsHs = hr.data?.windowsHs ?? (snap.data ? { '60': snap.data.hashrate60sHs, '300': snap.data.hashrate300sHs } : (keep?.windowsHs ?? {}));
      const workers = buildWorkers(wk.data?.workers, wk.data?.snapSec ?? snapSec, previousWorkers?.workers, nowMs) ?? (unknown ? [] : (previousWorkers?.workers ?? []));
      const count = (s: MinerWorker['state']) => workers.filter((w) => w.state === s).length;
      const pool = value('pool', got.pool);
      const poolHr = value('poolHashrate', got.poolHashrate);
      const blocks = value('blocks', got.blocks);
      const mining: MiningSnapshot = {
        source: 'ocean',
        asOfMs: nowMs,
        address,
        account: unknown ? 'unknown' : 'ok',
        message: unknown,
        snapSec,
        windowsHs: unknown ? {} : windowsHs,
        lastShareSec: snap.data?.lastShareSec ?? hr.data?.lastShareSec ?? keep?.lastShareSec ?? null,
        unpaidSats: snap.data?.unpaidSats ?? keep?.unpaidSats ?? null,
        estimatedEarnNextBlockSats: snap.data?.estimatedEarnNextBlockSats ?? keep?.estimatedEarnNextBlockSats ?? null,
        estimatedBonusNextBlockSats: snap.data?.estimatedBonusNextBlockSats ?? keep?.estimatedBonusNextBlockSats ?? null,
        estimatedPayoutNextBlockSats: snap.data?.estimatedPayoutNextBlockSats ?? keep?.estimatedPayoutNextBlockSats ?? null,
        sharesInTides: snap.data?.sharesInTides ?? keep?.sharesInTides ?? null,
        workersOnline: count('online'),
        workersStale: count('stale'),
        workersOffline: count('offline'),
        earnings: ep.data?.earnings ?? keep?.earnings ?? [],
        payouts: ep.data?.payouts ?? keep?.payouts ?? [],
        pool: pool ? { ...pool, hashrate60sHs: poolHr?.hashrate60sHs ?? null, hashrate300sHs: poolHr?.hashrate300sHs ?? null } : (previous?.pool ?? null),
        blocks: blocks ?? previous?.blocks ?? [],
        notes,
      };
      // Said once, when it starts: not a line a minute.
      if (unknown && (previous?.account !== 'unknown' || previous.address !== address)) ctx.log.warn('OCEAN knows no worker for this address', { address, ocean: unknown });
      const workersSnap: WorkersSnapshot = { source: 'ocean', asOfMs: nowMs, snapSec, address, workers };
      await deps.store.set(keys.mining, mining);
      await deps.store.set(keys.workers, workersSnap);

      const minute = Math.floor(nowMs / 60_000) * 60;
      const points = [
        { series: 'mining.hashrate_60s_hs', value: mining.windowsHs['60'] },
        { series: 'mining.hashrate_10m_hs', value: mining.windowsHs['600'] },
        { series: 'mining.hashrate_3h_hs', value: mining.windowsHs['10800'] },
        { series: 'mining.hashrate_24h_hs', value: mining.windowsHs['86400'] },
        { series: 'mining.unpaid_sats', value: mining.unpaidSats },
        { series: 'mining.workers_online', value: mining.account === 'ok' ? mining.workersOnline : undefined },
        // The busiest workers only (they are sorted by hashrate): names that come and go cannot grow history without bound.
        ...(wk.data ? workers.slice(0, MAX_WORKER_SERIES).map((w) => ({ series: w.series, value: steady(w.windowsHs) })) : []),
      ].flatMap((p) => (typeof p.value === 'number' && Number.isFinite(p.value) ? [{ series: p.series, tsSec: minute, value: p.value }] : []));
      if (points.length > 0) await deps.history.upsertPoints(points);

      const before = new Map((previousWorkers?.workers ?? []).map((p) => [p.name, p.state]));
      const went = workers.filter((w) => before.has(w.name) && before.get(w.name) !== w.state);
      for (const w of went) ctx.log.info('worker state changed', { worker: w.name, state: w.state });
      await publishEvent(deps.store, 'mining', { ...mining, headline: headlineWindow(mining.windowsHs, settings.lowHashrateThs) }, nowMs).catch((err: unknown) => ctx.log.debug('mining event not published', { err: describeError(err) }));
      await publishEvent(deps.store, 'workers', { ...workersSnap, counts: { online: count('online'), stale: count('stale'), offline: count('offline'), total: workers.length }, changed: went.map((w) => ({ name: w.name, state: w.state })) }, nowMs).catch((err: unknown) => ctx.log.debug('workers event not published', { err: describeError(err) }));
      if (Object.keys(notes).length > 0) ctx.log.warn('OCEAN data partly refreshed', { failed: Object.keys(notes).join(','), first: Object.values(notes)[0] });
    },
  };
}

/** Workers with their state, kind and share of the total; a state change keeps its moment. */
function buildWorkers(raw: { name: string; windowsHs: Record<string, number>; lastShareSec: number | null }[] | undefined, snapSec: number | null, previous: readonly MinerWorker[] | undefined, nowMs: number): MinerWorker[] | undefined {
  if (!raw) return undefined;
  const total = raw.reduce((n, w) => n + steady(w.windowsHs), 0);
  const at = snapSec ?? Math.floor(nowMs / 1000);
  const earlier = new Map((previous ?? []).map((p) => [p.name, p]));
  return raw
    .map((w) => {
      const state = workerState(w, at);
      const before = earlier.get(w.name);
      return {
        name: w.name,
        state,
        kind: workerKind(w.name, Object.values(w.windowsHs).reduce((a, b) => Math.max(a, b), 0)),
        windowsHs: w.windowsHs,
        lastShareSec: w.lastShareSec,
        sharePct: total > 0 ? (steady(w.windowsHs) / total) * 100 : null,
        sinceMs: before && before.state === state ? before.sinceMs : nowMs,
        series: workerSeries(w.name),
      };
    })
    .sort((a, b) => steady(b.windowsHs) - steady(a.windowsHs) || a.name.localeCompare(b.name));
}
