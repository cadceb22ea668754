import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseEnvFile, readEnvironment, redactUrl, type ConfigProblem } from '../../src/config.ts';
import { isSatscopeError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';

function problemsOf(env: Record<string, string>): ConfigProblem[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(isSatscopeError(err, 'CONFIG_INVALID'));
    return err.details as ConfigProblem[];
  }
  assert.fail('expected CONFIG_INVALID');
}

test('loadConfig() gives the embedded defaults when nothing is set', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.redisUrl, undefined);
  assert.equal(c.databaseUrl, undefined);
  assert.match(c.dataDir, /data$/);
  assert.equal(c.apiUrls.mempool, 'https://mempool.space/api');
  assert.equal(c.nodes.length, 3);
  assert.ok(c.nodes.every((n) => n.rpcUrl === undefined));
  assert.deepEqual(c.sourcesDisabled, []);
});

test('loadConfig() reports every bad variable at once, by name', () => {
  const problems = problemsOf({ REDIS_URL: 'nonsense', PORT: '-1', ELECTRUM_URL: 'http://x:1', SOURCES_DISABLED: 'mempool,bogus' });
  assert.deepEqual(problems.map((p) => p.variable).sort(), ['ELECTRUM_URL', 'PORT', 'REDIS_URL', 'SOURCES_DISABLED']);
  assert.throws(() => loadConfig({ REDIS_URL: 'nonsense', PORT: '-1' }), (err: Error) => /REDIS_URL/.test(err.message) && /PORT/.test(err.message));
});

test('loadConfig() requires the RPC URL when only a cookie is given', () => {
  assert.deepEqual(problemsOf({ NODE2_RPC_COOKIE: '/tmp/cookie' }).map((p) => p.variable), ['NODE2_RPC_URL']);
});

test('loadConfig() returns a deeply frozen object', () => {
  const c = loadConfig({ SOURCES_DISABLED: 'bitnodes' });
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.apiUrls));
  assert.ok(Object.isFrozen(c.nodes[0]));
  assert.throws(() => {
    (c as { port: number }).port = 1;
  }, TypeError);
});

test('loadConfig() collects secrets: tokens, keys and URL passwords, never plain hosts', () => {
  const c = loadConfig({
    ADMIN_TOKEN: 'admin-token-0123456789',
    COINGECKO_API_KEY: 'CG-key-xyz',
    BITCOIN_RPC_URL: 'http://satoshi:hunter2pass@10.0.0.2:8332',
    DATABASE_URL: 'postgres://u:dbsecret@db:5432/s',
  });
  for (const s of ['admin-token-0123456789', 'CG-key-xyz', 'hunter2pass', 'dbsecret']) assert.ok(c.secrets.includes(s), s);
  assert.ok(!c.secrets.some((s) => s.includes('10.0.0.2')));
  assert.equal(redactUrl(c.nodes[0]?.rpcUrl), 'http://***:***@10.0.0.2:8332/');
});

test('a logger never writes a configured secret', () => {
  const c = loadConfig({ ADMIN_TOKEN: 'admin-token-0123456789', BITCOIN_RPC_URL: 'http://satoshi:hunter2pass@node:8332' });
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', secrets: c.secrets, write: (l) => lines.push(l) });
  log.info('connecting', { url: c.nodes[0]?.rpcUrl, token: c.adminToken });
  log.error('failed', { err: new Error('auth hunter2pass rejected', { cause: new Error('token admin-token-0123456789') }) });
  const out = lines.join('\n');
  assert.doesNotMatch(out, /hunter2pass|admin-token-0123456789/);
  assert.match(out, /\*\*\*/);
});

test('parseEnvFile() reads comments, quotes and export lines', () => {
  assert.deepEqual(parseEnvFile('# c\nA=1\nexport B="two words"\nC=\'x#y\'\nD=plain # trailing\nbad line\n'), { A: '1', B: 'two words', C: 'x#y', D: 'plain' });
});

test('readEnvironment() layers env files in order, the real environment on top', () => {
  const dir = mkdtempSync(join(tmpdir(), 'satscope-env-'));
  mkdirSync(join(dir, 'env'));
  writeFileSync(join(dir, 'env/.env.api'), 'COINGECKO_API_KEY=from-file\nPORT=9000\n');
  writeFileSync(join(dir, 'env/.env.main'), 'BITCOIN_RPC_URL=http://u:p@main:8332\nPORT=9001\n');
  writeFileSync(join(dir, 'env/.env.node2'), 'NODE2_RPC_URL=http://u:p@n2:8332\n');
  const env = readEnvironment(dir, { PORT: '9100' });
  const c = loadConfig(env);
  assert.equal(c.port, 9100);
  assert.equal(c.coingecko.apiKey, 'from-file');
  assert.equal(c.nodes.find((n) => n.id === 'main')?.rpcUrl, 'http://u:p@main:8332');
  assert.equal(c.nodes.find((n) => n.id === 'node2')?.rpcUrl, 'http://u:p@n2:8332');
});

test('the README documents every variable, and no other', async () => {
  const { readFileSync } = await import('node:fs');
  const { VARIABLES } = await import('../../src/config.ts');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| (?:`[^`]*`|—) \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), Object.keys(VARIABLES).sort());
});
