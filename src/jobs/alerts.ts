// Alerts, every 15 seconds under the scheduler's lock (one evaluator however many workers run):
// each enabled rule is evaluated; a rule that turns active opens a firing (unless it is cooling
// down) and one pending notification per channel, in one transaction, before anything is sent; a
// firing whose rule clears is resolved the same way. Then every due notification is sent, each
// channel on its own (one failing never holds up another), and its outcome recorded: sent, retried
// later with backoff, or failed after the last attempt. A summary is kept in the store for pages.
import { randomBytes } from 'node:crypto';
import { buildChannels, type AlertNotice, type Channel } from '../alerts/channels.ts';
import { coolingDown, evaluateCustom, levelCheck, ruleTitle, type BuiltinRule, type Evaluation, type Rule } from '../domain/alerts.ts';
import { describeError } from '../errors.ts';
import { publishEvent } from '../events.ts';
import { loadRules } from '../alert-rules.ts';
import type { AlertDelivery, AlertFiring } from '../store/history/history.ts';
import { keys, type PublicPiece } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

/** Attempts per notification, and the first retry's delay (doubling each time). */
export const MAX_ATTEMPTS = 5;
export const RETRY_BASE_MS = 5_000;
/** A value older than this is not current (the fee and mempool checks). */
const FRESH_MS = 10 * 60_000;

export function alertsJob(deps: JobDeps, channels: readonly Channel[], opts: { retryBaseMs?: number } = {}): JobDefinition {
  const retryBaseMs = opts.retryBaseMs ?? RETRY_BASE_MS;
  const startedAtMs = Date.now();
  return {
    name: 'alerts',
    intervalMs: 15_000,
    timeoutMs: 60_000,
    cooldownMs: 1_000,
    async run(ctx) {
      const nowMs = Date.now();
      const rules = await loadRules(deps.history, deps.config, deps.store);
      const open = new Map((await deps.history.openFirings()).map((f) => [f.ruleId, f]));
      const lastFired = await deps.history.lastFiredByRule();
      const names = channels.map((c) => c.name);
      const changed: { firing: AlertFiring; state: 'firing' | 'resolved' }[] = [];
      const resolve = async (f: AlertFiring, message: string, notify = true) => {
        if (!(await deps.history.resolveFiring(f.firingId, nowMs, message, notify))) return;
        changed.push({ firing: { ...f, resolvedAtMs: nowMs, resolvedMessage: message }, state: 'resolved' });
        ctx.log.info('alert resolved', { rule: f.ruleId, message });
      };
      // Each rule on its own: one that cannot be evaluated or recorded leaves the others running.
      for (const rule of rules) {
        const firing = open.get(rule.id);
        open.delete(rule.id);
        try {
          if (!rule.enabled) {
            if (firing) await resolve(firing, 'the rule was switched off');
            continue;
          }
          const ev = await evaluate(deps, rule, nowMs, startedAtMs);
          if (ev.active === true && !firing) {
            // Within the cooldown the firing is still shown, but nobody is notified again.
            const quiet = coolingDown(lastFired.get(rule.id), rule.cooldownMin, nowMs);
            const f: AlertFiring = {
              firingId: `${rule.id}-${nowMs.toString(36)}-${randomBytes(3).toString('hex')}`,
              ruleId: rule.id,
              severity: rule.severity,
              title: rule.kind === 'builtin' ? rule.title : ruleTitle(rule),
              message: quiet ? `${ev.message} (not notified: within ${rule.cooldownMin} min of the last firing)` : ev.message,
              value: ev.value,
              threshold: ev.threshold,
              firedAtMs: nowMs,
              resolvedAtMs: null,
              resolvedMessage: null,
            };
            await deps.history.openFiring(f, quiet ? [] : names);
            changed.push({ firing: f, state: 'firing' });
            ctx.log.info('alert firing', { rule: rule.id, message: ev.message, notified: !quiet });
            // A found block is news once: it is over as soon as it is told.
            if (rule.id === 'pool-block') await resolve(f, 'told once', false);
          } else if (ev.active === false && firing) await resolve(firing, ev.message);
          if (rule.id === 'pool-block' && ev.value !== null) await deps.store.set(keys.alertPoolBlockSeen, { height: ev.value });
        } catch (err) {
          ctx.log.warn('alert rule not evaluated', { rule: rule.id, err: describeError(err) });
        }
      }
      // Firings of rules that no longer exist.
      for (const f of open.values()) await resolve(f, 'the rule was removed').catch((err: unknown) => ctx.log.warn('alert not resolved', { rule: f.ruleId, err: describeError(err) }));

      for (const c of changed) {
        await publishEvent(deps.store, 'alert', { state: c.state, firing: c.firing }, nowMs).catch((err: unknown) => ctx.log.debug('alert event not published', { err: describeError(err) }));
      }
      await deliverDue(deps, channels, nowMs, retryBaseMs, ctx.signal);
      await deps.store.set(keys.alerts, await alertsSummary(deps, rules, channels, Date.now()));
    },
    async dispose() {
      await Promise.allSettled(channels.map((c) => c.close?.()));
    },
  };
}

const notice = (f: AlertFiring, state: 'firing' | 'resolved'): AlertNotice => ({
  firingId: f.firingId,
  ruleId: f.ruleId,
  state,
  severity: f.severity,
  title: f.title,
  message: state === 'resolved' ? `Resolved: ${f.resolvedMessage ?? 'the condition cleared'}. (It fired with: ${f.message})` : f.message,
  value: f.value,
  threshold: f.threshold,
  firedAtMs: f.firedAtMs,
  resolvedAtMs: f.resolvedAtMs,
  url: null,
});

/** How long a claimed notification waits before another run may try it (a crash mid-send). */
const CLAIM_MS = 10 * 60_000;

/**
 * Sends every due notification: the channels at once, each channel's in order (a "resolved" waits
 * until its firing was sent or given up). Each is claimed in history before it is sent, so a run
 * that dies mid-send, or cannot record the outcome, is not followed at once by a second send.
 */
async function deliverDue(deps: JobDeps, channels: readonly Channel[], nowMs: number, retryBaseMs: number, signal: AbortSignal): Promise<void> {
  const due = await deps.history.dueDeliveries(nowMs);
  if (due.length === 0) return;
  const firings = new Map((await deps.history.firingsByIds([...new Set(due.map((d) => d.firingId))])).map((f) => [f.firingId, f]));
  const byChannel = new Map<string, AlertDelivery[]>();
  for (const d of due) byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d]);
  await Promise.allSettled(
    [...byChannel].map(async ([name, list]) => {
      const channel = channels.find((c) => c.name === name);
      // Oldest firing first, and a firing's own notice before its resolution.
      list.sort((a, b) => (firings.get(a.firingId)?.firedAtMs ?? 0) - (firings.get(b.firingId)?.firedAtMs ?? 0) || (a.state === 'firing' ? -1 : 1));
      for (const d of list) {
        try {
          await deliverOne(deps, channel, firings.get(d.firingId), d, retryBaseMs, signal);
        } catch (err) {
          deps.log.warn('alert notification not recorded', { channel: name, err: describeError(err) });
        }
      }
    }),
  );
}

async function deliverOne(deps: JobDeps, channel: Channel | undefined, firing: AlertFiring | undefined, d: AlertDelivery, retryBaseMs: number, signal: AbortSignal): Promise<void> {
  const attempts = d.attempts + 1;
  if (!channel || !firing) {
    await deps.history.recordDelivery({ ...d, status: 'failed', attempts, lastError: channel ? 'the alert is no longer held' : 'the channel is no longer configured', updatedAtMs: Date.now() });
    return;
  }
  if (d.state === 'resolved') {
    const first = (await deps.history.deliveriesOf(d.firingId)).find((x) => x.channel === d.channel && x.state === 'firing');
    if (first?.status === 'pending') return;
  }
  await deps.history.recordDelivery({ ...d, attempts, nextAttemptAtMs: Date.now() + CLAIM_MS, updatedAtMs: Date.now() });
  let failure: unknown;
  try {
    await channel.send(notice(firing, d.state), signal);
  } catch (err) {
    failure = err;
  }
  const at = Date.now();
  if (failure === undefined) {
    await deps.history.recordDelivery({ ...d, status: 'sent', attempts, lastError: null, nextAttemptAtMs: at, updatedAtMs: at });
    return;
  }
  const last = attempts >= MAX_ATTEMPTS;
  // The channel's own words (they name no secret); the technical chain goes to the log.
  const lastError = (failure instanceof Error ? failure.message : String(failure)).slice(0, 300);
  await deps.history.recordDelivery({ ...d, status: last ? 'failed' : 'pending', attempts, lastError, nextAttemptAtMs: at + retryBaseMs * 2 ** (attempts - 1), updatedAtMs: at });
  deps.log.warn(last ? 'alert notification failed for good' : 'alert notification failed; will retry', { channel: d.channel, attempt: attempts, err: describeError(failure) });
}

/** What the pages and /api/v2/alerts show. */
export async function alertsSummary(deps: Pick<JobDeps, 'history'>, rules: readonly Rule[], channels: readonly Channel[], nowMs: number) {
  const [open, recent, latest] = await Promise.all([deps.history.openFirings(), deps.history.recentFirings(30), deps.history.channelStatus()]);
  return {
    asOfMs: nowMs,
    active: open,
    recent,
    rules: rules.map((r) => (r.kind === 'builtin' ? { ...r, builtin: true } : { ...r, title: ruleTitle(r), builtin: false })),
    channels: channels.map((c) => {
      const d = latest.find((x) => x.channel === c.name);
      const state: 'idle' | 'ok' | 'sending' | 'failing' = !d ? 'idle' : d.status === 'sent' ? 'ok' : d.status === 'pending' && d.attempts === 0 ? 'sending' : 'failing';
      return { name: c.name, target: c.target, state, lastAttemptAtMs: d?.updatedAtMs ?? null, attempts: d?.attempts ?? 0, lastError: d && d.status !== 'sent' ? d.lastError : null };
    }),
  };
}

const piece = async <T>(deps: JobDeps, name: string): Promise<(PublicPiece & { data: T }) | undefined> => (await deps.store.get(keys.publicPiece(name))) as (PublicPiece & { data: T }) | undefined;
const fresh = (asOfMs: number | null | undefined, nowMs: number) => asOfMs !== null && asOfMs !== undefined && nowMs - asOfMs <= FRESH_MS;

async function evaluate(deps: JobDeps, rule: Rule, nowMs: number, startedAtMs: number): Promise<Evaluation> {
  if (rule.kind !== 'builtin') {
    const latest = await deps.history.latestPoint(rule.series);
    // The last point at or before the window's start, within the hour before it.
    const startSec = rule.kind === 'change' ? Math.floor(nowMs / 1000) - rule.windowMin * 60 : 0;
    const earlier = rule.kind === 'change' ? (await deps.history.rawPoints(rule.series, startSec - 3600, startSec)).at(-1) : undefined;
    return evaluateCustom(rule, latest, earlier, nowMs);
  }
  return evaluateBuiltin(deps, rule, nowMs, startedAtMs);
}

async function evaluateBuiltin(deps: JobDeps, rule: BuiltinRule, nowMs: number, startedAtMs: number): Promise<Evaluation> {
  const level = rule.level ?? 0;
  switch (rule.id) {
    case 'fee-above': {
      const node = await deps.store.get(keys.fees);
      const pub = await piece<{ fastestSatVb: number }>(deps, 'mempool.fees');
      const fee = fresh(node?.asOfMs, nowMs) && node?.nextBlockMedianSatVb != null ? node.nextBlockMedianSatVb : fresh(pub?.asOfMs, nowMs) ? (pub?.data.fastestSatVb ?? null) : null;
      return levelCheck(fee, level, 'above', (v) => `The next-block fee is ${v} sat/vB (alert above ${level}).`);
    }
    case 'mempool-above': {
      const node = await deps.store.get(keys.mempool);
      const pub = await piece<{ vsize: number }>(deps, 'mempool.mempool');
      const vsize = fresh(node?.asOfMs, nowMs) ? (node?.vsize ?? null) : fresh(pub?.asOfMs, nowMs) ? (pub?.data.vsize ?? null) : null;
      return levelCheck(vsize, level, 'above', (v) => `The mempool holds ${(v / 1e6).toFixed(1)} MvB (alert above ${(level / 1e6).toFixed(1)} MvB).`);
    }
    case 'score-below': {
      const s = await deps.store.get(keys.score);
      return levelCheck(s?.overall ?? null, level, 'below', (v) => `The health score is ${v.toFixed(1)} (alert below ${level}).`);
    }
    case 'pillar-below': {
      const s = await deps.store.get(keys.score);
      const scored = Object.entries(s?.pillars ?? {}).filter(([, p]) => p.score !== null) as [string, { score: number; title: string }][];
      if (scored.length === 0) return { active: null, value: null, threshold: level, message: 'no pillar has a score' };
      const low = scored.filter(([, p]) => p.score < level);
      const min = Math.min(...scored.map(([, p]) => p.score));
      return { active: low.length > 0, value: min, threshold: level, message: low.length ? `Below ${level}: ${low.map(([, p]) => `${p.title} ${p.score.toFixed(1)}`).join(', ')}.` : `Every pillar is at ${level} or above.` };
    }
    case 'source-stale': {
      const down: string[] = [];
      for (const name of Object.keys(deps.sources.http)) {
        const st = await deps.store.get(keys.sourceStatus(name));
        if (!st || (st.state !== 'down' && st.state !== 'degraded')) continue;
        // Never answered: down since this process started watching it.
        const since = st.lastOkAtMs ?? startedAtMs;
        if (nowMs - since > level * 60_000) down.push(`${name} (${st.state}${st.lastError?.summary ? `: ${st.lastError.summary}` : ''})`);
      }
      return { active: down.length > 0, value: down.length, threshold: level, message: down.length ? `Not answering for over ${level} min: ${down.join('; ')}.` : 'Every source answers.' };
    }
    case 'node-down': {
      const statuses = (await Promise.all(deps.nodes.map((n) => deps.store.get(keys.nodeStatus(n.id))))).filter((s) => s !== undefined);
      if (statuses.length === 0) return { active: null, value: null, threshold: level, message: 'no node status yet' };
      const best = Math.max(...statuses.map((s) => s.headers ?? s.height ?? 0));
      const bad = statuses.filter((s) => s.state !== 'ok' || (s.height !== null && best - s.height > level)).map((s) => (s.state !== 'ok' ? `${s.id} ${s.state}` : `${s.id} ${best - (s.height ?? 0)} blocks behind`));
      return { active: bad.length > 0, value: bad.length, threshold: level, message: bad.length ? `Node trouble: ${bad.join(', ')}.` : 'Every node answers and is at the tip.' };
    }
    case 'hashrate-drop': {
      const m = await deps.store.get(keys.mining);
      const short = m?.windowsHs['600'] ?? m?.windowsHs['300'];
      const long = m?.windowsHs['10800'];
      if (!m || m.account !== 'ok' || short === undefined || long === undefined || !(long > 0)) return { active: null, value: null, threshold: level, message: 'no hashrate windows from OCEAN' };
      const dropPct = (1 - short / long) * 100;
      return { active: dropPct > level, value: dropPct, threshold: level, message: `Your 10-minute hashrate is ${dropPct.toFixed(0)}% below your 3-hour average (alert above ${level}%).` };
    }
    case 'worker-offline': {
      const w = await deps.store.get(keys.workers);
      if (!w) return { active: null, value: null, threshold: null, message: 'no workers from OCEAN' };
      const off = w.workers.filter((x) => x.state === 'offline').map((x) => x.name);
      return { active: off.length > 0, value: off.length, threshold: null, message: off.length ? `Offline: ${off.slice(0, 10).join(', ')}${off.length > 10 ? ` and ${off.length - 10} more` : ''}.` : 'Every worker is hashing.' };
    }
    case 'pool-block': {
      const m = await deps.store.get(keys.mining);
      const top = Math.max(0, ...(m?.blocks ?? []).map((b) => b.height));
      if (!m || top === 0) return { active: null, value: null, threshold: null, message: 'no pool blocks from OCEAN' };
      const seen = await deps.store.get(keys.alertPoolBlockSeen);
      // The first sighting only sets the mark (the job moves it after the run); a block found before Satscope looked is not news.
      return { active: seen !== undefined && top > seen.height, value: top, threshold: null, message: `OCEAN found block ${top.toLocaleString('en-US')}.` };
    }
  }
}

/** The notification channels the environment configures. */
export function alertChannels(deps: Pick<JobDeps, 'config'>) {
  const a = deps.config.alerts;
  return buildChannels({
    ...(a.webhook ? { webhook: { url: a.webhook.url, secret: a.webhook.secret } } : {}),
    ...(a.ntfy ? { ntfy: { url: a.ntfy.url, token: a.ntfy.token } } : {}),
    ...(a.telegram ? { telegram: { ...a.telegram } } : {}),
    ...(a.email ? { email: { smtpUrl: a.email.smtpUrl, from: a.email.from, to: [...a.email.to] } } : {}),
  });
}
