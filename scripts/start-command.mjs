// The command `npm start` runs, as argv for spawn: the benchmarks start Satscope exactly as users
// do, Node flags included (package.json's "start" script is the one place they are written down).
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import process from 'node:process';

/** package.json's script `name` ("node <flags> bin/satscope.js start"), with this Node and absolute paths. */
export function scriptArgv(root, name = 'start', execPath = process.execPath) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const words = String(pkg.scripts?.[name] ?? '').trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json's "${name}" script must start with node, not ${JSON.stringify(words[0])}`);
  return [execPath, ...words.slice(1).map((w) => (w.startsWith('bin/') && !isAbsolute(w) ? join(root, w) : w))];
}
