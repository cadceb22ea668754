// Numbered migrations (src/store/migrations/NNN_name.sql), applied in order inside one transaction.
// PostgreSQL serializes concurrent migrators with an advisory lock; SQLite with BEGIN IMMEDIATE.
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../../paths.ts';
import type { SqlDriver } from './driver.ts';

const MIGRATIONS_DIR = pathToFileURL(packagePath('src/store/migrations/'));
const ADVISORY_LOCK_ID = 7_364_101; // any constant; names Satscope's migration lock

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(new URL(f, dir), 'utf8') }));
}

export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(db: SqlDriver, migrations: Migration[] = loadMigrations(), nowMs: number = Date.now()): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(?)', [ADVISORY_LOCK_ID]);
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)');
    const done = new Set((await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const stmt of splitStatements(m.sql)) await tx.run(stmt);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)', [m.version, m.name, nowMs]);
      applied.push(m.version);
    }
    return applied;
  });
}
