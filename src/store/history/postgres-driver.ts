import pg from 'pg';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './driver.ts';

// BIGINT (int8) and COUNT(*) arrive as strings by default; Satscope's bigints are unix times and
// counts, well inside 2^53.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID || oid === NUMERIC_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** `?` placeholders become `$1..$n`; Satscope's SQL has no `?` inside literals. */
export function toPostgresPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    run: async (sql, params = []) => {
      const r = await client.query(toPostgresPlaceholders(sql), params as SqlValue[]);
      return { changes: r.rowCount ?? 0 };
    },
    all: async <T extends Row>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(toPostgresPlaceholders(sql), params as SqlValue[])).rows as T[],
  };
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;

  constructor(url: string, onError: (err: Error) => void) {
    this.pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, types });
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', onError);
    this.direct = executor(this.pool);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
