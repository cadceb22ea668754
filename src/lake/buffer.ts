// The lake's durable buffer and manifest, a SQLite file beside the lake (DATA_DIR/lake-buffer.db):
// Firehose's role on one machine. A row accepted here survives a crash (WAL, synchronous FULL);
// a flush takes the oldest rows, records its intent (which rows, which flush id) before writing
// any file, and deletes the rows only once the files are in place. A flush cut short is redone
// with the same rows and file names, so the files come out the same: no row is lost, and none is
// written twice by a redo. The manifest lists every lake file with its rows, bytes, whether its
// hour is sealed, and its upload.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LakeRow, TableName } from './tables.ts';

export interface BufferedRow extends LakeRow {
  seq: number;
}

export interface Flush {
  id: number;
  firstSeq: number;
  lastSeq: number;
}

export interface FileEntry {
  /** Relative to the lake folder, e.g. price_ticks/year=2026/…/part-0000000001.parquet. */
  path: string;
  table: TableName;
  hourMs: number;
  rows: number;
  bytes: number;
  writtenMs: number;
  sealed: boolean;
  md5: string | null;
  uploadedMs: number | null;
  uploadError: string | null;
  uploadAttempts: number;
  nextUploadMs: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buffer_rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, tbl TEXT NOT NULL, ts_ms INTEGER NOT NULL, vals TEXT NOT NULL, accepted_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS flushes (id INTEGER PRIMARY KEY AUTOINCREMENT, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, state TEXT NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER, rows INTEGER, files INTEGER);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, tbl TEXT NOT NULL, hour_ms INTEGER NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL, written_ms INTEGER NOT NULL, sealed INTEGER NOT NULL DEFAULT 0, md5 TEXT, uploaded_ms INTEGER, upload_error TEXT, upload_attempts INTEGER NOT NULL DEFAULT 0, next_upload_ms INTEGER);
CREATE INDEX IF NOT EXISTS files_hour ON files (tbl, hour_ms);
CREATE TABLE IF NOT EXISTS last_values (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const toEntry = (r: Record<string, unknown>): FileEntry => ({
  path: r.path as string,
  table: r.tbl as TableName,
  hourMs: r.hour_ms as number,
  rows: r.rows as number,
  bytes: r.bytes as number,
  writtenMs: r.written_ms as number,
  sealed: r.sealed === 1,
  md5: (r.md5 as string | null) ?? null,
  uploadedMs: (r.uploaded_ms as number | null) ?? null,
  uploadError: (r.upload_error as string | null) ?? null,
  uploadAttempts: r.upload_attempts as number,
  nextUploadMs: (r.next_upload_ms as number | null) ?? null,
});

export class LakeBuffer {
  private readonly db: Database.Database;

  constructor(file: string, opts: { readonly?: boolean } = {}) {
    if (!opts.readonly) mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true });
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      // An accepted row is on disk before accept() returns.
      this.db.pragma('synchronous = FULL');
      // A small page cache: the buffer holds minutes of rows, and the dashboard's memory is counted.
      this.db.pragma('cache_size = -256');
      this.db.exec(SCHEMA);
    }
    this.db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('writer', ?)").run(randomBytes(4).toString('hex'));
    }
  }

  /**
   * This buffer's tag, part of every file name it writes: two buffers (a second host, `stream
   * --test`) never write the same file name.
   */
  get writer(): string {
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'writer'").get() as { value: string } | undefined)?.value ?? 'w';
  }

  /**
   * Takes rows into the buffer with the change filter's new values, in one transaction: either
   * both are kept or neither. A row whose event id is already buffered is skipped. Returns the rows taken.
   */
  accept(rows: readonly LakeRow[], lastValues: ReadonlyMap<string, string>, nowMs = Date.now()): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO buffer_rows (event_id, tbl, ts_ms, vals, accepted_ms) VALUES (?, ?, ?, ?, ?)');
    const setLast = this.db.prepare('INSERT INTO last_values (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    return this.db.transaction(() => {
      let n = 0;
      for (const r of rows) n += insert.run(r.eventId, r.table, r.tsMs, JSON.stringify(r.values), nowMs).changes;
      for (const [k, v] of lastValues) setLast.run(k, v);
      return n;
    })();
  }

  lastValues(): Map<string, string> {
    return new Map((this.db.prepare('SELECT key, value FROM last_values').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  }

  /** Rows waiting, and when the oldest was accepted. */
  pending(): { rows: number; oldestAcceptedMs: number | null } {
    const r = this.db.prepare('SELECT count(*) AS n, min(accepted_ms) AS oldest FROM buffer_rows').get() as { n: number; oldest: number | null };
    return { rows: r.n, oldestAcceptedMs: r.oldest };
  }

  /** The flush cut short by a crash, if any: it must be redone before a new one starts. */
  unfinishedFlush(): Flush | undefined {
    const r = this.db.prepare("SELECT id, first_seq, last_seq FROM flushes WHERE state = 'writing' ORDER BY id LIMIT 1").get() as { id: number; first_seq: number; last_seq: number } | undefined;
    return r && { id: r.id, firstSeq: r.first_seq, lastSeq: r.last_seq };
  }

  /** Records the intent to flush the oldest rows (at most maxRows); undefined when the buffer is empty. */
  beginFlush(maxRows: number, nowMs = Date.now()): Flush | undefined {
    return this.db.transaction(() => {
      const seqs = this.db.prepare('SELECT seq FROM buffer_rows ORDER BY seq LIMIT ?').all(maxRows) as { seq: number }[];
      if (seqs.length === 0) return undefined;
      const firstSeq = (seqs[0] as { seq: number }).seq;
      const lastSeq = (seqs.at(-1) as { seq: number }).seq;
      const id = Number(this.db.prepare("INSERT INTO flushes (first_seq, last_seq, state, started_ms) VALUES (?, ?, 'writing', ?)").run(firstSeq, lastSeq, nowMs).lastInsertRowid);
      return { id, firstSeq, lastSeq };
    })();
  }

  rowsOf(flush: Flush): BufferedRow[] {
    return (this.db.prepare('SELECT seq, event_id, tbl, ts_ms, vals FROM buffer_rows WHERE seq BETWEEN ? AND ? ORDER BY seq').all(flush.firstSeq, flush.lastSeq) as { seq: number; event_id: string; tbl: TableName; ts_ms: number; vals: string }[]).map(
      (r) => ({ seq: r.seq, eventId: r.event_id, table: r.tbl, tsMs: r.ts_ms, values: JSON.parse(r.vals) as LakeRow['values'] }),
    );
  }

  /** The files are in place: their rows leave the buffer and the files join the manifest, in one transaction. */
  finishFlush(flush: Flush, files: readonly Omit<FileEntry, 'sealed' | 'md5' | 'uploadedMs' | 'uploadError' | 'uploadAttempts' | 'nextUploadMs'>[], nowMs = Date.now()): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM buffer_rows WHERE seq BETWEEN ? AND ?').run(flush.firstSeq, flush.lastSeq);
      for (const f of files) this.putFile({ ...f, sealed: false, md5: null, uploadedMs: null, uploadError: null, uploadAttempts: 0, nextUploadMs: null });
      this.db.prepare("UPDATE flushes SET state = 'done', finished_ms = ?, rows = ?, files = ? WHERE id = ?").run(nowMs, files.reduce((s, f) => s + f.rows, 0), files.length, flush.id);
      // Only the recent flushes are of interest.
      this.db.prepare("DELETE FROM flushes WHERE state = 'done' AND id < ?").run(flush.id - 100);
    })();
  }

  lastFlush(): { atMs: number; rows: number; files: number; durationMs: number } | undefined {
    const r = this.db.prepare("SELECT started_ms, finished_ms, rows, files FROM flushes WHERE state = 'done' ORDER BY id DESC LIMIT 1").get() as { started_ms: number; finished_ms: number; rows: number; files: number } | undefined;
    return r && { atMs: r.finished_ms, rows: r.rows, files: r.files, durationMs: r.finished_ms - r.started_ms };
  }

  putFile(f: FileEntry): void {
    this.db
      .prepare(
        `INSERT INTO files (path, tbl, hour_ms, rows, bytes, written_ms, sealed, md5, uploaded_ms, upload_error, upload_attempts, next_upload_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET rows = excluded.rows, bytes = excluded.bytes, written_ms = excluded.written_ms, sealed = excluded.sealed, md5 = excluded.md5,
           uploaded_ms = excluded.uploaded_ms, upload_error = excluded.upload_error, upload_attempts = excluded.upload_attempts, next_upload_ms = excluded.next_upload_ms`,
      )
      .run(f.path, f.table, f.hourMs, f.rows, f.bytes, f.writtenMs, f.sealed ? 1 : 0, f.md5, f.uploadedMs, f.uploadError, f.uploadAttempts, f.nextUploadMs);
  }

  /**
   * Records an upload of `path` as it was when read (its MD5): a file sealed again since then has
   * another MD5 and stays due. A path the manifest does not hold is left alone.
   */
  markUploaded(path: string, md5: string, atMs: number): void {
    this.db.prepare('UPDATE files SET uploaded_ms = ?, upload_error = NULL, next_upload_ms = NULL, md5 = ? WHERE path = ? AND (md5 IS NULL OR md5 = ?)').run(atMs, md5, path, md5);
  }

  markUploadFailed(path: string, error: string, attempts: number, nextMs: number): void {
    this.db.prepare('UPDATE files SET upload_error = ?, upload_attempts = ?, next_upload_ms = ? WHERE path = ?').run(error, attempts, nextMs, path);
  }

  removeFiles(paths: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM files WHERE path = ?');
    this.db.transaction(() => paths.forEach((p) => del.run(p)))();
  }

  files(where: { table?: TableName; beforeHourMs?: number; sealed?: boolean } = {}): FileEntry[] {
    const cond: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, arg: string | number) => {
      cond.push(sql);
      args.push(arg);
    };
    if (where.table) add('tbl = ?', where.table);
    if (where.beforeHourMs !== undefined) add('hour_ms < ?', where.beforeHourMs);
    if (where.sealed !== undefined) add('sealed = ?', where.sealed ? 1 : 0);
    return (this.db.prepare(`SELECT * FROM files ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''} ORDER BY tbl, hour_ms, path`).all(...args) as Record<string, unknown>[]).map(toEntry);
  }

  /** Per table: partitions, files, rows, bytes, first and last hour. */
  tableFigures(): { table: TableName; partitions: number; files: number; rows: number; bytes: number; firstHourMs: number; lastHourMs: number }[] {
    return (
      this.db.prepare('SELECT tbl, count(DISTINCT hour_ms) AS partitions, count(*) AS files, sum(rows) AS rows, sum(bytes) AS bytes, min(hour_ms) AS first, max(hour_ms) AS last FROM files GROUP BY tbl ORDER BY tbl').all() as Record<string, number | string>[]
    ).map((r) => ({ table: r.tbl as TableName, partitions: r.partitions as number, files: r.files as number, rows: r.rows as number, bytes: r.bytes as number, firstHourMs: r.first as number, lastHourMs: r.last as number }));
  }

  /** Rows written per hour since `fromHourMs`, per table. */
  rowsPerHour(fromHourMs: number): { table: TableName; hourMs: number; rows: number }[] {
    return (this.db.prepare('SELECT tbl, hour_ms, sum(rows) AS rows FROM files WHERE hour_ms >= ? GROUP BY tbl, hour_ms ORDER BY hour_ms').all(fromHourMs) as { tbl: TableName; hour_ms: number; rows: number }[]).map((r) => ({
      table: r.tbl,
      hourMs: r.hour_ms,
      rows: r.rows,
    }));
  }

  close(): void {
    this.db.close();
  }
}
