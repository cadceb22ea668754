// The embedded store across threads. `satscope start` runs its jobs in a worker thread (see
// src/jobs/thread.ts) while the web thread keeps the MemoryStore: serveStore answers the jobs
// thread's calls on the web side, and PortStore is the Store the jobs use on their side. Only
// strings and numbers cross: values are serialized and validated with each key's schema on the
// jobs' side, as RedisStore does with Redis.
import { describeError } from '../errors.ts';
import type { Channel, CounterKey, JsonKey, LockKey, MemberSetKey, TallyKey } from './keys.ts';
import type { MemoryStore } from './memory-store.ts';
import type { StateChange, Store } from './types.ts';

/** A worker_threads Worker, its parentPort, or a MessagePort. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

type Op = 'get' | 'set' | 'delete' | 'acquireLock' | 'releaseLock' | 'extendLock' | 'lockHolder' | 'increment' | 'publish' | 'subscribe' | 'unsubscribe' | 'versions' | 'watch' | 'flushCache' | 'ping'
  | 'touchMembers' | 'countMembers' | 'addTallies' | 'readTallies';
type Arg = string | number | undefined;

interface Call {
  t: 'store';
  id: number;
  op: Op;
  a: Arg[];
}

type Reply = { t: 'store-ret'; id: number; v: unknown } | { t: 'store-err'; id: number; m: string } | { t: 'store-msg'; c: string; w: string } | { t: 'store-chg'; n: string; v: number };

const str = (v: Arg): string => String(v);
const num = (v: Arg): number => Number(v);

/** Answers a PortStore's calls from `store`; returns the function that stops answering. */
export function serveStore(store: MemoryStore, port: PortLike): () => void {
  const subscriptions = new Map<string, () => void>();
  let unwatch: Promise<() => Promise<void>> | undefined;
  const send = (reply: Reply) => port.postMessage(reply);

  async function run(op: Op, a: Arg[]): Promise<unknown> {
    const name = str(a[0]);
    switch (op) {
      case 'get':
        return store.getSerialized(name);
      case 'set':
        return store.setSerialized(name, str(a[1]), a[2] === undefined ? undefined : num(a[2]));
      case 'delete':
        return store.delete({ kind: 'json', name } as JsonKey<unknown>);
      case 'acquireLock':
        return store.acquireLock({ kind: 'lock', name }, str(a[1]), num(a[2]));
      case 'releaseLock':
        return store.releaseLock({ kind: 'lock', name }, str(a[1]));
      case 'extendLock':
        return store.extendLock({ kind: 'lock', name }, str(a[1]), num(a[2]));
      case 'lockHolder':
        return store.lockHolder({ kind: 'lock', name });
      case 'increment':
        return store.increment({ kind: 'counter', name, ttlMs: num(a[2]) }, num(a[1]));
      // Key attributes travel with the name (a: name, ttlMs, maxMembers, then the operation's own).
      case 'touchMembers':
        return store.touchMembers({ kind: 'members', name, ttlMs: num(a[1]), maxMembers: num(a[2]) }, JSON.parse(str(a[3])) as string[], num(a[4]));
      case 'countMembers':
        return store.countMembers({ kind: 'members', name, ttlMs: num(a[1]), maxMembers: num(a[2]) }, num(a[3]));
      case 'addTallies':
        return store.addTallies({ kind: 'tally', name, ttlMs: num(a[1]) }, JSON.parse(str(a[2])) as Record<string, number>);
      case 'readTallies':
        return store.readTallies({ kind: 'tally', name, ttlMs: num(a[1]) });
      case 'publish':
        return store.publishSerialized(name, str(a[1]));
      case 'subscribe':
        if (!subscriptions.has(name)) subscriptions.set(name, store.subscribeSerialized(name, (w) => send({ t: 'store-msg', c: name, w })));
        return undefined;
      case 'unsubscribe':
        subscriptions.get(name)?.();
        subscriptions.delete(name);
        return undefined;
      case 'versions':
        return [...(await store.versions())];
      case 'watch':
        // One watcher per port, even when two calls arrive before the first is registered.
        unwatch ??= store.watchChanges((c) => send({ t: 'store-chg', n: c.name, v: c.version }));
        await unwatch;
        return undefined;
      case 'flushCache':
        return store.flushCache();
      case 'ping':
        return store.ping();
      default:
        throw new Error(`unknown store operation ${String(op)}`);
    }
  }

  const onMessage = (m: unknown) => {
    const call = m as Call;
    if (call?.t !== 'store') return;
    run(call.op, Array.isArray(call.a) ? call.a : []).then(
      (v) => send({ t: 'store-ret', id: call.id, v }),
      (err: unknown) => send({ t: 'store-err', id: call.id, m: describeError(err) }),
    );
  };
  port.on('message', onMessage);
  return () => {
    port.off('message', onMessage);
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
    void unwatch?.then((stop) => stop());
  };
}

/** How long a call waits for the web thread's answer. */
const CALL_TIMEOUT_MS = 10_000;

export class PortStore implements Store {
  readonly kind = 'memory' as const;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Map<string, Set<(wire: string) => void>>();
  private readonly changeHandlers = new Set<(change: StateChange) => void>();
  private closed = false;

  constructor(
    private readonly port: PortLike,
    private readonly timeoutMs = CALL_TIMEOUT_MS,
  ) {
    port.on('message', this.onMessage);
  }

  private readonly onMessage = (m: unknown) => {
    const r = m as Reply;
    if (r?.t === 'store-ret' || r?.t === 'store-err') {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.t === 'store-ret') p.resolve(r.v);
      else p.reject(new Error(r.m));
    } else if (r?.t === 'store-msg') {
      for (const l of this.listeners.get(r.c) ?? []) l(r.w);
    } else if (r?.t === 'store-chg') {
      for (const h of this.changeHandlers) h({ name: r.n, version: r.v });
    }
  };

  private call<T>(op: Op, ...a: Arg[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the store did not answer ${op} within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.port.postMessage({ t: 'store', id, op, a } satisfies Call);
    });
  }

  async get<T>(key: JsonKey<T>): Promise<T | undefined> {
    const wire = await this.call<string | undefined>('get', key.name);
    if (wire === undefined) return undefined;
    const parsed = key.schema.safeParse(JSON.parse(wire));
    return parsed.success ? parsed.data : undefined;
  }

  set<T>(key: JsonKey<T>, value: T, ttlMs?: number): Promise<void> {
    return this.call('set', key.name, JSON.stringify(value), ttlMs ?? key.ttlMs);
  }

  delete(key: JsonKey<unknown>): Promise<void> {
    return this.call('delete', key.name);
  }

  acquireLock(key: LockKey, token: string, ttlMs: number): Promise<boolean> {
    return this.call('acquireLock', key.name, token, ttlMs);
  }

  releaseLock(key: LockKey, token: string): Promise<boolean> {
    return this.call('releaseLock', key.name, token);
  }

  extendLock(key: LockKey, token: string, ttlMs: number): Promise<boolean> {
    return this.call('extendLock', key.name, token, ttlMs);
  }

  lockHolder(key: LockKey): Promise<string | undefined> {
    return this.call('lockHolder', key.name);
  }

  increment(key: CounterKey, by = 1): Promise<number> {
    return this.call('increment', key.name, by, key.ttlMs);
  }

  touchMembers(key: MemberSetKey, members: readonly string[], nowMs: number): Promise<void> {
    return this.call('touchMembers', key.name, key.ttlMs, key.maxMembers, JSON.stringify(members), nowMs);
  }

  countMembers(key: MemberSetKey, sinceMs: number): Promise<number> {
    return this.call('countMembers', key.name, key.ttlMs, key.maxMembers, sinceMs);
  }

  addTallies(key: TallyKey, by: Readonly<Record<string, number>>): Promise<void> {
    return this.call('addTallies', key.name, key.ttlMs, JSON.stringify(by));
  }

  readTallies(key: TallyKey): Promise<Record<string, number>> {
    return this.call('readTallies', key.name, key.ttlMs);
  }

  publish<T>(channel: Channel<T>, message: T): Promise<void> {
    return this.call('publish', channel.name, JSON.stringify(message));
  }

  async subscribe<T>(channel: Channel<T>, handler: (message: T) => void): Promise<() => Promise<void>> {
    const listener = (wire: string) => {
      const parsed = channel.schema.safeParse(JSON.parse(wire));
      if (parsed.success) handler(parsed.data);
    };
    let set = this.listeners.get(channel.name);
    if (!set) {
      set = new Set();
      this.listeners.set(channel.name, set);
      await this.call('subscribe', channel.name);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel.name);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel.name);
      if (!this.closed) await this.call('unsubscribe', channel.name);
    };
  }

  async versions(): Promise<Map<string, number>> {
    return new Map(await this.call<[string, number][]>('versions'));
  }

  async watchChanges(handler: (change: StateChange) => void): Promise<() => Promise<void>> {
    if (this.changeHandlers.size === 0) await this.call('watch');
    this.changeHandlers.add(handler);
    return async () => {
      this.changeHandlers.delete(handler);
    };
  }

  flushCache(): Promise<number> {
    return this.call('flushCache');
  }

  ping(): Promise<void> {
    return this.call('ping');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.port.off('message', this.onMessage);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the store is closed'));
    }
    this.pending.clear();
    this.listeners.clear();
    this.changeHandlers.clear();
  }
}
