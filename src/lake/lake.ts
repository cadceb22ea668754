// The lake on disk: flushes from the buffer into Parquet files (through the engine), seals closed
// hours by merging their files into one, drops files past their table's retention, and lists the
// files of a window for queries (partition pruning: only the hours asked are read).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { LakeConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { LakeBuffer, type FileEntry, type Flush } from './buffer.ts';
import type { LakeEngine } from './engine-client.ts';
import type { WriteFile } from './engine-protocol.ts';
import { rowValues } from './extract.ts';
import { columnNames, HOUR_MS, hourOf, isSealedName, parsePartitionDir, partFileName, partitionDir, sealedFileName, TABLE_NAMES, type TableName } from './tables.ts';

export const bufferFile = (lakeDir: string): string => join(dirname(lakeDir), 'lake-buffer.db');

export function md5Of(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/**
 * The Parquet files of a table's hours between two times, from the folders (no manifest needed: web
 * processes read this too), and how many of those hours have any. Read without blocking, a few
 * dozen folders at a time.
 */
export async function filesForWindow(lakeDir: string, table: TableName, fromMs: number, toMs: number): Promise<{ files: string[]; hoursWithFiles: number; hours: number }> {
  const hours: number[] = [];
  for (let h = hourOf(fromMs); h <= toMs; h += HOUR_MS) hours.push(h);
  const files: string[] = [];
  let hoursWithFiles = 0;
  for (let i = 0; i < hours.length; i += 64) {
    const lists = await Promise.all(
      hours.slice(i, i + 64).map(async (h) => {
        const dir = join(lakeDir, partitionDir(table, h));
        const names = await readdir(dir).catch(() => [] as string[]);
        return names.filter((n) => n.endsWith('.parquet')).map((n) => join(dir, n));
      }),
    );
    for (const l of lists) {
      if (l.length) hoursWithFiles++;
      files.push(...l);
    }
  }
  return { files, hoursWithFiles, hours: hours.length };
}

/** The earliest hour a table has files for, from the folder names (cheap: the first year, month, day, hour). */
export function firstHour(lakeDir: string, table: TableName): number | undefined {
  let rel = table;
  for (const level of ['year', 'month', 'day', 'hour']) {
    let names: string[];
    try {
      names = readdirSync(join(lakeDir, rel))
        .filter((n) => n.startsWith(`${level}=`))
        .sort();
    } catch {
      return undefined;
    }
    const first = names[0];
    if (first === undefined) return undefined;
    rel = `${rel}/${first}` as TableName;
  }
  return parsePartitionDir(rel)?.hourMs;
}

export interface FlushResult {
  flushId: number;
  rows: number;
  files: string[];
  redone: boolean;
}

export class Lake {
  readonly buffer: LakeBuffer;

  constructor(
    readonly config: LakeConfig,
    readonly engine: LakeEngine,
    private readonly log: Logger,
    /** Another buffer than DATA_DIR/lake-buffer.db (`stream --test`). */
    bufferPath = bufferFile(config.dir),
  ) {
    this.buffer = new LakeBuffer(bufferPath);
  }

  /** Writes one batch of buffered rows (first a flush cut short by a crash, if any). Undefined when nothing waits. */
  async flushOnce(nowMs = Date.now()): Promise<FlushResult | undefined> {
    const unfinished = this.buffer.unfinishedFlush();
    const flush = unfinished ?? this.buffer.beginFlush(this.config.flushRows, nowMs);
    if (!flush) return undefined;
    if (unfinished) this.log.warn('redoing a lake flush cut short', { flush: flush.id, rows: flush.lastSeq - flush.firstSeq + 1 });
    return this.write(flush, unfinished !== undefined);
  }

  /** Everything the buffer holds, in batches. */
  async flushAll(nowMs = Date.now()): Promise<FlushResult[]> {
    const out: FlushResult[] = [];
    for (let r = await this.flushOnce(nowMs); r; r = await this.flushOnce(nowMs)) out.push(r);
    return out;
  }

  private async write(flush: Flush, redone: boolean): Promise<FlushResult> {
    const rows = this.buffer.rowsOf(flush);
    const groups = new Map<string, WriteFile & { hourMs: number }>();
    for (const r of rows) {
      const hourMs = hourOf(r.tsMs);
      const rel = join(partitionDir(r.table, hourMs), partFileName(this.buffer.writer, flush.id));
      let g = groups.get(rel);
      if (!g) groups.set(rel, (g = { path: join(this.config.dir, rel), table: r.table, rows: [], hourMs }));
      g.rows.push(rowValues(r, columnNames(r.table)));
    }
    const written = groups.size ? await this.engine.call<{ path: string; rows: number; bytes: number }[]>({ op: 'write', files: [...groups.values()].map(({ path, table, rows: rs }) => ({ path, table, rows: rs })) }) : [];
    const nowMs = Date.now();
    this.buffer.finishFlush(
      flush,
      written.map((w) => {
        const g = [...groups.values()].find((x) => x.path === w.path) as WriteFile & { hourMs: number };
        return { path: relative(this.config.dir, w.path), table: g.table, hourMs: g.hourMs, rows: w.rows, bytes: w.bytes, writtenMs: nowMs };
      }),
      nowMs,
    );
    return { flushId: flush.id, rows: rows.length, files: written.map((w) => relative(this.config.dir, w.path)), redone };
  }

  /**
   * Seals hours that closed before `nowMs` (less a grace for late rows): every Parquet file in the
   * hour's folder (this writer's parts, an earlier sealed file, files another tool put there) is
   * merged into one, data-<writer>.parquet, each event once; then the merged inputs are removed. An
   * hour sealed before that got a late file is merged again, its sealed file included. At most
   * `maxHours` hours a call, so a long backlog is worked off in steps. Returns the files sealed.
   */
  async seal(nowMs = Date.now(), graceMs = this.config.flushMs + 60_000, maxHours = 100): Promise<FileEntry[]> {
    const closedBefore = hourOf(nowMs - graceMs);
    const sealedName = sealedFileName(this.buffer.writer);
    const byHour = new Map<string, FileEntry[]>();
    for (const f of this.buffer.files({ beforeHourMs: closedBefore })) {
      const k = `${f.table}|${f.hourMs}`;
      byHour.set(k, [...(byHour.get(k) ?? []), f]);
    }
    const sealed: FileEntry[] = [];
    for (const files of byHour.values()) {
      if (sealed.length >= maxHours) break;
      const first = files[0] as FileEntry;
      const dirRel = partitionDir(first.table, first.hourMs);
      const outRel = join(dirRel, sealedName);
      if (files.length === 1 && first.sealed && first.path === outRel) continue;
      const onDisk = (await readdir(join(this.config.dir, dirRel)).catch(() => [] as string[])).filter((n) => n.endsWith('.parquet')).map((n) => join(dirRel, n));
      if (onDisk.length === 0) {
        this.buffer.removeFiles(files.map((f) => f.path));
        continue;
      }
      const out = join(this.config.dir, outRel);
      const r = await this.engine.call<{ rows: number; bytes: number }>({ op: 'compact', table: first.table, inputs: onDisk.map((p) => join(this.config.dir, p)), output: out });
      const entry: FileEntry = { path: outRel, table: first.table, hourMs: first.hourMs, rows: r.rows, bytes: r.bytes, writtenMs: Date.now(), sealed: true, md5: md5Of(out), uploadedMs: null, uploadError: null, uploadAttempts: 0, nextUploadMs: null };
      // The merged file is in place before its inputs go: a crash here leaves duplicates that queries count once, and the next seal merges again.
      this.buffer.putFile(entry);
      const gone = [...new Set([...onDisk, ...files.map((f) => f.path)])].filter((p) => p !== outRel);
      for (const p of gone) rmSync(join(this.config.dir, p), { force: true });
      this.buffer.removeFiles(gone);
      sealed.push(entry);
    }
    return sealed;
  }

  /**
   * Deletes the hours past each table's retention (LAKE_RETENTION_DAYS); returns the files removed.
   * With LAKE_S3_URL a file waits until its upload is done: the mirror keeps what the disk lets go.
   */
  applyRetention(nowMs = Date.now()): string[] {
    const removed: string[] = [];
    for (const [table, days] of Object.entries(this.config.retentionDays)) {
      const before = hourOf(nowMs - days * 86_400_000);
      const old = this.buffer.files({ table: table as TableName, beforeHourMs: before }).filter((f) => !this.config.s3 || (f.sealed && f.uploadedMs !== null));
      for (const f of old) {
        const abs = join(this.config.dir, f.path);
        rmSync(abs, { force: true });
        removeEmptyParents(abs, this.config.dir);
      }
      this.buffer.removeFiles(old.map((f) => f.path));
      removed.push(...old.map((f) => f.path));
    }
    return removed;
  }

  /**
   * Makes the manifest agree with the folders: files written by another tool (the bench's
   * generator, a restore) are added with their row counts, files that are gone are dropped.
   */
  async reconcile(between: () => Promise<void> = () => Promise.resolve()): Promise<{ added: number; dropped: number }> {
    removeStaleTemps(this.config.dir, Date.now() - HOUR_MS);
    const known0 = new Set(this.buffer.files().map((f) => f.path));
    const onDisk = new Set(listLakeFiles(this.config.dir));
    // Read after the folders: an entry added meanwhile (a seal) is not taken for gone; only an entry
    // known before the listing and missing from it is.
    const known = new Map(this.buffer.files().map((f) => [f.path, f]));
    const dropped = [...known.keys()].filter((p) => known0.has(p) && !onDisk.has(p) && !existsFile(join(this.config.dir, p)));
    this.buffer.removeFiles(dropped);
    const added = [...onDisk].filter((p) => !known.has(p));
    for (let i = 0; i < added.length; i += 2000) {
      const chunk = added.slice(i, i + 2000);
      await between();
      const counts = await this.engine.call<{ path: string; rows: number }[]>({ op: 'count', files: chunk.map((p) => join(this.config.dir, p)) });
      const rowsOf = new Map(counts.map((c) => [relative(this.config.dir, c.path), c.rows]));
      for (const p of chunk) {
        const part = parsePartitionDir(dirname(p));
        if (!part) continue;
        const abs = join(this.config.dir, p);
        const sealed = isSealedName(p.slice(p.lastIndexOf('/') + 1));
        this.buffer.putFile({ path: p, table: part.table, hourMs: part.hourMs, rows: rowsOf.get(p) ?? 0, bytes: statSync(abs).size, writtenMs: statSync(abs).mtimeMs, sealed, md5: null, uploadedMs: null, uploadError: null, uploadAttempts: 0, nextUploadMs: null });
      }
    }
    if (added.length || dropped.length) this.log.info('lake manifest reconciled with the folders', { added: added.length, dropped: dropped.length });
    return { added: added.length, dropped: dropped.length };
  }

  close(): void {
    this.buffer.close();
  }
}

/** Every Parquet file under the lake's table folders, relative to it. */
export function listLakeFiles(lakeDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(join(lakeDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && depth < 5) walk(p, depth + 1);
      else if (e.isFile() && depth === 5 && e.name.endsWith('.parquet')) out.push(p);
    }
  };
  for (const t of TABLE_NAMES) walk(t, 1);
  return out;
}

function existsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Temporary files of writes cut short (a crash between COPY and rename), once they are old. */
function removeStaleTemps(lakeDir: string, olderThanMs: number): void {
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < 5) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.tmp')) {
        try {
          if (statSync(p).mtimeMs < olderThanMs) rmSync(p, { force: true });
        } catch {
          // gone meanwhile
        }
      }
    }
  };
  for (const t of TABLE_NAMES) walk(join(lakeDir, t), 1);
}

function removeEmptyParents(file: string, stopAt: string): void {
  for (let dir = dirname(file); dir.length > stopAt.length && dir.startsWith(stopAt); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}
