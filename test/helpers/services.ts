// A test that needs a service the machine lacks is skipped on a developer's machine and fails
// in CI (CI=true), so a missing install step can never pass as green.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The newest installed PostgreSQL's bin folder (Debian's layout, any major version). */
export function pgBinDir(): string | undefined {
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(`${dir}/initdb`)) return dir;
  }
  return undefined;
}

/** Returns false (and skips t) when the service is missing outside CI; throws in CI. */
export function requireService(t: TestContext, name: string, available: boolean): boolean {
  if (available) return true;
  if (IN_CI) throw new Error(`${name} is required in CI but is not installed (see .ci/run)`);
  t.skip(`${name} not installed`);
  return false;
}

/**
 * A child process's environment: only what the test sets, plus the loopback guard (test/run.js).
 * A `satscope` child runs the sources under test (SATSCOPE_FROM_SOURCE), not a build of them.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { PATH, HOME, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG, SATSCOPE_FROM_SOURCE: '1', METRICS_PORT: '0', ...extra }).filter(([, v]) => v !== undefined));
}
