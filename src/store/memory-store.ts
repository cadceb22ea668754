// The embedded store: one process, no network. Values are kept serialized, like in Redis, so that
// both implementations behave the same (a stored object is a copy, not a shared reference).
import { EventEmitter } from 'node:events';
import type { Channel, CounterKey, JsonKey, LockKey, MemberSetKey, TallyKey } from './keys.ts';
import { CACHE_PREFIX, isStateKey } from './keys.ts';
import type { StateChange, Store } from './types.ts';

interface Entry {
  value: string;
  expiresAtMs: number; // Infinity when the key has no TTL
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  // Counters apart from serialized values: the rate limiter bumps one on every request.
  private readonly counters = new Map<string, { count: number; expiresAtMs: number }>();
  private readonly memberSets = new Map<string, { seen: Map<string, number>; expiresAtMs: number }>();
  private readonly tallies = new Map<string, { counts: Map<string, number>; expiresAtMs: number }>();
  private readonly bus = new EventEmitter();
  private readonly versionOf = new Map<string, number>();
  private readonly changeHandlers = new Set<(change: StateChange) => void>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  private live(name: string): Entry | undefined {
    const e = this.entries.get(name);
    if (e && e.expiresAtMs <= this.now()) {
      this.entries.delete(name);
      return undefined;
    }
    return e;
  }

  private put(name: string, value: string, ttlMs: number | undefined): void {
    this.entries.set(name, { value, expiresAtMs: ttlMs === undefined ? Infinity : this.now() + ttlMs });
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expiresAtMs <= t) this.entries.delete(k);
    for (const [k, c] of this.counters) if (c.expiresAtMs <= t) this.counters.delete(k);
    for (const [k, m] of this.memberSets) if (m.expiresAtMs <= t) this.memberSets.delete(k);
    for (const [k, c] of this.tallies) if (c.expiresAtMs <= t) this.tallies.delete(k);
  }

  async get<T>(key: JsonKey<T>): Promise<T | undefined> {
    const value = this.getSerialized(key.name);
    if (value === undefined) return undefined;
    const parsed = key.schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  }

  async set<T>(key: JsonKey<T>, value: T, ttlMs?: number): Promise<void> {
    this.setSerialized(key.name, JSON.stringify(value), ttlMs ?? key.ttlMs);
  }

  // The serialized forms, for the jobs thread's PortStore (src/store/port-store.ts): it parses and
  // validates on its own side, so only strings cross between the threads.
  getSerialized(name: string): string | undefined {
    return this.live(name)?.value;
  }

  setSerialized(name: string, value: string, ttlMs: number | undefined): void {
    this.put(name, value, ttlMs);
    this.changed(name);
  }

  publishSerialized(channel: string, wire: string): void {
    setImmediate(() => this.bus.emit(channel, wire));
  }

  /** Every message on the channel as sent (unvalidated); returns the unsubscribe function. */
  subscribeSerialized(channel: string, listener: (wire: string) => void): () => void {
    this.bus.on(channel, listener);
    return () => this.bus.off(channel, listener);
  }

  async delete(key: JsonKey<unknown>): Promise<void> {
    this.entries.delete(key.name);
    this.changed(key.name);
  }

  /** The version moves with the write; watchers hear of it right after (never inline in set). */
  private changed(name: string): void {
    if (!isStateKey(name)) return;
    const change = { name, version: (this.versionOf.get(name) ?? 0) + 1 };
    this.versionOf.set(name, change.version);
    if (this.changeHandlers.size > 0) queueMicrotask(() => this.changeHandlers.forEach((h) => h(change)));
  }

  async versions(): Promise<Map<string, number>> {
    return new Map(this.versionOf);
  }

  async watchChanges(handler: (change: StateChange) => void): Promise<() => Promise<void>> {
    this.changeHandlers.add(handler);
    return async () => {
      this.changeHandlers.delete(handler);
    };
  }

  async acquireLock(key: LockKey, token: string, ttlMs: number): Promise<boolean> {
    if (this.live(key.name)) return false;
    this.put(key.name, token, ttlMs);
    return true;
  }

  async releaseLock(key: LockKey, token: string): Promise<boolean> {
    if (this.live(key.name)?.value !== token) return false;
    this.entries.delete(key.name);
    return true;
  }

  async extendLock(key: LockKey, token: string, ttlMs: number): Promise<boolean> {
    if (this.live(key.name)?.value !== token) return false;
    this.put(key.name, token, ttlMs);
    return true;
  }

  async lockHolder(key: LockKey): Promise<string | undefined> {
    return this.live(key.name)?.value;
  }

  /** Synchronous core of increment(), for the per-request rate limiter's hot path. */
  incrementNow(key: CounterKey, by = 1): number {
    const c = this.counters.get(key.name);
    if (c && c.expiresAtMs > this.now()) return (c.count += by);
    this.counters.set(key.name, { count: by, expiresAtMs: this.now() + key.ttlMs });
    return by;
  }

  async increment(key: CounterKey, by = 1): Promise<number> {
    return this.incrementNow(key, by);
  }

  private liveMembers(name: string): Map<string, number> | undefined {
    const m = this.memberSets.get(name);
    if (!m) return undefined;
    if (m.expiresAtMs > this.now()) return m.seen;
    this.memberSets.delete(name);
    return undefined;
  }

  async touchMembers(key: MemberSetKey, members: readonly string[], nowMs: number): Promise<void> {
    if (members.length === 0) return;
    const seen = this.liveMembers(key.name) ?? new Map<string, number>();
    this.memberSets.set(key.name, { seen, expiresAtMs: this.now() + key.ttlMs });
    for (const [m, atMs] of seen) if (atMs < nowMs - key.ttlMs) seen.delete(m);
    for (const m of members) if (seen.has(m) || seen.size < key.maxMembers) seen.set(m, nowMs);
  }

  async countMembers(key: MemberSetKey, sinceMs: number): Promise<number> {
    let n = 0;
    for (const atMs of this.liveMembers(key.name)?.values() ?? []) if (atMs >= sinceMs) n++;
    return n;
  }

  async addTallies(key: TallyKey, by: Readonly<Record<string, number>>): Promise<void> {
    const t = this.tallies.get(key.name);
    const counts = t && t.expiresAtMs > this.now() ? t.counts : new Map<string, number>();
    this.tallies.set(key.name, { counts, expiresAtMs: this.now() + key.ttlMs });
    for (const [name, n] of Object.entries(by)) counts.set(name, (counts.get(name) ?? 0) + n);
  }

  async readTallies(key: TallyKey): Promise<Record<string, number>> {
    const t = this.tallies.get(key.name);
    return t && t.expiresAtMs > this.now() ? Object.fromEntries(t.counts) : {};
  }

  async publish<T>(channel: Channel<T>, message: T): Promise<void> {
    // Delivered asynchronously, as over Redis, so a publisher never runs subscriber code inline.
    this.publishSerialized(channel.name, JSON.stringify(message));
  }

  async subscribe<T>(channel: Channel<T>, handler: (message: T) => void): Promise<() => Promise<void>> {
    const listener = (wire: string) => {
      const parsed = channel.schema.safeParse(JSON.parse(wire));
      if (parsed.success) handler(parsed.data);
    };
    this.bus.on(channel.name, listener);
    return async () => {
      this.bus.off(channel.name, listener);
    };
  }

  async flushCache(): Promise<number> {
    let n = 0;
    for (const k of [...this.entries.keys()]) {
      if (k.startsWith(CACHE_PREFIX)) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('memory store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
    this.changeHandlers.clear();
  }
}
