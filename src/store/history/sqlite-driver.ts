// better-sqlite3 is synchronous; a small queue keeps a transaction's statements together even
// when its callback awaits, so no other caller's statement lands inside it.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './driver.ts';

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
  }

  private direct: SqlExecutor = {
    run: async (sql, params = []) => ({ changes: this.db.prepare(sql).run(...(params as SqlValue[])).changes }),
    all: async <T extends Row>(sql: string, params: readonly SqlValue[] = []) => this.db.prepare(sql).all(...(params as SqlValue[])) as T[],
  };

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.enqueue(() => this.direct.run(sql, params));
  }

  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.enqueue(() => this.direct.all<T>(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  exec(sql: string): Promise<void> {
    return this.enqueue(async () => {
      this.db.exec(sql);
    });
  }

  /** `PRAGMA integrity_check`: 'ok' when the file is sound. */
  integrityCheck(): Promise<string> {
    return this.enqueue(async () => String(this.db.pragma('integrity_check', { simple: true })));
  }

  close(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.db.open) return;
      // Fold the WAL back into the main file so a clean stop leaves one self-contained file.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    });
  }
}
