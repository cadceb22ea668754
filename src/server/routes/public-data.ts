// Shared by the network and market views: a piece of public data as {source, asOf, ageSec,
// stale, data}, or {data: null, reason} with the source's own words for why there is none.
import type { Reader } from '../../read-model/views.ts';
import { sourceStatusesFrom } from '../../sources/source-tracker.ts';
import { keys, type PublicPiece, type SourceStatus } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';

/** A piece is stale after three missed refreshes of its source. */
const STALE_AFTER_MS: Record<string, number> = {
  mempool: 180_000,
  coingecko: 360_000,
  coinbase: 180_000,
  blockchain: 1_800_000,
  bitnodes: 7_200_000,
  forkmonitor: 1_800_000,
  market: 600_000,
};

export interface PieceReply<T = unknown> {
  source: string | null;
  asOf: string | null;
  ageSec: number | null;
  stale: boolean;
  data: T | null;
  /** Why there is no data, or why it is stale: one sentence for people. */
  reason?: string;
  /** The technical chain behind `reason`, when a failure caused it. */
  detail?: string;
}

export function sourceStatuses(r: Reader, app: AppContext): Map<string, SourceStatus> {
  return new Map(sourceStatusesFrom(r.get, app.sources.trackers).map((s) => [s.name, s]));
}

function why(status: SourceStatus | undefined): { reason: string; detail?: string } | undefined {
  if (!status) return undefined;
  if (status.disabledReason) return { reason: status.disabledReason };
  if (!status.lastError) return undefined;
  return { reason: status.lastError.summary ?? status.lastError.message, detail: status.lastError.message };
}

/**
 * Stale when three refreshes were missed, or at once when the source's last call failed after
 * this value was fetched: what is shown is then the last good value, and the reason says why.
 */
export function pieceReply<T>(piece: PublicPiece | undefined, pieceName: string, statuses: Map<string, SourceStatus>, clock: number | ((ms: number) => boolean) = Date.now()): PieceReply<T> {
  const sourceName = pieceName.split('.')[0] ?? '';
  if (!piece) return { source: null, asOf: null, ageSec: null, stale: false, data: null, ...(why(statuses.get(sourceName)) ?? { reason: 'not fetched yet' }) };
  const staleAfterMs = STALE_AFTER_MS[sourceName] ?? 600_000;
  // A page asks only whether the piece is past its age limit (r.after), and shows no ageSec.
  const aged = typeof clock === 'number' ? clock - piece.asOfMs > staleAfterMs : clock(piece.asOfMs + staleAfterMs + 1);
  const owners = piece.source.split('+').map((n) => statuses.get(n));
  // A source's failure makes this piece stale only when it was this piece that failed (the last run
  // names its failed parts), or when the whole source is down.
  const failedHere = (s: SourceStatus) => s.state === 'down' || !s.lastRun?.failedParts || s.lastRun.failedParts.includes(pieceName);
  const failedSince = owners.find((s) => s && s.state !== 'ok' && s.state !== 'idle' && (s.lastErrorAtMs ?? 0) > piece.asOfMs && failedHere(s));
  const stale = aged || failedSince !== undefined;
  const reason = stale ? (why(failedSince) ?? why(statuses.get(sourceName)) ?? { reason: 'not refreshed recently' }) : undefined;
  return { source: piece.source, asOf: new Date(piece.asOfMs).toISOString(), ageSec: typeof clock === 'number' ? Math.round((clock - piece.asOfMs) / 1000) : null, stale, data: piece.data as T, ...(reason ?? {}) };
}

/** Pages pass ages: false: no ageSec (they show asOf), so they need not follow the clock. */
export interface PieceOptions {
  ages?: boolean;
}

/**
 * The named public pieces as the views show them, read from the mirror. Only the statuses of the
 * sources behind these pieces are read, so a view is not rebuilt for an unrelated source's call.
 */
export function readPieces(r: Reader, app: AppContext, names: readonly string[], o: PieceOptions = {}): Record<string, PieceReply> {
  const pieces = names.map((n) => r.get(keys.publicPiece(n)));
  const owners = new Set<string>();
  names.forEach((n, i) => {
    owners.add(n.split('.')[0] ?? '');
    for (const s of pieces[i]?.source.split('+') ?? []) owners.add(s);
  });
  const trackers = app.sources.trackers.filter((t) => owners.has(t.def.name));
  const statuses = new Map(sourceStatusesFrom(r.get, trackers).map((s) => [s.name, s]));
  const clock = o.ages === false ? (ms: number) => r.after(ms) : r.now();
  return Object.fromEntries(names.map((n, i) => [n, pieceReply(pieces[i], n, statuses, clock)]));
}
