// Builds the server: src/cli.ts and everything it imports, bundled by esbuild into a readable ES
// module, dist/satscope.mjs (with a few chunks in dist/chunks/ for what is loaded on demand), with
// source maps beside them. Packages in node_modules stay external (imported at run time as usual).
// The browser's script and styles are built too, into dist/web/, as src/server/assets.ts builds
// them when run from the sources. Running the bundle instead of the TypeScript sources spares the
// server tsx's hooks and esbuild: about 25 MB of memory at rest, counting the esbuild process tsx
// keeps (bench/idle-rss.ts).
//
// `node scripts/build.mjs` builds; `npm install` runs it (the `prepare` script, with --prepare: a
// failed build is a warning there, as bin/satscope.js falls back to the sources). bin/satscope.js
// imports this module to check the stamp and rebuilds when the sources have changed since.
//
// The stamp (dist/satscope.stamp) is a hash of the path, size and modification time of every
// src/**/*.ts, every file in web/ and the files below; checking it reads no source file and takes
// a few ms.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = join(ROOT, 'dist');
export const BUNDLE = join(DIST_DIR, 'satscope.mjs');
export const STAMP = join(DIST_DIR, 'satscope.stamp');
const ENTRY = join(ROOT, 'src/cli.ts');
/** The jobs thread of `satscope start` (src/jobs/thread-host.ts starts dist/jobs-thread.mjs). */
const THREAD_ENTRY = join(ROOT, 'src/jobs/thread.ts');
/** The lake's DuckDB process (src/lake/engine-client.ts starts dist/lake-engine.mjs). */
const LAKE_ENGINE_ENTRY = join(ROOT, 'src/lake/engine.ts');
const WEB_DIR = join(ROOT, 'web');
const WEB_OUT = join(DIST_DIR, 'web');
/** Inputs besides the sources that change what the bundle is. */
const INPUTS = ['package.json', 'tsconfig.json', 'scripts/build.mjs', 'node_modules/uplot/package.json'];

function files(dir, keep = () => true) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p, keep);
    return keep(e.name) ? [relative(ROOT, p)] : [];
  });
}

/** The stamp of the sources as they are now. */
export function sourceStamp() {
  const hash = createHash('sha256');
  for (const file of [...INPUTS, ...files(join(ROOT, 'src'), (name) => name.endsWith('.ts')), ...files(WEB_DIR)].sort()) {
    let line;
    try {
      const s = statSync(join(ROOT, file));
      line = `${file}\0${s.size}\0${s.mtimeMs}`;
    } catch {
      line = `${file}\0missing`;
    }
    hash.update(`${line}\n`);
  }
  return hash.digest('hex');
}

/** Whether dist/satscope.mjs exists and was built from the sources as they are now. */
export function isFresh() {
  try {
    return statSync(BUNDLE).isFile() && readFileSync(STAMP, 'utf8').trim() === sourceStamp();
  } catch {
    return false;
  }
}

/** Written whole or not at all: two processes starting at once may both build. */
function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The browser's script, as src/server/assets.ts builds it (test/e2e/build.test.ts compares them). */
async function buildWeb(esbuild) {
  const result = await esbuild.build({
    entryPoints: [join(WEB_DIR, 'app.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const uplotCss = createRequire(join(ROOT, 'package.json')).resolve('uplot/dist/uPlot.min.css');
  const css = Buffer.concat([readFileSync(uplotCss), Buffer.from('\n'), readFileSync(join(WEB_DIR, 'styles.css'))]);
  return [
    { path: join(WEB_OUT, 'app.js'), contents: result.outputFiles[0].contents },
    { path: join(WEB_OUT, 'app.css'), contents: css },
  ];
}

/** Builds dist/: the server, its chunks and maps, the browser files; then writes the stamp. Rejects with esbuild's errors. */
export async function build() {
  const started = Date.now();
  // Taken before esbuild reads the sources: an edit made during the build leaves the stamp stale.
  const stamp = sourceStamp();
  const esbuild = await import('esbuild');
  try {
    // What every server-side bundle shares: Node 20 ESM, packages left to node_modules, readable
    // (not minified: minifying saves no memory worth having), maps used only with --enable-source-maps.
    const common = { outdir: DIST_DIR, outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'linked', sourcesContent: false, legalComments: 'none', logLevel: 'silent', write: false };
    const server = esbuild.build({
      ...common,
      entryPoints: { satscope: ENTRY, 'jobs-thread': THREAD_ENTRY },
      // Modules imported with import() (the Redis store, the PostgreSQL driver, the commands other
      // than start/web/worker) go into chunks loaded only when used, with the packages they import.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      // The bundle serves the browser files from dist/web/ (src/server/assets.ts).
      define: { SATSCOPE_PREBUILT_WEB: 'true' },
    });
    // The lake engine is a program of its own (a child process): one file, sharing no chunk with the
    // server, so adding it changes nothing of how the server's code is split.
    const engine = esbuild.build({ ...common, entryPoints: { 'lake-engine': LAKE_ENGINE_ENTRY } });
    const [main, lakeEngine, web] = await Promise.all([server, engine, buildWeb(esbuild)]);
    const result = { outputFiles: [...main.outputFiles, ...lakeEngine.outputFiles] };
    mkdirSync(join(DIST_DIR, 'chunks'), { recursive: true });
    mkdirSync(WEB_OUT, { recursive: true });
    // Chunks, maps and browser files first, then the entry, then the stamp: a reader that sees the
    // stamp sees all.
    const last = (o) => (o.path === STAMP ? 2 : o.path === BUNDLE ? 1 : 0);
    const outputs = [...result.outputFiles, ...web, { path: STAMP, contents: `${stamp}\n` }].sort((a, b) => last(a) - last(b));
    for (const out of outputs) writeAtomic(out.path, out.contents);
    // Chunks of earlier builds (their names carry a content hash).
    const written = new Set(outputs.map((o) => o.path));
    for (const name of readdirSync(join(DIST_DIR, 'chunks'))) if (!written.has(join(DIST_DIR, 'chunks', name))) rmSync(join(DIST_DIR, 'chunks', name), { force: true });
    const bytes = result.outputFiles.filter((o) => o.path.endsWith('.mjs')).reduce((n, o) => n + o.contents.length, 0);
    return { file: BUNDLE, bytes, ms: Date.now() - started };
  } finally {
    await esbuild.stop();
  }
}

function firstLine(err) {
  const first = err?.errors?.[0];
  if (first) return `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}`;
  return String(err?.message ?? err).split('\n')[0];
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  const prepare = process.argv.includes('--prepare');
  try {
    const r = await build();
    if (!process.argv.includes('--quiet')) process.stdout.write(`satscope: built ${relative(process.cwd(), r.file) || r.file} (${(r.bytes / 1024).toFixed(0)} kB) in ${r.ms} ms\n`);
  } catch (err) {
    process.stderr.write(`satscope: the build failed: ${firstLine(err)}\n`);
    if (prepare) process.stderr.write('satscope: `npm start` will run the TypeScript sources through tsx instead\n');
    else process.exitCode = 1;
  }
}
