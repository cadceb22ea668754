// Read models: every GET reply that shows state is built when what it read changed, into a
// PreparedResponse (body, ETag, headers; gzip made once on first demand), and served from memory.
// A view is a declaration: a name and a builder that reads through a Reader. The Reader records
// what the build read (state keys from the mirror, loaded history, live objects, the clock), so
// the view knows its own inputs: the hot path is one Map lookup and one integer comparison, and a
// rebuild happens only when an input moved.
//
// Ages: a view that read the clock is rebuilt when the clock enters a new half second, so an age in
// a reply (rounded to the second) is never more than 1 s off the true age when it is served. Pages
// defer the clock instead: their ages are slots (format.ts, DEFER_CLOCK) filled in each half second
// from the built text, which costs microseconds rather than a render; and what flips at a moment
// (a card turning stale) is asked with r.after(ms), which rebuilds the view when that moment comes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fillClockSlots, hasClockSlots } from '../domain/format.ts';
import { describeError, SatscopeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { PreparedResponse } from '../server/responses.ts';
import { prepare, type Built } from './built.ts';
import type { JsonKey } from '../store/keys.ts';
import type { Generation, StateMirror } from './mirror.ts';

export type { Built } from './built.ts';

export const CLOCK_STEP_MS = 500;
/** Views and loaded data kept at once: parameterised paths (a block, a chart range) cannot grow memory without bound. */
const MAX_ENTRIES = 1000;

/** Anything outside the store a view may show (the live stream's snapshot, the health probes): it bumps the generation when it changes. */
export interface Versioned {
  readonly version: number;
}

/** Data from the history database (or any async source), loaded off the hot path and kept until it is due again. */
export interface Loader<T> {
  /** Unique per data set, e.g. `blocks:25:false`. */
  key: string;
  /** Reload when one of these state keys changes (e.g. keys.blocksChanged). */
  triggers?: readonly JsonKey<unknown>[];
  /** Reload when older than this (series that grow every minute). */
  maxAgeMs?: number;
  /** The loaded data's size in bytes, estimated (large lists: a block's transactions), for the byte budget of loaded data. */
  bytes?(value: T): number;
  load(): Promise<T>;
}

export interface Reader {
  get<T>(key: JsonKey<T>): T | undefined;
  /** The time to show ages against; reading it makes the view follow the clock. */
  now(): number;
  /** Whether the clock is past `ms`; the view is rebuilt when it gets there (a value turning stale). */
  after(ms: number): boolean;
  /** Records a dependency on something outside the store. */
  track(source: Versioned): void;
  /** Loaded data, or undefined while its first load runs (the reply then waits for it). */
  load<T>(loader: Loader<T>): T | undefined;
}

type Dep =
  | { kind: 'key'; key: JsonKey<unknown>; rev: number }
  | { kind: 'source'; source: Versioned; version: number }
  | { kind: 'loaded'; slot: Slot; rev: number };

interface Entry {
  response: PreparedResponse;
  deps: Dep[];
  /** The generation this entry was last confirmed current at. */
  gen: number;
  /** The clock step it was built in, or -1 when it did not read the clock. */
  step: number;
  /** Rebuilt once the clock reaches this (r.after). */
  deadline: number;
  /** A reply with clock slots: the built text, its options, and the step its slots were filled in. */
  clocked: { text: string; built: Built; step: number } | undefined;
  builds: number;
  /** When it was last served (a counter): eviction drops the least recently used. */
  used: number;
  bytes: number;
}

interface Slot {
  value: unknown;
  rev: number;
  loadedAtMs: number;
  triggerRevs: number[];
  pending: Promise<void> | undefined;
  /** The last load failed (before any success: the reply is this error). */
  error: unknown;
  /** A reload failed: try again on the next build after retryAtMs. */
  retryAtMs: number;
  /** Moves when a failed reload is due again, so the views that read it are rebuilt (and retry). */
  due: number;
  /** Replies wait for the load under way (a first load, a moved trigger, data far past its age limit). */
  urgent: boolean;
  used: number;
  /** Its data's estimated size (Loader.bytes), counted in the byte budget of loaded data. */
  bytes: number;
}

export interface ViewStats {
  views: number;
  hits: number;
  builds: number;
  loads: number;
  bytes: number;
}

/** A history load that takes longer fails (the view answers its error, or keeps its last data). */
const LOAD_TIMEOUT_MS = 10_000;
/** A failed load is tried again after this long, when its view is asked for. */
const RETRY_MS = 1000;
/** The bytes of prepared replies held at once (bodies; gzip variants come on top when asked for). */
const MAX_BYTES = 16 * 1024 * 1024;
/** A reply this large is built per request and not kept (e.g. a CSV export of every point). */
const MAX_KEPT_BYTES = 256 * 1024;
/** The estimated bytes of loaded data held at once (loaders that say their size); past it the least recently used go. */
const MAX_SLOT_BYTES = 48 * 1024 * 1024;

export class Views {
  private readonly entries = new Map<string, Entry>();
  private readonly slots = new Map<string, Slot>();
  private readonly stats = { hits: 0, builds: 0, loads: 0 };
  private readonly declared = new Map<string, (r: Reader) => Built>();
  private bytes = 0;
  private slotBytes = 0;
  private uses = 0;

  constructor(
    readonly mirror: StateMirror,
    private readonly generation: Generation,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A view with no variants, built once at start (warm) so the mirror holds its inputs before the first request. */
  declare(name: string, build: (r: Reader) => Built): void {
    this.declared.set(name, build);
  }

  /** Builds every declared view, waits for the state they read, and builds them again with it. */
  async warm(): Promise<void> {
    const all = async () => {
      for (const [name, build] of this.declared) {
        try {
          await this.prepared(name, build);
        } catch {
          // a view that cannot be built yet answers with its error when asked
        }
      }
    };
    await all();
    await this.settled();
    await all();
  }

  /** Resolves when the mirror and every data load under way have finished (tests, warm start). */
  async settled(): Promise<void> {
    for (;;) {
      await this.mirror.settled();
      const pending = [...this.slots.values()].flatMap((s) => (s.pending ? [s.pending] : []));
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** Drops every built view and loaded data set (an admin's cache flush): each is built again when asked. */
  clear(): void {
    this.entries.clear();
    this.slots.clear();
    this.slotBytes = 0;
    this.bytes = 0;
  }

  /** Something outside the store changed (a live event, a probe): views that track it recheck. */
  changed(): void {
    this.generation.bump();
  }

  /**
   * Serves the view `name` (with its variant folded into the name): from memory when current,
   * else built by `build` first. Synchronous unless history data must be awaited (a first load,
   * or a reload after its trigger moved or it aged out).
   */
  serve(req: IncomingMessage, res: ServerResponse, name: string, build: (r: Reader) => Built): number | Promise<number> {
    const e = this.entries.get(name);
    if (e !== undefined && this.current(e)) {
      this.stats.hits++;
      e.used = ++this.uses;
      return this.filled(e).send(req, res);
    }
    const out = this.rebuild(name, build, e);
    return out instanceof PreparedResponse ? out.send(req, res) : out.then((p) => p.send(req, res));
  }

  /** Serves the view from memory when it is current; undefined when it must be built (the caller then calls serve). */
  serveIfCurrent(req: IncomingMessage, res: ServerResponse, name: string): number | undefined {
    const e = this.entries.get(name);
    if (e === undefined || !this.current(e)) return undefined;
    this.stats.hits++;
    e.used = ++this.uses;
    return this.filled(e).send(req, res);
  }

  /** The entry's reply, its clock slots filled for this half second (again only when the step moved). */
  private filled(e: Entry): PreparedResponse {
    const c = e.clocked;
    if (c === undefined) return e.response;
    const nowMs = this.clock();
    const step = Math.floor(nowMs / CLOCK_STEP_MS);
    if (c.step !== step) {
      c.step = step;
      e.response = prepare(c.built, fillClockSlots(c.text, nowMs));
    }
    return e.response;
  }

  /** The prepared reply of a view (built if needed), for tests and the warm start. */
  prepared(name: string, build: (r: Reader) => Built): PreparedResponse | Promise<PreparedResponse> {
    const e = this.entries.get(name);
    return e !== undefined && this.current(e) ? this.filled(e) : this.rebuild(name, build, e);
  }

  /** A reply built once from the current state and not kept (a form's answer). */
  once(build: (r: Reader) => Built): PreparedResponse | Promise<PreparedResponse> {
    return this.rebuild(undefined, build, undefined);
  }

  /** How many times the view was built (tests: a view is rebuilt when its inputs change, and only then). */
  builds(name: string): number {
    return this.entries.get(name)?.builds ?? 0;
  }

  snapshot(): ViewStats {
    return { views: this.entries.size, ...this.stats, bytes: this.bytes };
  }

  private current(e: Entry): boolean {
    if (e.step !== -1 && e.step !== Math.floor(this.clock() / CLOCK_STEP_MS)) return false;
    if (e.deadline !== Infinity && this.clock() >= e.deadline) return false;
    const gen = this.generation.value;
    if (e.gen === gen) return true;
    for (const d of e.deps) {
      const moved = d.kind === 'key' ? this.mirror.rev(d.key) !== d.rev : d.kind === 'source' ? d.source.version !== d.version : d.slot.rev + d.slot.due !== d.rev;
      if (moved) return false;
    }
    e.gen = gen;
    return true;
  }

  private rebuild(name: string | undefined, build: (r: Reader) => Built, previous: Entry | undefined): PreparedResponse | Promise<PreparedResponse> {
    const attempt = (round: number): PreparedResponse | Promise<PreparedResponse> => {
      const deps: Dep[] = [];
      const waiting: Promise<void>[] = [];
      let readClock = false;
      let deadline = Infinity;
      const gen = this.generation.value;
      const nowMs = this.clock();
      const reader: Reader = {
        get: (key) => {
          const value = this.mirror.get(key);
          deps.push({ kind: 'key', key: key as JsonKey<unknown>, rev: this.mirror.rev(key as JsonKey<unknown>) });
          return value;
        },
        now: () => {
          readClock = true;
          return nowMs;
        },
        after: (ms) => {
          if (nowMs >= ms) return true;
          deadline = Math.min(deadline, ms);
          return false;
        },
        track: (source) => {
          deps.push({ kind: 'source', source, version: source.version });
        },
        load: (loader) => {
          const { slot, wait } = this.slot(loader, nowMs, reader, round);
          // Data with an age limit is looked at again when it reaches it (not every half second).
          if (loader.maxAgeMs !== undefined) deadline = Math.min(deadline, Math.max(slot.loadedAtMs + loader.maxAgeMs, nowMs + 1));
          deps.push({ kind: 'loaded', slot, rev: slot.rev + slot.due });
          if (wait && slot.pending) waiting.push(slot.pending);
          else if (slot.rev === 0 && slot.error !== undefined) throw slot.error;
          return slot.value as never;
        },
      };
      let built: Built;
      try {
        built = build(reader);
      } catch (err) {
        // A builder may give up on data still loading: it gets the data on the next round.
        if (waiting.length > 0 && round < 3) return Promise.all(waiting).then(() => attempt(round + 1));
        throw err;
      }
      // Data being loaded for this reply: wait for it, then build again with it (a few rounds at most).
      if (waiting.length > 0 && round < 3) return Promise.all(waiting).then(() => attempt(round + 1));
      // Clock slots (deferred ages) are filled now and again each half second when served.
      const text = 'html' in built && hasClockSlots(built.html) ? built.html : undefined;
      const response = text === undefined ? prepare(built) : prepare(built, fillClockSlots(text, nowMs));
      this.stats.builds++;
      if (name === undefined) return response;
      const builds = (previous?.builds ?? 0) + 1;
      const old = this.entries.get(name);
      if (old) {
        this.bytes -= old.bytes;
        this.entries.delete(name);
      }
      // A reply too large to keep is served once; the next request builds it again.
      if (response.bytes <= MAX_KEPT_BYTES) {
        const clocked = text === undefined ? undefined : { text, built, step: Math.floor(nowMs / CLOCK_STEP_MS) };
        // A page with clock slots also keeps its built text (counted at two bytes a character).
        const bytes = response.bytes + (text === undefined ? 0 : text.length * 2);
        this.entries.set(name, { response, deps, gen, step: readClock ? Math.floor(nowMs / CLOCK_STEP_MS) : -1, deadline, clocked, builds, used: ++this.uses, bytes });
        this.bytes += bytes;
        if (this.entries.size > MAX_ENTRIES || this.bytes > MAX_BYTES) this.evictViews();
      }
      return response;
    };
    return attempt(0);
  }

  /**
   * The loaded data for a loader. Loaded again when a trigger moved, when it aged out, or when a
   * failed load is due for a retry; `wait` says the reply should wait for that load (a first load,
   * a trigger that moved, data twice its age limit) rather than show the last data.
   */
  private slot(loader: Loader<unknown>, nowMs: number, reader: Reader, round: number): { slot: Slot; wait: boolean } {
    // Reading the triggers through the reader makes them inputs of the view too.
    const triggerRevs = (loader.triggers ?? []).map((k) => {
      reader.get(k);
      return this.mirror.rev(k);
    });
    let slot = this.slots.get(loader.key);
    if (!slot) {
      slot = { value: undefined, rev: 0, loadedAtMs: 0, triggerRevs, pending: undefined, error: undefined, retryAtMs: 0, due: 0, urgent: true, used: ++this.uses, bytes: 0 };
      this.slots.set(loader.key, slot);
      if (this.slots.size > MAX_ENTRIES) this.evictSlots();
      this.fill(loader, slot, nowMs, triggerRevs);
      return { slot, wait: true };
    }
    slot.used = ++this.uses;
    if (slot.pending) return { slot, wait: slot.rev === 0 || slot.urgent };
    const moved = triggerRevs.some((r, i) => r !== slot.triggerRevs[i]);
    const age = nowMs - slot.loadedAtMs;
    const aged = loader.maxAgeMs !== undefined && age >= loader.maxAgeMs;
    const failed = slot.error !== undefined || slot.retryAtMs > 0;
    // A failed load is tried again once RETRY_MS has passed, and not within the same reply.
    if (failed && (nowMs < slot.retryAtMs || round > 0)) return { slot, wait: false };
    if (!moved && !aged && !failed) return { slot, wait: false };
    const veryOld = loader.maxAgeMs !== undefined && age >= 2 * loader.maxAgeMs;
    slot.urgent = slot.rev === 0 || moved || veryOld;
    this.fill(loader, slot, nowMs, triggerRevs);
    return { slot, wait: slot.urgent };
  }

  /** Loads the slot's data; the trigger revisions it answers for are taken only when it succeeds. */
  private fill(loader: Loader<unknown>, slot: Slot, nowMs: number, triggerRevs: number[]): void {
    slot.loadedAtMs = nowMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SatscopeError('HISTORY_UNAVAILABLE', `history did not answer within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      timer.unref();
    });
    slot.pending = Promise.race([Promise.resolve().then(() => loader.load()), timeout])
      .then(
        (value) => {
          this.stats.loads++;
          slot.value = value;
          // A slot dropped while it loaded (a cache flush, an eviction) is no longer counted.
          if (loader.bytes && this.slots.get(loader.key) === slot) {
            const bytes = loader.bytes(value as never);
            this.slotBytes += bytes - slot.bytes;
            slot.bytes = bytes;
            if (this.slotBytes > MAX_SLOT_BYTES) this.evictSlots(slot);
          }
          slot.triggerRevs = triggerRevs;
          slot.error = undefined;
          slot.retryAtMs = 0;
          slot.rev++;
        },
        (err: unknown) => {
          // Before the first load the reply is the error; after it the last data stays. Either
          // way the load is tried again after RETRY_MS, when a view that reads it is asked for.
          if (slot.rev === 0) slot.error = err;
          else this.log.warn('view data not reloaded; the last data stays', { view: loader.key, err: describeError(err) });
          slot.retryAtMs = this.clock() + RETRY_MS;
          const retry = setTimeout(() => {
            slot.due++;
            this.generation.bump();
          }, RETRY_MS);
          retry.unref();
        },
      )
      .finally(() => {
        clearTimeout(timer);
        slot.pending = undefined;
        this.generation.bump();
      });
  }

  /** The least recently served tenth goes (more while over the byte budget). */
  private evictViews(): void {
    const byUse = [...this.entries].sort((a, b) => a[1].used - b[1].used);
    let n = Math.ceil(byUse.length / 10);
    for (const [name, e] of byUse) {
      if (n <= 0 && this.bytes <= MAX_BYTES * 0.9) break;
      this.entries.delete(name);
      this.bytes -= e.bytes;
      n--;
    }
  }

  /**
   * The least recently used tenth goes, and more while loaded data is over its byte budget. An
   * evicted slot lets go of its data and moves, so a view built from it is built again (and loads
   * it again) when next asked for, rather than holding the data on.
   */
  private evictSlots(keep?: Slot): void {
    const byUse = [...this.slots].filter(([, s]) => !s.pending && s !== keep).sort((a, b) => a[1].used - b[1].used);
    let n = this.slots.size > MAX_ENTRIES ? Math.ceil(byUse.length / 10) : 0;
    for (const [key, s] of byUse) {
      if (n <= 0 && this.slotBytes <= MAX_SLOT_BYTES * 0.9) break;
      // Past the count, only data that counts towards the byte budget is let go for it.
      if (n <= 0 && s.bytes === 0) continue;
      this.slots.delete(key);
      this.slotBytes -= s.bytes;
      s.bytes = 0;
      s.value = undefined;
      s.due++;
      n--;
    }
    this.generation.bump();
  }

  /** The estimated bytes of loaded data held (tests). */
  loadedBytes(): number {
    return this.slotBytes;
  }
}
