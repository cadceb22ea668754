// One logger, one line per event. Every line passes through the redactor, so a secret that slips
// into a message, an error or a field is masked before it is written.
//
// Warn and error lines are rate-limited: while Redis is down a worker would otherwise write a line
// per failed attempt, and the web process one per failed request. The first line of an event is
// written; its repeats within the window are counted, and one summary line ends the window.
import { describeError } from './errors.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
  /** Writes the counts of repeats not yet summarized (at shutdown, so none is lost). */
  flush?(): void;
}

export interface LoggerOptions {
  level: LogLevel;
  secrets: readonly string[];
  write?: (line: string) => void;
  now?: () => Date;
  /** Repeats of a warn or error line within this window are counted, not written; 0 writes every line. */
  repeatWindowMs?: number;
  /** How many distinct warn and error events are tracked at once; the oldest is let go (its count written) first. */
  maxRepeatKeys?: number;
}

const DEFAULT_REPEAT_WINDOW_MS = 60_000;
const DEFAULT_MAX_REPEAT_KEYS = 1000;

export function makeRedactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a secret containing another is masked whole.
  const sorted = [...secrets].filter(Boolean).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of sorted) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  };
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(describeError(v));
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return '"[unserializable]"';
  }
}

/**
 * What makes two lines the same event: level, message, bindings and fields, with the measurements
 * left out. Numeric fields are measurements (a duration, a retry delay, an attempt), and so is a
 * number standing alone in an error's text ("retry in 27 s", "127.0.0.1:6379"). Other text fields
 * name who or what (an address, a job, a node, a route) and are kept whole, so two clients or two
 * jobs are two events.
 */
function eventKey(level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  let key = `${level} ${msg}`;
  for (const [k, v] of Object.entries(fields)) {
    const text = typeof v === 'number' ? '#' : formatValue(v);
    key += ` ${k}=${k === 'err' || k === 'error' || v instanceof Error ? text.replace(/\b\d+(?:\.\d+)?\b/g, '#') : text}`;
  }
  return key;
}

/** A repeated line kept for its summary is cut to this many characters. */
const MAX_KEPT_LINE = 2000;

interface Repeat {
  firstAtMs: number;
  /** Occurrences counted, not written, since the first. */
  count: number;
  /** The latest occurrence's line without its timestamp: the summary repeats it. */
  lastBody: string;
  timer: NodeJS.Timeout | undefined;
}

/** Shared by a logger and all its children, so a repeat is caught whichever of them writes it. */
class RepeatLimiter {
  private readonly seen = new Map<string, Repeat>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly nowMs: () => number,
    private readonly writeSummary: (body: string, count: number, overSec: number) => void,
  ) {}

  /** True when the line is to be written; false when it was counted as a repeat. */
  admit(key: string, body: string): boolean {
    if (this.windowMs <= 0) return true;
    const t = this.nowMs();
    const r = this.seen.get(key);
    if (r && t - r.firstAtMs < this.windowMs) {
      r.count++;
      r.lastBody = body.length > MAX_KEPT_LINE ? `${body.slice(0, MAX_KEPT_LINE)}…` : body;
      if (r.count === 1) {
        r.timer = setTimeout(() => this.seen.get(key) === r && this.end(key, r), Math.max(0, r.firstAtMs + this.windowMs - t));
        r.timer.unref();
      }
      return false;
    }
    if (r) this.end(key, r);
    // A flood of distinct events lets the oldest go (in insertion order, so oldest window first).
    while (this.seen.size >= this.maxKeys) {
      const [oldKey, old] = this.seen.entries().next().value as [string, Repeat];
      this.end(oldKey, old);
    }
    this.seen.set(key, { firstAtMs: t, count: 0, lastBody: body, timer: undefined });
    return true;
  }

  /** Writes every pending count now (at shutdown). */
  flush(): void {
    for (const [key, r] of [...this.seen]) this.end(key, r);
  }

  private end(key: string, r: Repeat): void {
    clearTimeout(r.timer);
    this.seen.delete(key);
    if (r.count === 0) return;
    const overMs = Math.min(this.nowMs(), r.firstAtMs + this.windowMs) - r.firstAtMs;
    this.writeSummary(r.lastBody, r.count, Math.max(0, Math.round(overMs / 1000)));
  }
}

interface Core {
  min: number;
  redact: (text: string) => string;
  write: (line: string) => void;
  now: () => Date;
  repeats: RepeatLimiter;
}

function makeLogger(core: Core, bindings: Record<string, unknown>): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < core.min) return;
    const all = { ...bindings, ...fields };
    let body = `${level.padEnd(5)} ${msg}`;
    for (const [k, v] of Object.entries(all)) body += ` ${k}=${formatValue(v)}`;
    if (LEVELS[level] >= LEVELS.warn && !core.repeats.admit(eventKey(level, msg, all), body)) return;
    core.write(core.redact(`${core.now().toISOString()} ${body}`));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => makeLogger(core, { ...bindings, ...b }),
    flush: () => core.repeats.flush(),
  };
}

export function createLogger(opts: LoggerOptions, bindings: Record<string, unknown> = {}): Logger {
  const redact = makeRedactor(opts.secrets);
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  const repeats = new RepeatLimiter(opts.repeatWindowMs ?? DEFAULT_REPEAT_WINDOW_MS, opts.maxRepeatKeys ?? DEFAULT_MAX_REPEAT_KEYS, () => now().getTime(), (body, count, overSec) =>
    write(redact(`${now().toISOString()} ${body} repeated=${count} overSec=${overSec}`)),
  );
  return makeLogger({ min: LEVELS[opts.level], redact, write, now, repeats }, bindings);
}

/** A logger that drops everything, for tests and tools that print their own output. */
export const silentLogger: Logger = createLogger({ level: 'error', secrets: [], write: () => undefined, repeatWindowMs: 0 });
