// One process of the concurrent-migration test: migrates DATABASE_URL and prints the versions this
// process applied, as JSON on its last line.
import { PostgresDriver } from '../../src/store/history/postgres-driver.ts';
import { migrate } from '../../src/store/history/migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const db = new PostgresDriver(url, () => undefined);
try {
  const applied = await migrate(db);
  process.stdout.write(`${JSON.stringify(applied)}\n`);
} finally {
  await db.close();
}
