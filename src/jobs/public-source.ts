// One job per public source: each piece of data it offers is fetched, checked, and stored with its
// source and time. A piece that fails keeps its last good value (served as stale); the failure is
// counted on the source. The run fails only when every piece failed, so backoff applies then.
import { describeError, isSatscopeError, SatscopeError } from '../errors.ts';
import type { PublicSourceName } from '../config.ts';
import { publishEvent, type EventType } from '../events.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';
import { bucketize } from '../domain/fee-tiers.ts';

export interface PieceSpec<T> {
  /** Store name, e.g. `mempool.fees`. */
  piece: string;
  fetch(signal: AbortSignal): Promise<T>;
  /** Throws UPSTREAM_OUT_OF_RANGE; gets the previous good value for consistency checks. */
  check?(value: T, previous: T | undefined): void;
  /** History series this piece feeds, written at minute resolution. */
  points?(value: T): { series: string; value: number | null | undefined }[];
}

export function publicSourceJob(
  deps: JobDeps,
  opts: { name: string; source: PublicSourceName; intervalMs: number; timeoutMs?: number; pieces: (signal: AbortSignal) => PieceSpec<unknown>[] },
): JobDefinition {
  const timeoutMs = opts.timeoutMs ?? 45_000;
  return {
    name: opts.name,
    intervalMs: opts.intervalMs,
    timeoutMs,
    cooldownMs: 5_000,
    async run(ctx) {
      const tracker = deps.sources.tracker(opts.source);
      // What the source did wrong (no answer, a bad reply, a value out of range), apart from what
      // went wrong on our side (the store or the history): only the former counts against it.
      const sourceFailures = new Map<unknown, string>();
      const specs = opts.pieces(ctx.signal);
      const results = await Promise.allSettled(
        specs.map(async (spec) => {
          let value: unknown;
          try {
            value = await spec.fetch(ctx.signal);
          } catch (err) {
            sourceFailures.set(err, spec.piece);
            throw err;
          }
          const previous = await deps.store.get(keys.publicPiece(spec.piece));
          try {
            spec.check?.(value, previous?.data as never);
          } catch (err) {
            tracker?.record({ error: err });
            sourceFailures.set(err, spec.piece);
            throw err;
          }
          const nowMs = Date.now();
          await deps.store.set(keys.publicPiece(spec.piece), { source: opts.source, asOfMs: nowMs, data: value });
          const minute = Math.floor(nowMs / 60_000) * 60;
          const points = (spec.points?.(value) ?? []).flatMap((p) => (typeof p.value === 'number' && Number.isFinite(p.value) ? [{ series: p.series, tsSec: minute, value: p.value }] : []));
          if (points.length > 0) await deps.history.upsertPoints(points);
          return { piece: spec.piece, value };
        }),
      );
      const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const theirs = reasons.filter((r) => sourceFailures.has(r));
      tracker?.settle(opts.name, results.length, theirs, theirs.map((r) => sourceFailures.get(r) as string));
      const fresh = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (fresh.length > 0) await publishPieces(deps, opts.source, fresh).catch((err: unknown) => ctx.log.debug('public event not published', { err: describeError(err) }));
      const failed = reasons.map((r) => describeError(r));
      if (failed.length > 0) ctx.log.warn('public data not refreshed', { source: opts.source, failed: failed.length, first: failed[0] });
      if (failed.length === results.length && results.length > 0) {
        const first = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        throw isSatscopeError(first.reason) ? first.reason : new SatscopeError('UPSTREAM_NETWORK', failed[0] ?? 'failed');
      }
    },
  };
}

// Pieces small enough to travel in a live event; lists (blocks, pools, top coins) are read on load.
const MAX_EVENT_PIECE_BYTES = 4096;

/**
 * What of a piece a live event carries. mempool.space's histogram has a step per fee rate (often
 * hundreds, several KB): the event carries it summed into the page's fee bands, which is what the
 * page draws, so the live mempool figures and histogram fit in the event.
 */
export function eventForm(piece: string, value: unknown): unknown {
  if (piece !== 'mempool.mempool' || value === null || typeof value !== 'object') return value;
  const m = value as { histogram?: unknown };
  if (!Array.isArray(m.histogram)) return value;
  return { ...m, histogram: bucketize(m.histogram as { feeRate: number; vsize: number }[]).filter((b) => b.vsize > 0) };
}

/**
 * A `public-<source>` event with the pieces refreshed in this run, keyed by the piece's name
 * without the source (`public-mempool.fees.fastestSatVb`), so public cards are live like node cards.
 */
async function publishPieces(deps: JobDeps, source: PublicSourceName, fresh: readonly { piece: string; value: unknown }[]): Promise<void> {
  const nowMs = Date.now();
  const data: Record<string, unknown> = { source, asOfMs: nowMs };
  for (const { piece, value } of fresh) {
    const shown = eventForm(piece, value);
    if (JSON.stringify(shown ?? null).length > MAX_EVENT_PIECE_BYTES) continue;
    data[piece.slice(piece.indexOf('.') + 1)] = shown;
  }
  await publishEvent(deps.store, `public-${source}` as EventType, data, nowMs);
}
