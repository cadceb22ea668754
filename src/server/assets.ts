// The browser's code and styles. web/app.ts and its modules are bundled by esbuild into one
// minified script, and web/styles.css with uPlot's stylesheet into one CSS file, once per process
// on first use (about 100 ms), kept in memory and served under content-hashed names with
// immutable caching. No framework, no inline script: the CSP allows only these files.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SatscopeError } from '../errors.ts';
import { PreparedResponse } from './responses.ts';

const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
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

export async function buildAssets(): Promise<Assets> {
  const esbuild = await import('esbuild');
  const require = createRequire(import.meta.url);
  try {
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
    const script = asset('app', 'js', js, 'text/javascript; charset=utf-8');
    const style = asset('app', 'css', css, 'text/css; charset=utf-8');
    return { script, style, byUrl: new Map([script, style].map((a) => [a.url, a])) };
  } catch (err) {
    throw new SatscopeError('INTERNAL', 'the browser bundle could not be built', { cause: err });
  }
}

/** Builds once; a failed build is retried on the next request. */
export function lazyAssets(): () => Promise<Assets> {
  let pending: Promise<Assets> | undefined;
  return () => {
    pending ??= buildAssets().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
