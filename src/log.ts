// One logger, one line per event. Every line passes through the redactor, so a secret that slips
// into a message, an error or a field is masked before it is written.
import { describeError } from './errors.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  secrets: readonly string[];
  write?: (line: string) => void;
  now?: () => Date;
}

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

export function createLogger(opts: LoggerOptions, bindings: Record<string, unknown> = {}): Logger {
  const min = LEVELS[opts.level];
  const redact = makeRedactor(opts.secrets);
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    let line = `${now().toISOString()} ${level.padEnd(5)} ${msg}`;
    for (const [k, v] of Object.entries({ ...bindings, ...fields })) line += ` ${k}=${formatValue(v)}`;
    write(redact(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => createLogger({ ...opts, write }, { ...bindings, ...b }),
  };
}

/** A logger that drops everything, for tests and tools that print their own output. */
export const silentLogger: Logger = createLogger({ level: 'error', secrets: [], write: () => undefined });
