// The build users run: `npm install` bundles the server into dist/ (scripts/build.mjs) and
// bin/satscope.js runs the bundle, rebuilding it when the sources changed and falling back to the
// sources through tsx when the build fails. Everything happens in a copy of the project in a
// temporary folder (node_modules linked), so the working tree's dist/ is left alone; every other
// test runs the sources (SATSCOPE_FROM_SOURCE=1).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildAssets } from '../../src/server/assets.ts';
import { freePort, waitFor } from '../helpers/ports.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
let copy: string;
let builder: { isFresh(): boolean; BUNDLE: string; STAMP: string };

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, LANG, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TMPDIR, LANG, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG, ...extra }).filter(([, v]) => v !== undefined));
}

const satscope = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [join(copy, 'bin/satscope.js'), ...args], { cwd: tmpdir(), env: env(extra), encoding: 'utf8' });

before(async () => {
  copy = mkdtempSync(join(tmpdir(), 'satscope-build-'));
  for (const p of ['bin', 'scripts', 'src', 'web', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, p), join(copy, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  builder = (await import(pathToFileURL(join(copy, 'scripts/build.mjs')).href)) as typeof builder;
});
after(() => rmSync(copy, { recursive: true, force: true }));

test('npm install builds dist/satscope.mjs, and satscope start runs it and answers /health', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.prepare ?? '', /scripts\/build\.mjs/, 'npm install runs the build');
  const b = spawnSync(process.execPath, [join(copy, 'scripts/build.mjs')], { cwd: copy, env: env(), encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /built dist\/satscope\.mjs/);
  assert.ok(builder.isFresh());
  assert.doesNotMatch(readFileSync(builder.BUNDLE, 'utf8'), /from "(ioredis|pg|bcoin)"/, 'packages loaded on demand are not imported by the entry');

  const port = await freePort();
  const closed = await freePort();
  const offline = Object.fromEntries(['MEMPOOL', 'COINGECKO', 'COINBASE', 'BLOCKCHAIN', 'BITNODES', 'FORKMONITOR', 'OCEAN'].map((n) => [`${n}_API_URL`, `http://127.0.0.1:${closed}/api`]));
  const stampBefore = statSync(builder.STAMP).mtimeMs;
  const child = spawn(process.execPath, [join(copy, 'bin/satscope.js'), 'start'], {
    cwd: mkdtempSync(join(tmpdir(), 'satscope-cwd-')),
    env: env({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-dist-')), ...offline }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitFor('health', async () => ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200 ? true : undefined), 15_000, 100);
    // The migrations (src/store/migrations) were found from dist/, or there would be no /health.
    const page = await waitFor('the page naming its files', async () => {
      const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      return /\/assets\/app\.\w+\.js/.test(html) ? html : undefined;
    }, 15_000, 200);
    // The bundle serves the browser files built into dist/web/, the same bytes as the sources
    // build at run time (the names carry a hash of the contents).
    const fromSource = await buildAssets();
    for (const a of [fromSource.script, fromSource.style]) {
      assert.ok(page.includes(a.url), `${a.url} in the page built from the bundle`);
      assert.equal((await fetch(`http://127.0.0.1:${port}${a.url}`)).status, 200);
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  assert.match(out, /stopped cleanly/);
  assert.doesNotMatch(out, /through tsx/);
  assert.equal(statSync(builder.STAMP).mtimeMs, stampBefore, 'a fresh build is not rebuilt');
});

test('a changed source is rebuilt on the next start; a failed build runs the sources with a warning', () => {
  const src = join(copy, 'src/log.ts');
  let later = new Date(Date.now() + 5_000);
  utimesSync(src, later, later);
  assert.equal(builder.isFresh(), false, 'the stamp sees the new modification time');
  const r1 = satscope(['--version']);
  assert.equal(r1.status, 0, r1.stderr);
  assert.equal(r1.stderr, '', 'a rebuild is silent');
  assert.ok(builder.isFresh(), 'rebuilt');
  later = new Date(Date.now() + 10_000);
  utimesSync(join(copy, 'web/styles.css'), later, later);
  assert.equal(builder.isFresh(), false, 'the browser files count too');
  assert.equal(satscope(['--version']).status, 0);
  assert.ok(builder.isFresh());

  // A file where the build writes its chunks: the build fails, the command still works.
  writeFileSync(join(copy, 'src/added.ts'), 'export const added = 1;\n');
  rmSync(join(copy, 'dist/chunks'), { recursive: true });
  writeFileSync(join(copy, 'dist/chunks'), 'not a folder');
  const r2 = satscope(['--version']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /^satscope \d+\.\d+\.\d+\n$/);
  assert.match(r2.stderr, /^satscope: running the sources through tsx, as dist\/satscope\.mjs could not be built \(.+\)\n$/);
  assert.equal(builder.isFresh(), false);
  rmSync(join(copy, 'dist/chunks'));
  mkdirSync(join(copy, 'dist/chunks'));
});

test('SATSCOPE_FROM_SOURCE=1 runs the sources and builds nothing', () => {
  rmSync(join(copy, 'dist'), { recursive: true, force: true });
  const r = satscope(['--version'], { SATSCOPE_FROM_SOURCE: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(existsSync(join(copy, 'dist')), false);
});
