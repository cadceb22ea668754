import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, SatscopeError, describeError } from '../../src/errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('every error code is documented in the README table, and the table names no other', () => {
  const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
  assert.deepEqual(
    documented.map(([c]) => c).sort(),
    Object.keys(ERROR_CODES).sort(),
  );
  for (const [code, status] of documented) assert.equal(status, ERROR_CODES[code as keyof typeof ERROR_CODES].status, code);
});

test('SatscopeError carries its code, status and cause', () => {
  const cause = new Error('ECONNRESET');
  const err = new SatscopeError('UPSTREAM_NETWORK', 'mempool: reset', { cause });
  assert.equal(err.status, 502);
  assert.equal(err.cause, cause);
  assert.equal(describeError(err), 'UPSTREAM_NETWORK: mempool: reset <- ECONNRESET');
});
