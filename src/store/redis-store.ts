// The shared store: many processes, one Redis. Locks are SET NX PX with a random token and are
// released by a Lua compare-and-delete, so a process never frees a lock another one took after
// its own expired. Commands fail fast with STORE_UNAVAILABLE while Redis is down (no offline
// queue) and the client reconnects by itself.
import { Redis } from 'ioredis';
import { SatscopeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Channel, CounterKey, JsonKey, LockKey, MemberSetKey, TallyKey } from './keys.ts';
import { CACHE_PREFIX, isStateKey, keys } from './keys.ts';
import type { StateChange, Store } from './types.ts';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
// A state write, its version and its announcement in one step: a reader that sees the new version
// can read the new value, and a lost announcement is caught by comparing versions.
const SET_LUA = `if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
local v = redis.call('HINCRBY', KEYS[2], KEYS[1], 1)
redis.call('PUBLISH', ARGV[3], cjson.encode({name = KEYS[1], version = v}))
return v`;
const DEL_LUA = `redis.call('DEL', KEYS[1])
local v = redis.call('HINCRBY', KEYS[2], KEYS[1], 1)
redis.call('PUBLISH', ARGV[1], cjson.encode({name = KEYS[1], version = v}))
return v`;
const INCR_LUA = `local v = redis.call('INCRBY', KEYS[1], ARGV[1]) if v == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return v`;
// Drop the members unseen for the TTL, mark the given ones seen (new ones only while there is room),
// and let the whole set expire after the TTL untouched. ARGV: now, '(' .. cutoff, ttl, max, members...
const TOUCH_LUA = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local room = tonumber(ARGV[4]) - redis.call('ZCARD', KEYS[1])
for i = 5, #ARGV do
  if room > 0 then room = room - redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) else redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0`;
// ARGV: ttl, then name, amount pairs.
const TALLY_LUA = `for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`;

export interface RedisStoreOptions {
  url: string;
  log: Logger;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(wire: string) => void>>();
  private readonly log: Logger;

  constructor(private readonly opts: RedisStoreOptions) {
    this.log = opts.log;
    this.client = this.connect('command');
  }

  private connect(role: string): Redis {
    const client = new Redis(this.opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.opts.commandTimeoutMs ?? 2000,
      connectTimeout: this.opts.connectTimeoutMs ?? 3000,
      retryStrategy: (attempt) => Math.min(200 * 2 ** Math.min(attempt, 6), 5000),
    });
    let wasDown = false;
    client.on('error', (err: Error) => {
      if (!wasDown) this.log.warn('redis connection error', { role, err });
      wasDown = true;
    });
    client.on('ready', () => {
      if (wasDown) this.log.info('redis connection restored', { role });
      wasDown = false;
    });
    return client;
  }

  /** Try to connect once; a failure is logged and left to the reconnect loop. */
  async start(): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      this.log.error('redis is unreachable; retrying in the background', { err });
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new SatscopeError('STORE_UNAVAILABLE', `redis ${what} failed`, { cause: err });
    }
  }

  async get<T>(key: JsonKey<T>): Promise<T | undefined> {
    const raw = await this.call('GET', () => this.client.get(key.name));
    if (raw === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const parsed = key.schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  async set<T>(key: JsonKey<T>, value: T, ttlMs?: number): Promise<void> {
    const ttl = ttlMs ?? key.ttlMs;
    const wire = JSON.stringify(value);
    if (!isStateKey(key.name)) {
      await this.call('SET', () => (ttl === undefined ? this.client.set(key.name, wire) : this.client.set(key.name, wire, 'PX', ttl)));
      return;
    }
    await this.call('SET', () => this.client.eval(SET_LUA, 2, key.name, keys.versions, wire, ttl === undefined ? '' : String(ttl), keys.changes.name));
  }

  async delete(key: JsonKey<unknown>): Promise<void> {
    if (!isStateKey(key.name)) {
      await this.call('DEL', () => this.client.del(key.name));
      return;
    }
    await this.call('DEL', () => this.client.eval(DEL_LUA, 2, key.name, keys.versions, keys.changes.name));
  }

  async versions(): Promise<Map<string, number>> {
    const all = await this.call('HGETALL', () => this.client.hgetall(keys.versions));
    return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  watchChanges(handler: (change: StateChange) => void): Promise<() => Promise<void>> {
    return this.subscribe(keys.changes, handler);
  }

  async acquireLock(key: LockKey, token: string, ttlMs: number): Promise<boolean> {
    return (await this.call('SET NX', () => this.client.set(key.name, token, 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async releaseLock(key: LockKey, token: string): Promise<boolean> {
    return (await this.call('release', () => this.client.eval(RELEASE_LUA, 1, key.name, token))) === 1;
  }

  async extendLock(key: LockKey, token: string, ttlMs: number): Promise<boolean> {
    return (await this.call('extend', () => this.client.eval(EXTEND_LUA, 1, key.name, token, String(ttlMs)))) === 1;
  }

  async lockHolder(key: LockKey): Promise<string | undefined> {
    return (await this.call('GET', () => this.client.get(key.name))) ?? undefined;
  }

  async increment(key: CounterKey, by = 1): Promise<number> {
    return Number(await this.call('INCR', () => this.client.eval(INCR_LUA, 1, key.name, String(by), String(key.ttlMs))));
  }

  async touchMembers(key: MemberSetKey, members: readonly string[], nowMs: number): Promise<void> {
    if (members.length === 0) return;
    await this.call('ZADD', () => this.client.eval(TOUCH_LUA, 1, key.name, String(nowMs), `(${nowMs - key.ttlMs}`, String(key.ttlMs), String(key.maxMembers), ...members));
  }

  async countMembers(key: MemberSetKey, sinceMs: number): Promise<number> {
    return this.call('ZCOUNT', () => this.client.zcount(key.name, sinceMs, '+inf'));
  }

  async addTallies(key: TallyKey, by: Readonly<Record<string, number>>): Promise<void> {
    const pairs = Object.entries(by).flatMap(([name, n]) => [name, String(n)]);
    if (pairs.length === 0) return;
    await this.call('HINCRBY', () => this.client.eval(TALLY_LUA, 1, key.name, String(key.ttlMs), ...pairs));
  }

  async readTallies(key: TallyKey): Promise<Record<string, number>> {
    const all = await this.call('HGETALL', () => this.client.hgetall(key.name));
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  async publish<T>(channel: Channel<T>, message: T): Promise<void> {
    await this.call('PUBLISH', () => this.client.publish(channel.name, JSON.stringify(message)));
  }

  async subscribe<T>(channel: Channel<T>, handler: (message: T) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) {
      // A subscribed connection can do nothing else, so it is a second connection, opened on first use.
      const sub = this.connect('subscriber');
      sub.on('message', (name: string, wire: string) => {
        for (const h of this.handlers.get(name) ?? []) h(wire);
      });
      this.subscriber = sub;
      await this.call('connect', () => sub.connect());
    }
    const sub = this.subscriber;
    const listener = (wire: string) => {
      let value: unknown;
      try {
        value = JSON.parse(wire);
      } catch {
        return;
      }
      const parsed = channel.schema.safeParse(value);
      if (parsed.success) handler(parsed.data);
    };
    let set = this.handlers.get(channel.name);
    if (!set) {
      set = new Set();
      this.handlers.set(channel.name, set);
      await this.call('SUBSCRIBE', () => sub.subscribe(channel.name));
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0) {
        this.handlers.delete(channel.name);
        await this.call('UNSUBSCRIBE', () => sub.unsubscribe(channel.name));
      }
    };
  }

  async flushCache(): Promise<number> {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, batch] = await this.call('SCAN', () => this.client.scan(cursor, 'MATCH', `${CACHE_PREFIX}*`, 'COUNT', 500));
      cursor = next;
      if (batch.length > 0) removed += await this.call('DEL', () => this.client.del(...batch));
    } while (cursor !== '0');
    return removed;
  }

  async ping(): Promise<void> {
    await this.call('PING', () => this.client.ping());
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}
