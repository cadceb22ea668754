import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KEY_PATTERNS, KEY_PREFIX } from '../../src/store/keys.ts';

test('every registered key is under the prefix and states its TTL', () => {
  for (const k of KEY_PATTERNS) {
    assert.ok(k.name.startsWith(KEY_PREFIX), k.name);
    if (k.kind !== 'lock' && k.kind !== 'channel') assert.ok(typeof k.ttlMs === 'number' && k.ttlMs > 0, `${k.name} has no TTL`);
  }
});

test('no source file outside the registry spells a key', () => {
  const src = fileURLToPath(new URL('../../src', import.meta.url));
  const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith(join('store', 'keys.ts')));
  const offenders = files.filter((f) => readFileSync(join(src, f), 'utf8').includes('satscope:v1'));
  assert.deepEqual(offenders, []);
});
