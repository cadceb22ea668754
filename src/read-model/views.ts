// Read models: every GET reply that shows state is built when what it read changed, into a
// PreparedResponse (body, ETag, headers; gzip made once on first demand), and served from memory.
// A view is a declaration: a name and a builder that reads through a Reader. The Reader records
// what the build read (state keys from the mirror, loaded history, live objects, the clock), so
// the view knows its own inputs: the hot path is one Map lookup and one integer comparison, and a
// rebuild happens only when an input moved.
//
// Ages: a view that read the clock is rebuilt when the clock enters a new half second, so an age in
// a reply (rounded to the second) is never more than 1 s off the true age when it is served.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { HTML_TYPE, PreparedResponse } from '../server/responses.ts';
import type { JsonKey } from '../store/keys.ts';
import type { Generation, StateMirror } from './mirror.ts';

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
  load(): Promise<T>;
}

export interface Reader {
  get<T>(key: JsonKey<T>): T | undefined;
  /** The time to show ages against; reading it makes the view follow the clock. */
  now(): number;
  /** Records a dependency on something outside the store. */
  track(source: Versioned): void;
  /** Loaded data, or undefined while its first load runs (the reply then waits for it). */
  load<T>(loader: Loader<T>): T | undefined;
}

export type Built =
  | { json: unknown; status?: number; headers?: readonly string[] }
  | { html: string; status?: number; headers?: readonly string[]; cacheControl?: string; vary?: string }
  | { text: string; contentType: string; status?: number; headers?: readonly string[]; cacheControl?: string };

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
  builds: number;
}

interface Slot {
  value: unknown;
  rev: number;
  loadedAtMs: number;
  triggerRevs: number[];
  pending: Promise<void> | undefined;
  error: unknown;
}

export interface ViewStats {
  views: number;
  hits: number;
  builds: number;
  loads: number;
}

export class Views {
  private readonly entries = new Map<string, Entry>();
  private readonly slots = new Map<string, Slot>();
  private readonly stats = { hits: 0, builds: 0, loads: 0 };
  private readonly declared = new Map<string, (r: Reader) => Built>();

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
  }

  /** Something outside the store changed (a live event, a probe): views that track it recheck. */
  changed(): void {
    this.generation.bump();
  }

  /**
   * Serves the view `name` (with its variant folded into the name): from memory when current,
   * else built by `build` first. Synchronous unless a first load of history data must be awaited.
   */
  serve(req: IncomingMessage, res: ServerResponse, name: string, build: (r: Reader) => Built): number | Promise<number> {
    const e = this.entries.get(name);
    if (e !== undefined && this.current(e)) {
      this.stats.hits++;
      return e.response.send(req, res);
    }
    const out = this.rebuild(name, build, e);
    return out instanceof PreparedResponse ? out.send(req, res) : out.then((p) => p.send(req, res));
  }

  /** The prepared reply of a view (built if needed), for tests and the benchmark's golden bytes. */
  prepared(name: string, build: (r: Reader) => Built): PreparedResponse | Promise<PreparedResponse> {
    const e = this.entries.get(name);
    return e !== undefined && this.current(e) ? e.response : this.rebuild(name, build, e);
  }

  /** How many times the view was built (tests: a view is rebuilt when its inputs change, and only then). */
  builds(name: string): number {
    return this.entries.get(name)?.builds ?? 0;
  }

  snapshot(): ViewStats {
    return { views: this.entries.size, ...this.stats };
  }

  private current(e: Entry): boolean {
    if (e.step !== -1 && e.step !== Math.floor(this.clock() / CLOCK_STEP_MS)) return false;
    const gen = this.generation.value;
    if (e.gen === gen) return true;
    for (const d of e.deps) {
      const moved = d.kind === 'key' ? this.mirror.rev(d.key) !== d.rev : d.kind === 'source' ? d.source.version !== d.version : d.slot.rev !== d.rev;
      if (moved) return false;
    }
    e.gen = gen;
    return true;
  }

  private rebuild(name: string, build: (r: Reader) => Built, previous: Entry | undefined): PreparedResponse | Promise<PreparedResponse> {
    const attempt = (round: number): PreparedResponse | Promise<PreparedResponse> => {
      const deps: Dep[] = [];
      const waiting: Promise<void>[] = [];
      let readClock = false;
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
        track: (source) => {
          deps.push({ kind: 'source', source, version: source.version });
        },
        load: (loader) => {
          const slot = this.slot(loader, nowMs, reader);
          if (slot.maxAge) readClock = true;
          deps.push({ kind: 'loaded', slot: slot.slot, rev: slot.slot.rev });
          if (slot.slot.rev === 0) {
            if (slot.slot.pending) waiting.push(slot.slot.pending);
            else if (slot.slot.error !== undefined) throw slot.slot.error;
          }
          return slot.slot.value as never;
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
      // First loads of history data: wait for them, then build again with the data (a few rounds at most).
      if (waiting.length > 0 && round < 3) return Promise.all(waiting).then(() => attempt(round + 1));
      const response = prepare(built);
      this.stats.builds++;
      if (this.entries.size >= MAX_ENTRIES && !this.entries.has(name)) this.evict(this.entries);
      this.entries.set(name, { response, deps, gen, step: readClock ? Math.floor(nowMs / CLOCK_STEP_MS) : -1, builds: (previous?.builds ?? this.entries.get(name)?.builds ?? 0) + 1 });
      return response;
    };
    return attempt(0);
  }

  /** The loaded data for a loader: kept, reloaded in the background when a trigger moved or it aged out. */
  private slot(loader: Loader<unknown>, nowMs: number, reader: Reader): { slot: Slot; maxAge: boolean } {
    // Reading the triggers through the reader makes them inputs of the view too.
    const triggerRevs = (loader.triggers ?? []).map((k) => {
      reader.get(k);
      return this.mirror.rev(k);
    });
    let slot = this.slots.get(loader.key);
    if (!slot) {
      slot = { value: undefined, rev: 0, loadedAtMs: 0, triggerRevs, pending: undefined, error: undefined };
      if (this.slots.size >= MAX_ENTRIES) this.evict(this.slots);
      this.slots.set(loader.key, slot);
      this.fill(loader, slot, nowMs);
      return { slot, maxAge: loader.maxAgeMs !== undefined };
    }
    const moved = triggerRevs.some((r, i) => r !== slot.triggerRevs[i]);
    const aged = loader.maxAgeMs !== undefined && nowMs - slot.loadedAtMs >= loader.maxAgeMs;
    if ((moved || aged || slot.error !== undefined) && !slot.pending) {
      slot.triggerRevs = triggerRevs;
      this.fill(loader, slot, nowMs);
    }
    return { slot, maxAge: loader.maxAgeMs !== undefined };
  }

  private fill(loader: Loader<unknown>, slot: Slot, nowMs: number): void {
    slot.loadedAtMs = nowMs;
    slot.error = undefined;
    slot.pending = loader.load().then(
      (value) => {
        this.stats.loads++;
        slot.value = value;
        slot.error = undefined;
        slot.rev++;
        slot.pending = undefined;
        this.generation.bump();
      },
      (err: unknown) => {
        slot.pending = undefined;
        // Before the first load the reply is the error; after it the last data stays.
        if (slot.rev === 0) slot.error = err;
        else this.log.warn('view data not reloaded; the last data stays', { view: loader.key, err: describeError(err) });
        this.generation.bump();
      },
    );
  }

  private evict(map: Map<string, unknown>): void {
    // The oldest tenth goes: simple, and a hostile stream of distinct queries only evicts its own.
    let n = Math.ceil(map.size / 10);
    for (const k of map.keys()) {
      if (n-- <= 0) break;
      map.delete(k);
    }
  }
}

function prepare(built: Built): PreparedResponse {
  if ('json' in built) return PreparedResponse.json(built.json, { status: built.status, headers: built.headers });
  if ('text' in built) return new PreparedResponse(Buffer.from(built.text), built.contentType, built.cacheControl ?? 'no-cache', { status: built.status, headers: built.headers });
  return new PreparedResponse(Buffer.from(built.html), HTML_TYPE, built.cacheControl ?? 'no-cache', { status: built.status, headers: built.headers, vary: built.vary });
}
