// The one query layer: SQL is written once with `?` placeholders in portable SQL, and each driver
// runs it on its database. Queries live in src/store/history/queries/, one area per file.

export type SqlValue = string | number | bigint | null;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction; other callers wait until it ends. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a whole script (several statements, no parameters). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
