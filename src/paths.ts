// Where Satscope's own files are (the browser code in web/, the SQL migrations, the demo's
// recorded replies). They are found from the package root, the nearest folder above this module
// holding a package.json, so the same code works run from the sources (src/paths.ts) and from
// the bundle (dist/satscope.mjs), whose import.meta.url is one or two folders higher.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findPackageRoot(from: string): string {
  for (let dir = from; ; ) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/** The Satscope folder (with package.json, src/, web/, dist/), ending without a separator. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the Satscope folder. */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
