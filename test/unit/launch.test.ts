// Satscope starts with the same Node flags however it is started: `npm start`, `npm run demo`, the
// `satscope` command (the bin's shebang), and the benchmarks (which read package.json's script).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scriptArgv } from '../../scripts/start-command.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('npm start, npm run demo and the satscope command pass the same Node flags', () => {
  const start = scriptArgv(ROOT, 'start', '/usr/bin/node');
  assert.deepEqual(start, ['/usr/bin/node', '--max-semi-space-size=2', '--no-memory-reducer', join(ROOT, 'bin/satscope.js'), 'start']);
  const demo = scriptArgv(ROOT, 'demo', '/usr/bin/node');
  assert.deepEqual(demo.slice(0, -1), start.slice(0, -1));
  assert.equal(demo.at(-1), 'demo');
  const shebang = readFileSync(join(ROOT, 'bin/satscope.js'), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${start.slice(1, -2).join(' ')}`);
  assert.throws(() => scriptArgv(ROOT, 'no-such-script'), /must start with node/);
});
