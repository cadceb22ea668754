// The browser's code and styles. web/app.ts and its modules are bundled by esbuild into one
// minified script, and web/styles.css with uPlot's stylesheet into one CSS file, kept in memory and
// served under content-hashed names with immutable caching. No framework, no inline script: the
// CSP allows only these files. Run from the sources, this happens once per process on first use
// (about 100 ms); the server's build (scripts/build.mjs) does it ahead, into dist/web/, and the
// bundle reads those files, so that esbuild never loads into the server.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { SatscopeError } from '../errors.ts';
import { packagePath } from '../paths.ts';
import { PreparedResponse } from './responses.ts';

const WEB_DIR = packagePath('web/');
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface Asset {
  name: string;
  url: string;
  response: PreparedResponse;
}

export interface Assets {
  script: Asset;
  style: Asset;
  byUrl: Map<string, Asset>;
}

function asset(base: string, ext: string, body: Buffer, type: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const name = `${base}.${hash}.${ext}`;
  return { name, url: `/assets/${name}`, response: new PreparedResponse(body, type, IMMUTABLE) };
}

/** Defined by scripts/build.mjs in the bundle: the browser files are in dist/web/. */
declare const SATSCOPE_PREBUILT_WEB: boolean | undefined;
const PREBUILT = typeof SATSCOPE_PREBUILT_WEB !== 'undefined' && SATSCOPE_PREBUILT_WEB;

function assets(js: Buffer, css: Buffer): Assets {
  const script = asset('app', 'js', js, 'text/javascript; charset=utf-8');
  const style = asset('app', 'css', css, 'text/css; charset=utf-8');
  return { script, style, byUrl: new Map([script, style].map((a) => [a.url, a])) };
}

/** Builds in progress in this process (esbuild's service is shared by them). */
let building = 0;

export async function buildAssets(): Promise<Assets> {
  if (PREBUILT) {
    try {
      return assets(await readFile(packagePath('dist/web/app.js')), await readFile(packagePath('dist/web/app.css')));
    } catch (err) {
      throw new SatscopeError('INTERNAL', 'the browser bundle is missing from dist/web (run npm run build)', { cause: err });
    }
  }
  const esbuild = await import('esbuild');
  const require = createRequire(packagePath('package.json'));
  building++;
  try {
    // The same as the browser build in scripts/build.mjs (test/e2e/build.test.ts compares them).
    const result = await esbuild.build({
      entryPoints: [`${WEB_DIR}app.ts`],
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    const js = Buffer.from(result.outputFiles[0]?.contents ?? new Uint8Array());
    const css = Buffer.concat([await readFile(require.resolve('uplot/dist/uPlot.min.css')), Buffer.from('\n'), await readFile(`${WEB_DIR}styles.css`)]);
    return assets(js, css);
  } catch (err) {
    throw new SatscopeError('INTERNAL', 'the browser bundle could not be built', { cause: err });
  } finally {
    // esbuild builds in a child process that would otherwise stay for the life of the server
    // (about 20 MB); the next build starts a new one.
    if (--building === 0) await esbuild.stop();
  }
}

let built: Assets | undefined;

/** The assets once a build has finished (error pages link the stylesheet without waiting for one). */
export function builtAssets(): Assets | undefined {
  return built;
}

/** Builds once; a failed build is retried on the next request. */
export function lazyAssets(): () => Promise<Assets> {
  let pending: Promise<Assets> | undefined;
  return () => {
    pending ??= buildAssets().then(
      (a) => (built = a),
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
