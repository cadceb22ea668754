// Runs the whole suite with node:test through tsx. Node 20's --test does not expand globs, so the
// files are listed here. Arguments narrow the run: `npm test -- unit` runs files whose path has "unit".
// The loopback guard (test/helpers/net-guard.mjs) is loaded into every test process and every
// process they spawn: a connection outside 127.0.0.0/8 and ::1 is refused and fails the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'helpers' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = find(testDir)
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const guardLog = join(mkdtempSync(join(tmpdir(), 'satscope-net-guard-')), 'violations.log');
const env = {
  ...process.env,
  SATSCOPE_NET_GUARD_LOG: guardLog,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${join(testDir, 'helpers/net-guard.mjs')}`.trim(),
};
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=240000', ...files], { cwd: root, stdio: 'inherit', env });
let violations = '';
try {
  violations = readFileSync(guardLog, 'utf8');
} catch {
  // no file: no violation
}
if (violations) {
  console.error(`\nloopback guard: the suite tried to connect outside 127.0.0.0/8 and ::1:\n${violations}`);
  process.exit(1);
}
process.exit(r.status ?? 1);
