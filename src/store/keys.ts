// The key registry: every state key, cache key, lock, counter and event channel Satscope uses,
// with its TTL and value type, in one place. No other file spells a key.
import { z } from 'zod';
import { savedSettingsSchema } from '../domain/mining-settings.ts';
import { scoreSnapshotSchema } from '../domain/score.ts';
import { chainSnapshotSchema, electrumSnapshotSchema, feesSnapshotSchema, mempoolSnapshotSchema, miningSnapshotSchema, nodeStatusSchema, workersSnapshotSchema } from '../domain/snapshots.ts';

export const KEY_PREFIX = 'satscope:v1:';
/** Prefix of the shared cache tier; an admin cache flush removes exactly these keys. */
export const CACHE_PREFIX = `${KEY_PREFIX}cache:`;

export interface JsonKey<T> {
  readonly kind: 'json';
  readonly name: string;
  readonly ttlMs: number | undefined;
  readonly schema: z.ZodType<T>;
}
export interface LockKey {
  readonly kind: 'lock';
  readonly name: string;
}
export interface CounterKey {
  readonly kind: 'counter';
  readonly name: string;
  readonly ttlMs: number;
}
/** Members with the time each was last seen (a Redis sorted set), at most maxMembers of them. */
export interface MemberSetKey {
  readonly kind: 'members';
  readonly name: string;
  /** A member unseen this long is dropped; the whole set expires after this long untouched. */
  readonly ttlMs: number;
  readonly maxMembers: number;
}
/** Named counters under one key (a Redis hash: name → count). */
export interface TallyKey {
  readonly kind: 'tally';
  readonly name: string;
  /** The counters expire together this long after the last addition. */
  readonly ttlMs: number;
}
export interface Channel<T> {
  readonly kind: 'channel';
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const jsonKey = <T>(name: string, ttlMs: number | undefined, schema: z.ZodType<T>): JsonKey<T> => ({ kind: 'json', name: KEY_PREFIX + name, ttlMs, schema });

export const jobStatusSchema = z.object({
  name: z.string(),
  intervalMs: z.number(),
  timeoutMs: z.number(),
  running: z.boolean(),
  lockHolder: z.string().nullable(),
  lastStartedAtMs: z.number().nullable(),
  lastFinishedAtMs: z.number().nullable(),
  lastDurationMs: z.number().nullable(),
  lastOutcome: z.enum(['ok', 'error', 'timeout', 'lost']).nullable(),
  lastError: z.string().nullable(),
  /** The same failure in words for people (the technical chain is lastError). */
  lastErrorSummary: z.string().nullable().optional(),
  consecutiveFailures: z.number().int(),
  nextRunAtMs: z.number(),
  runs: z.number().int(),
  progress: z.object({ done: z.number(), total: z.number().nullable(), note: z.string().optional() }).nullable().optional(),
  /** While running: when the holder last renewed its lock, and the lease it renews. */
  heartbeatAtMs: z.number().nullable().optional(),
  leaseMs: z.number().optional(),
  /** The holder that stopped renewing its lock mid-run (a killed process), once another took over. */
  lostHolder: z.string().nullable().optional(),
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** A value from a public source, as fetched: where from, when, and the parsed data. */
export const publicPieceSchema = z.object({ source: z.string(), asOfMs: z.number(), data: z.unknown() });
export type PublicPiece = z.infer<typeof publicPieceSchema>;

export const busEventSchema = z.object({
  type: z.string(),
  id: z.string(),
  tsMs: z.number(),
  data: z.unknown(),
});
export type BusEvent = z.infer<typeof busEventSchema>;

export const sourceStatusSchema = z.object({
  name: z.string(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  state: z.enum(['idle', 'ok', 'degraded', 'down', 'disabled']),
  lastOkAtMs: z.number().nullable(),
  lastErrorAtMs: z.number().nullable(),
  /** `summary` is for people; `message` is the technical chain. */
  lastError: z.object({ code: z.string(), message: z.string(), summary: z.string().optional() }).nullable(),
  /** The verdict of the last job run that read the source: the state follows it. */
  lastRun: z.object({ job: z.string(), atMs: z.number(), parts: z.number(), failed: z.number(), failedParts: z.array(z.string()).optional() }).nullable().optional(),
  breaker: z.enum(['closed', 'open', 'half-open']),
  counts: z.record(z.number()),
  rateLimit: z.object({ tokens: z.number(), capacity: z.number(), blockedUntilMs: z.number().nullable() }).nullable(),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

const firingSchema = z.object({
  firingId: z.string(),
  ruleId: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  title: z.string(),
  message: z.string(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  firedAtMs: z.number(),
  resolvedAtMs: z.number().nullable(),
  resolvedMessage: z.string().nullable(),
});
export const alertsSummarySchema = z.object({
  asOfMs: z.number(),
  active: z.array(firingSchema),
  recent: z.array(firingSchema),
  rules: z.array(z.object({ id: z.string(), kind: z.string(), title: z.string(), severity: z.string(), cooldownMin: z.number(), enabled: z.boolean(), builtin: z.boolean() }).passthrough()),
  channels: z.array(z.object({ name: z.string(), target: z.string(), state: z.enum(['idle', 'ok', 'sending', 'failing']), lastAttemptAtMs: z.number().nullable(), attempts: z.number(), lastError: z.string().nullable() })),
});
export type AlertsSummary = z.infer<typeof alertsSummarySchema>;

/** The data lake as its stream process last saw it (src/lake/pipeline.ts), for /api/v1/lake and the Status page. */
export const lakeStatusSchema = z.object({
  asOfMs: z.number(),
  holder: z.string(),
  tables: z.array(z.object({ table: z.string(), partitions: z.number(), files: z.number(), rows: z.number(), bytes: z.number(), firstHourMs: z.number().nullable(), lastHourMs: z.number().nullable() })),
  buffer: z.object({ rows: z.number(), oldestAcceptedMs: z.number().nullable() }),
  accepted: z.number(),
  lastFlush: z.object({ atMs: z.number(), rows: z.number(), files: z.number(), durationMs: z.number() }).nullable(),
  lastSeal: z.object({ atMs: z.number(), files: z.number() }).nullable(),
  s3: z.object({ target: z.string(), pending: z.number(), failing: z.number(), lastUpload: z.object({ atMs: z.number(), key: z.string() }).nullable(), lastError: z.object({ atMs: z.number(), message: z.string() }).nullable() }).nullable(),
  engine: z.object({ running: z.boolean(), starts: z.number(), lastError: z.string().nullable() }),
  errors: z.array(z.object({ atMs: z.number(), what: z.string(), message: z.string() })),
  rowsPerHour: z.array(z.object({ hourMs: z.number(), rows: z.number() })),
  settings: z.object({ flushSec: z.number(), flushRows: z.number(), minChangePct: z.number(), retentionDays: z.record(z.number()) }),
});
export type LakeStatus = z.infer<typeof lakeStatusSchema>;

/** The registry. Functions for parameterised keys; every entry states its TTL. */
export const keys = {
  /** Job status written by whichever process ran the job last; read by every web process. */
  jobStatus: (job: string) => jsonKey(`job:${job}:status`, 7 * DAY_MS, jobStatusSchema),
  /** A run asked for by hand (admin, another process); honoured after the run in progress, if any. */
  jobRunRequest: (job: string) => jsonKey(`job:${job}:run-request`, DAY_MS, z.object({ requestedAtMs: z.number() })),
  /** Held while one process runs the job; the scheduler sets its TTL (> the job timeout) per job. */
  jobLock: (job: string): LockKey => ({ kind: 'lock', name: `${KEY_PREFIX}lock:job:${job}` }),
  /** Each source's health as last seen by the process that used it. */
  sourceStatus: (source: string) => jsonKey(`source:${source}:status`, 7 * DAY_MS, sourceStatusSchema),
  /** Per-client request counter for the fixed window starting at windowStartSec. */
  rateLimit: (clientId: string, windowStartSec: number): CounterKey => ({ kind: 'counter', name: `${KEY_PREFIX}ratelimit:${clientId}:${windowStartSec}`, ttlMs: 120_000 }),
  /** Shared cache entries (the store tier of the response cache). */
  cacheEntry: (name: string) => jsonKey(`cache:${name}`, 10 * 60_000, z.unknown()),
  /** Latest state. Kept for a week so that a source that goes down leaves its last good value, shown as stale. */
  chain: jsonKey('state:chain', 7 * DAY_MS, chainSnapshotSchema),
  mempool: jsonKey('state:mempool', 7 * DAY_MS, mempoolSnapshotSchema),
  fees: jsonKey('state:fees', 7 * DAY_MS, feesSnapshotSchema),
  nodeStatus: (node: string) => jsonKey(`state:node:${node}`, 7 * DAY_MS, nodeStatusSchema),
  electrum: jsonKey('state:electrum', 7 * DAY_MS, electrumSnapshotSchema),
  /** Your OCEAN account and your workers, from the ocean job. */
  mining: jsonKey('state:mining', 30 * DAY_MS, miningSnapshotSchema),
  workers: jsonKey('state:workers', 30 * DAY_MS, workersSnapshotSchema),
  /** The network health scorecard, from the score job. */
  score: jsonKey('state:score', 30 * DAY_MS, scoreSnapshotSchema),
  /** Alerts: the open and recent firings, the rules and each channel's state, from the alerts job. */
  alerts: jsonKey('state:alerts', 30 * DAY_MS, alertsSummarySchema),
  /** The highest OCEAN block the pool-block alert has seen. */
  alertPoolBlockSeen: jsonKey('state:alerts:pool-block', 365 * DAY_MS, z.object({ height: z.number() })),
  /** The mining settings saved on the Settings page (history holds them too); each process lays them over its environment. */
  miningSettings: jsonKey('state:mining-settings', 365 * DAY_MS, savedSettingsSchema),
  /** One piece of public data (e.g. `mempool.fees`), kept a month so a source that goes away leaves its last value. */
  publicPiece: (piece: string) => jsonKey(`state:public:${piece}`, 30 * DAY_MS, publicPieceSchema),
  /** The blocks in history changed (a block saved or orphaned): read models of blocks reload on it. */
  blocksChanged: jsonKey('state:blocks', 30 * DAY_MS, z.object({ height: z.number().int(), hash: z.string(), atMs: z.number() })),
  /** Held by the one process that runs the lake's stream pipeline (renewed while it runs). */
  lakeLock: { kind: 'lock', name: `${KEY_PREFIX}lock:lake-stream` } as LockKey,
  /** The lake's figures, from the process holding lakeLock. */
  lakeStatus: jsonKey('state:lake', 30 * DAY_MS, lakeStatusSchema),
  /** Dashboard viewers seen by any web process: a tab's random id → its last heartbeat (ms); a tab heartbeats every 30 s, so two missed ones and it no longer counts. */
  viewers: { kind: 'members', name: `${KEY_PREFIX}traffic:viewers`, ttlMs: 75_000, maxMembers: 100_000 } as MemberSetKey,
  /** Pages rendered by every web process: page → views, kept a month after the last view. */
  pageViews: { kind: 'tally', name: `${KEY_PREFIX}traffic:page-views`, ttlMs: 30 * DAY_MS } as TallyKey,
  /** Typed live events, across processes when Redis is used. */
  events: { kind: 'channel', name: `${KEY_PREFIX}events`, schema: busEventSchema } as Channel<BusEvent>,
  /** Which state key was written, with its new version (published by the store with the write). */
  changes: { kind: 'channel', name: `${KEY_PREFIX}changes`, schema: z.object({ name: z.string(), version: z.number().int() }) } as Channel<{ name: string; version: number }>,
  /** The version counter of every state key (a Redis hash: key name → version). */
  versions: `${KEY_PREFIX}versions`,
} as const;

/** Keys whose writes are versioned and announced: everything but the shared cache tier. */
export const isStateKey = (name: string): boolean => !name.startsWith(CACHE_PREFIX);

/** Every static key pattern, for the registry test and the docs. */
export const KEY_PATTERNS = [
  keys.jobStatus('{job}'),
  keys.jobLock('{job}'),
  keys.jobRunRequest('{job}'),
  keys.sourceStatus('{source}'),
  keys.rateLimit('{client}', 0),
  keys.cacheEntry('{name}'),
  keys.chain,
  keys.mempool,
  keys.fees,
  keys.nodeStatus('{node}'),
  keys.electrum,
  keys.mining,
  keys.workers,
  keys.miningSettings,
  keys.score,
  keys.alerts,
  keys.alertPoolBlockSeen,
  keys.publicPiece('{piece}'),
  keys.blocksChanged,
  keys.lakeLock,
  keys.lakeStatus,
  keys.viewers,
  keys.pageViews,
  keys.events,
  keys.changes,
] as const;
