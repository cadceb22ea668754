#!/usr/bin/env -S node --max-semi-space-size=2 --no-memory-reducer
// The `satscope` command. Runs the built server, dist/satscope.mjs (see scripts/build.mjs), and
// first rebuilds it when it is missing or older than the sources. When the build fails, or with
// SATSCOPE_FROM_SOURCE=1, it runs the TypeScript sources through tsx instead (slower to start,
// and about 25 MB more memory at rest, counting the esbuild process tsx keeps).
//
// --max-semi-space-size=2 (here, in package.json's start and demo scripts): V8 otherwise grows the
// young generation to 16 MB semi-spaces under load, and a server that has answered a few million
// requests then spends about a quarter more CPU per reply (measured by `npm run bench`: 25 µs
// against 19 µs after eight minutes of load, 132 MB resident against 107 MB). Node reads this flag
// only on its command line, so `node bin/satscope.js` without it runs, just less well.
// --no-memory-reducer: after a few idle seconds V8's memory reducer shrinks the heap, and the
// server then spends about 1.4x the CPU per reply under load (`npm run bench` with its settle wait:
// `/` at 30 µs against 22 µs with the flag).
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { BUNDLE, ROOT, isFresh } from '../scripts/build.mjs';

async function fromSource() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}

/** Builds in a child process, so that esbuild's code never sits in the server's memory. */
function rebuild() {
  const r = spawnSync(process.execPath, [`${ROOT}scripts/build.mjs`, '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim().split('\n')[0].replace(/^satscope: /, '');
}

if (process.env.SATSCOPE_FROM_SOURCE === '1') {
  await fromSource();
} else {
  const failure = isFresh() ? undefined : rebuild();
  if (failure === undefined) {
    await import(BUNDLE);
  } else {
    process.stderr.write(`satscope: running the sources through tsx, as dist/satscope.mjs could not be built (${failure})\n`);
    await fromSource();
  }
}
