import type { Channel, CounterKey, JsonKey, LockKey, MemberSetKey, TallyKey } from './keys.ts';

/**
 * Latest state, caches, locks, counters and the event bus behind one interface.
 * Implementations: MemoryStore (one process) and RedisStore (shared by many processes).
 * test/integration/store-contract.test.ts runs the same suite against both.
 */
/** A state key was written: its name and its new version. */
export interface StateChange {
  name: string;
  version: number;
}

export interface Store {
  readonly kind: 'memory' | 'redis';
  /** The value, or undefined when absent, expired or not of the key's type. */
  get<T>(key: JsonKey<T>): Promise<T | undefined>;
  /** Store a value; ttlMs overrides the key's own TTL. */
  set<T>(key: JsonKey<T>, value: T, ttlMs?: number): Promise<void>;
  delete(key: JsonKey<unknown>): Promise<void>;
  /** Set only if absent, with a TTL; true when this call took the lock. */
  acquireLock(key: LockKey, token: string, ttlMs: number): Promise<boolean>;
  /** Delete only if the lock still holds this token (compare-and-delete); true when released. */
  releaseLock(key: LockKey, token: string): Promise<boolean>;
  /** Extend only if the lock still holds this token. */
  extendLock(key: LockKey, token: string, ttlMs: number): Promise<boolean>;
  /** The token currently holding the lock, if any. */
  lockHolder(key: LockKey): Promise<string | undefined>;
  /** Add `by` and return the new value; the TTL is set when the counter is created. */
  increment(key: CounterKey, by?: number): Promise<number>;
  /**
   * Marks members as seen at nowMs. Members unseen for the key's TTL are dropped first; when the set
   * holds maxMembers, a new member is not added (those already in are still marked).
   */
  touchMembers(key: MemberSetKey, members: readonly string[], nowMs: number): Promise<void>;
  /** How many members were seen at or after sinceMs. */
  countMembers(key: MemberSetKey, sinceMs: number): Promise<number>;
  /** Adds integer amounts to named counters; their TTL starts again with every addition. */
  addTallies(key: TallyKey, by: Readonly<Record<string, number>>): Promise<void>;
  /** Every named counter of the key ({} when there is none). */
  readTallies(key: TallyKey): Promise<Record<string, number>>;
  publish<T>(channel: Channel<T>, message: T): Promise<void>;
  /** Messages that do not match the channel's schema are dropped. Returns an unsubscribe function. */
  subscribe<T>(channel: Channel<T>, handler: (message: T) => void): Promise<() => Promise<void>>;
  /**
   * The version of every state key written (set or deleted) since the store began: a counter per
   * key, bumped atomically with the write. Read models compare it with what they hold, so a change
   * notification that was lost is caught by this cheap check.
   */
  versions(): Promise<Map<string, number>>;
  /** Calls handler after every write of a state key, in every process that watches. */
  watchChanges(handler: (change: StateChange) => void): Promise<() => Promise<void>>;
  /** Delete every shared cache entry (keys.cacheEntry); state, locks and job status stay. */
  flushCache(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
