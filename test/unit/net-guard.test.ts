import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain JavaScript module, loaded by the runner before any test
import { isLoopbackHost } from '../helpers/net-guard.mjs';

const GUARD = new URL('../helpers/net-guard.mjs', import.meta.url).pathname;

test('isLoopbackHost() takes 127.0.0.0/8, ::1 and localhost only', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', undefined, '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, String(h));
  for (const h of ['10.0.0.1', '192.168.1.1', '8.8.8.8', 'mempool.space', '::ffff:8.8.8.8', '128.0.0.1', '1.127.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

test('the guard refuses a connection outside loopback, from fetch too, and logs it; loopback passes', () => {
  const log = join(mkdtempSync(join(tmpdir(), 'satscope-guard-')), 'guard.log');
  const script = `
    const net = require('node:net');
    const s = net.connect({ host: '192.0.2.1', port: 9 });
    s.on('error', (e) => {
      console.log('socket:' + e.message);
      fetch('http://192.0.2.1:80/').catch((err) => {
        console.log('fetch:' + String(err.cause?.message ?? err.message));
        const srv = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {
          const ok = net.connect(srv.address().port, '127.0.0.1', () => { console.log('loopback:ok'); ok.destroy(); srv.close(); });
        });
      });
    });`;
  const r = spawnSync(process.execPath, ['--import', GUARD, '-e', script], { env: { PATH: process.env.PATH, SATSCOPE_NET_GUARD_LOG: log }, encoding: 'utf8', timeout: 20_000 });
  assert.match(r.stdout, /socket:loopback guard: tests may not connect to 192\.0\.2\.1:9/);
  assert.match(r.stdout, /fetch:loopback guard/);
  assert.match(r.stdout, /loopback:ok/);
  const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('refused by the loopback guard'));
  assert.equal(lines.length, 2, 'both attempts are logged');
});
