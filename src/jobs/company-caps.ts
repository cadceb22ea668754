// Company market caps from a file you maintain (COMPANY_MARKET_CAPS_FILE): each row names its own
// source and date, so the comparison never shows a figure without saying where and when it is
// from. Re-read hourly; a file that fails its schema keeps the last good rows.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SatscopeError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export const companyCapsSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      ticker: z.string().min(1).max(12),
      marketCapUsd: z.number().positive(),
      asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'asOf must be YYYY-MM-DD'),
      source: z.string().min(1),
    }),
  )
  .max(200);

export function companyCapsJob(deps: JobDeps, file: string): JobDefinition {
  return {
    name: 'company-caps',
    intervalMs: 3_600_000,
    timeoutMs: 10_000,
    cooldownMs: 5_000,
    async run() {
      let parsed: z.infer<typeof companyCapsSchema>;
      try {
        parsed = companyCapsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
      } catch (err) {
        throw new SatscopeError('BAD_REQUEST', `COMPANY_MARKET_CAPS_FILE ${file}: ${err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message}`);
      }
      await deps.store.set(keys.publicPiece('companies.caps'), { source: 'file', asOfMs: Date.now(), data: parsed });
    },
  };
}
