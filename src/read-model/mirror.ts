// The process's copy of the state the views read: every state key a view has asked for, parsed and
// checked once when it changes, then read synchronously. A key changes through the store's change
// announcements (the write and its announcement are one step in the store); a cheap comparison of
// versions every CHECK_MS catches an announcement that was lost (a Redis reconnect, a dropped
// message), so no view stays behind because one message went missing. While the store is down
// the last values stay, and the views show their ages.
import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { JsonKey } from '../store/keys.ts';
import type { StateChange, Store } from '../store/types.ts';

/** A counter that moves whenever anything a view may read changed: the views' fast check. */
export class Generation {
  value = 0;
  bump(): void {
    this.value++;
  }
}

interface Entry {
  key: JsonKey<unknown>;
  value: unknown;
  /** Moves each time `value` is replaced: what a view compares with what it was built from. */
  rev: number;
  /** The store's version of the key as last announced or checked; undefined before the first check. */
  storeVersion: number | undefined;
  loading: Promise<void> | undefined;
  /** Another change arrived during a load: load again after it. */
  again: boolean;
  /** The last load failed: the next check tries again. */
  failed: boolean;
}

/** Every this many version checks, every key is read again. */
const REFRESH_EVERY = 30;

export interface MirrorOptions {
  /** How often versions are compared with the store's. */
  checkMs?: number;
}

export class StateMirror {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  /** Loads (from the store) done since start, for tests and /api/cache/stats. */
  loads = 0;
  private checks = 0;

  constructor(
    private readonly store: Store,
    readonly generation: Generation,
    private readonly log: Logger,
    private readonly opts: MirrorOptions = {},
  ) {}

  /** The value now held for key; the first read of a key starts watching it (and returns undefined until loaded). */
  get<T>(key: JsonKey<T>): T | undefined {
    return this.entry(key).value as T | undefined;
  }

  /** The revision of key's value here: compared by views to know whether they are current. */
  rev(key: JsonKey<unknown>): number {
    return this.entry(key).rev;
  }

  private entry(key: JsonKey<unknown>): Entry {
    let e = this.entries.get(key.name);
    if (!e) {
      e = { key, value: undefined, rev: 0, storeVersion: undefined, loading: undefined, again: false, failed: false };
      this.entries.set(key.name, e);
      this.load(e);
    }
    return e;
  }

  private load(e: Entry): void {
    if (e.loading) {
      e.again = true;
      return;
    }
    e.loading = this.store
      .get(e.key)
      .then(
        (value) => {
          this.loads++;
          e.failed = false;
          // The same value read again (a periodic refresh) changes nothing downstream.
          if (e.rev > 0 && JSON.stringify(value) === JSON.stringify(e.value)) return;
          e.value = value;
          e.rev++;
          this.generation.bump();
        },
        (err: unknown) => {
          e.failed = true;
          this.log.debug('state not read; the last value stays', { key: e.key.name, err: describeError(err) });
        },
      )
      .finally(() => {
        e.loading = undefined;
        if (e.again) {
          e.again = false;
          this.load(e);
        }
      });
  }

  private onChange(change: StateChange): void {
    const e = this.entries.get(change.name);
    if (!e || e.storeVersion === change.version) return;
    e.storeVersion = change.version;
    this.load(e);
  }

  /**
   * Compares every watched key's version with the store's and reloads what moved. With Redis,
   * every REFRESH_EVERY checks every key is read again, whatever its version: a write that bypassed
   * the versions (a process of an older release during an upgrade) or a value that expired is seen too.
   */
  async check(): Promise<void> {
    const versions = await this.store.versions();
    // Only a shared store can see writes from outside this release's processes; the embedded one
    // announces every write it takes.
    const all = this.store.kind === 'redis' && ++this.checks % REFRESH_EVERY === 0;
    for (const e of this.entries.values()) {
      const v = versions.get(e.key.name) ?? 0;
      if (v === e.storeVersion && !e.failed && !all) continue;
      // Also the first check after the first load: a write may have come between the two.
      e.storeVersion = v;
      this.load(e);
    }
  }

  async start(): Promise<void> {
    this.unwatch = await this.store.watchChanges((c) => this.onChange(c));
    const every = this.opts.checkMs ?? 1000;
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => this.log.debug('state versions not checked', { err: describeError(err) }));
    }, every);
    this.timer.unref();
  }

  /** Resolves when every load under way has finished (a warm start, and tests). */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.entries.values()].flatMap((e) => (e.loading ? [e.loading] : []));
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.unwatch?.().catch(() => undefined);
  }
}
