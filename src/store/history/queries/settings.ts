import type { SqlExecutor } from '../driver.ts';

export async function selectSetting(db: SqlExecutor, key: string): Promise<string | undefined> {
  const [row] = await db.all<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
  return row?.value;
}

export async function upsertSetting(db: SqlExecutor, key: string, value: string, nowSec: number): Promise<void> {
  await db.run('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [
    key,
    value,
    nowSec,
  ]);
}
