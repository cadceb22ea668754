import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';

export const PUBLIC_OFF = 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor,ocean';
import type { JobDefinition, JobDeps } from '../../src/jobs/types.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { startRuntime, type Role, type Runtime } from '../../src/main.ts';

/** A real runtime on a free loopback port, with its own data dir. */
export async function testRuntime(
  env: Record<string, string> = {},
  opts: { role?: Role; jobs?: ((deps: JobDeps) => JobDefinition[]) | 'production'; log?: Logger; port?: number; dataDir?: string } = {},
): Promise<Runtime & { base: string }> {
  // Public sources are off unless a test points them at its fixture server: tests never reach the internet.
  const config = loadConfig({ PORT: '1', HOST: '127.0.0.1', DATA_DIR: opts.dataDir ?? mkdtempSync(join(tmpdir(), 'satscope-rt-')), SOURCES_DISABLED: PUBLIC_OFF, LAKE: 'off', METRICS_PORT: '0', ...env });
  // Port 0 (any free port) is not a valid PORT for users; tests override it after validation.
  const rt = await startRuntime({ role: opts.role ?? 'start', config: { ...config, port: opts.port ?? 0 }, log: opts.log ?? silentLogger, jobs: opts.jobs === 'production' ? undefined : (opts.jobs ?? (() => [])), schedulerTickMs: 50, schedulerPollMs: 200 });
  return { ...rt, base: rt.url?.replace('0.0.0.0', '127.0.0.1') ?? '' };
}
