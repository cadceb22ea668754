// The satscope command as a user runs it: a real process, real signals, real files.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, waitFor } from '../helpers/ports.ts';
import { startFixtureServer } from '../helpers/fixture-server.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/satscope.js');

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Only what the test means to set: no SATSCOPE-relevant variables leak in from the outer shell.
  // NODE_OPTIONS and the guard's log carry the loopback guard into the child (see test/run.js).
  // The command runs the sources under test (SATSCOPE_FROM_SOURCE), not a build of them;
  // test/e2e/build.test.ts covers the build.
  const { PATH, HOME, TMPDIR, LANG, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TMPDIR, LANG, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG, SATSCOPE_FROM_SOURCE: '1', ...extra }).filter(([, v]) => v !== undefined));
}

function spawnSatscope(args: string[], env: Record<string, string>, cwd = mkdtempSync(join(tmpdir(), 'satscope-cwd-'))): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return Object.assign(child, { output: () => out });
}

// Every public source on, as with no configuration, but pointed at a closed loopback port: the
// defaults are exercised and nothing leaves the machine.
const offlineUrls = (closedPort: number) => Object.fromEntries(['MEMPOOL', 'COINGECKO', 'COINBASE', 'BLOCKCHAIN', 'BITNODES', 'FORKMONITOR', 'OCEAN'].map((n) => [`${n}_API_URL`, `http://127.0.0.1:${closedPort}/api`]));

test('satscope start with no configuration answers /health with 200 within 10 s, offline', async () => {
  const port = await freePort();
  const started = Date.now();
  const child = spawnSatscope(['start'], { PORT: String(port), SOURCES_DISABLED: '', ...offlineUrls(await freePort()) });
  try {
    const status = await waitFor('health', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      return r.status === 200 ? r.status : undefined;
    }, 10_000, 100);
    assert.equal(status, 200);
    assert.ok(Date.now() - started < 10_000);
    const h = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { store: { kind: string }; history: { kind: string } };
    assert.equal(h.store.kind, 'memory');
    assert.equal(h.history.kind, 'sqlite');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  assert.match(child.output(), /stopped cleanly/);
});

test('a bad value exits 1 naming every bad variable', () => {
  const r = spawnSync(process.execPath, [BIN, 'start'], { env: cleanEnv({ REDIS_URL: 'nonsense', PORT: '-1' }), encoding: 'utf8', cwd: tmpdir() });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /REDIS_URL/);
  assert.match(r.stderr, /PORT/);
});

test('SIGTERM during a running job ends the process within the job timeout, with the database closed cleanly', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'satscope-term-'));
  const port = await freePort();
  const timeoutMs = 4000;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/slow-job-process.ts')], {
    cwd: ROOT,
    env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SLOW_JOB_TIMEOUT_MS: String(timeoutMs) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor('job running', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/jobs`);
    const body = (await r.json()) as { jobs: { running: boolean }[] };
    return body.jobs[0]?.running ? true : undefined;
  }, 15_000, 100);
  await new Promise((r) => setTimeout(r, 300)); // let it write for a while
  const t0 = Date.now();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  const elapsed = Date.now() - t0;
  assert.equal(code, 0, out);
  assert.ok(elapsed < timeoutMs, `took ${elapsed} ms`);
  assert.match(out, /stopped cleanly/);
  const file = join(dataDir, 'satscope.db');
  // A clean close folds the WAL into the main file.
  assert.ok(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0, 'WAL checkpointed');
  const db = new Database(file);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const row = db.prepare("SELECT COUNT(*) AS n FROM points WHERE series = 'shutdown.probe'").get() as { n: number };
  assert.ok(row.n > 0, 'the job wrote before the signal');
  const runs = db.prepare("SELECT outcome FROM job_runs WHERE job = 'slow-writer'").all() as { outcome: string }[];
  assert.equal(runs.length, 1, 'the interrupted run is recorded');
  db.close();
});

test('satscope check prints what answers, and exits 1 naming each failing source in plain words', async () => {
  const fx = await startFixtureServer();
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'satscope-check-'));
    const env = { ...fx.env, DATA_DIR: dataDir, FORKMONITOR_API_URL: `http://127.0.0.1:${await freePort()}/api/v1` };
    const child = spawnSatscope(['check'], env);
    const [code] = (await once(child, 'exit')) as [number];
    const out = child.output();
    assert.equal(code, 1, out);
    assert.match(out, /^store\s+ok\s+memory/m);
    assert.match(out, /^history\s+ok\s+sqlite.*integrity ok/m);
    assert.match(out, /^mempool\s+ok/m);
    assert.match(out, /^coingecko\s+FAIL\s+CoinGecko answered with an error \(HTTP 404\)$/m, 'the fixture server has no /ping');
    assert.match(out, /^forkmonitor\s+FAIL\s+Can't reach ForkMonitor: the connection was refused/m);
    assert.doesNotMatch(out, /UPSTREAM_|<-|fetch failed/, 'no raw error chains');
    assert.doesNotMatch(out, /satscope demo/, 'some public sources answered: no offline hint');
    assert.match(out, /^coinbase\s+FAIL\s+Coinbase answered with an error \(HTTP 404\)$/m, 'the fixture server has no ticker');
    assert.match(out, /^3 of \d+ checks failed: [a-z, ]+$/m);
    assert.match(out, /^main\s+off\s+set BITCOIN_RPC_URL/m);
  } finally {
    await fx.stop();
  }
});

test('satscope check prints each node and the Electrum server: what answered and which capabilities were found', async () => {
  const { startRegtestNode } = await import('../helpers/bcoin.ts');
  const { FakeElectrumServer } = await import('../helpers/electrum-server.ts');
  const node = await startRegtestNode({ blocks: 3 });
  const electrum = await new FakeElectrumServer().start();
  try {
    const env = {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-check2-')),
      SOURCES_DISABLED: 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor',
      BITCOIN_RPC_URL: node.rpcUrl,
      NODE2_RPC_URL: node.rpcUrl.replace('regtest-api-key', 'wrong-password'),
      ELECTRUM_URL: electrum.url,
    };
    const child = spawnSatscope(['check'], env);
    const [code] = (await once(child, 'exit')) as [number];
    const out = child.output();
    assert.equal(code, 1, `node2 fails: ${out}`);
    assert.match(out, /^main\s+ok\s+\/bcoin:v1\.0\.2\/ regtest height 3, 0 peers; missing getblockstats, uptime/m);
    assert.match(out, /^node2\s+FAIL\s+Your node node2 refused the RPC credentials: check the user and password/m);
    assert.doesNotMatch(out, /wrong-password|regtest-api-key/, 'no credentials in the output');
    assert.match(out, /^electrum\s+ok\s+ElectrumX 1\.16\.0 protocol 1\.4, tip 952583/m);
    assert.match(out, /^mempool\s+off\s+switched off by SOURCES_DISABLED/m);
  } finally {
    await electrum.stop();
    await node.stop();
  }
});

test('satscope check with an Electrum URL where nothing listens exits 1 and says the connection was refused', async () => {
  const closed = await freePort();
  const child = spawnSatscope(['check'], { DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-check3-')), SOURCES_DISABLED: 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor', ELECTRUM_URL: `tcp://127.0.0.1:${closed}` });
  const [code] = (await once(child, 'exit')) as [number];
  const out = child.output();
  assert.equal(code, 1, out);
  assert.match(out, new RegExp(`^electrum\\s+FAIL\\s+Can't reach your Electrum server at tcp://127\\.0\\.0\\.1:${closed}: the connection was refused \\(nothing listens there\\)$`, 'm'));
  assert.match(out, /^1 of \d+ checks failed: electrum$/m);
});

test('satscope check suggests the demo when no public source answers (an offline machine)', async () => {
  const child = spawnSatscope(['check'], { DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-check4-')), SOURCES_DISABLED: '', ...offlineUrls(await freePort()) });
  const [code] = (await once(child, 'exit')) as [number];
  const out = child.output();
  assert.equal(code, 1, out);
  assert.match(out, /^mempool\s+FAIL\s+Can't reach mempool\.space: the connection was refused/m);
  assert.match(out, /No public source answered: is this machine offline\? `satscope demo` shows the dashboard without a network/);
  assert.equal(out.split('\n').filter((l) => /^coingecko\s/.test(l)).length, 1, 'one line per source');
});

test('satscope --version prints the version and exits 0', () => {
  const r = spawnSync(process.execPath, [BIN, '--version'], { env: cleanEnv({}), encoding: 'utf8', cwd: tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^satscope \d+\.\d+\.\d+\n$/);
});

test('satscope start serves the Overview with the data its jobs have by then at first paint', async () => {
  const fx = await startFixtureServer();
  const port = await freePort();
  const child = spawnSatscope(['start'], { PORT: String(port), HOST: '127.0.0.1', ...fx.env });
  try {
    // The price card shows the KPIs (the combined price with the market data): wait for those, as the page reads them.
    await waitFor('the KPIs from the jobs', async () => ((await (await fetch(`http://127.0.0.1:${port}/api/bitcoin/kpis`)).json()) as { data: unknown }).data ?? undefined, 30_000, 200);
    const r = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /<title>Overview · Satscope<\/title>/);
    assert.match(html, /data-k="price\.usd" data-f="fiat" data-v="60823">\$60,823</);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await fx.stop();
  }
});

test('satscope demo serves a populated dashboard labelled DEMO with nothing configured, and stops on SIGTERM', async () => {
  const port = await freePort();
  const child = spawnSatscope(['demo'], { PORT: String(port), HOST: '127.0.0.1' });
  try {
    const html = await waitFor('a filled demo overview', async () => {
      const h = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      return /data-k="chain\.height" data-f="int" data-v="2\d\d"/.test(h) && /\$60,823/.test(h) ? h : undefined;
    }, 60_000, 500);
    assert.match(html, /<title>DEMO · Overview/);
    for (const path of ['/market', '/blocks', '/nodes', '/status', '/settings']) assert.match(await (await fetch(`http://127.0.0.1:${port}${path}`)).text(), /<strong>DEMO<\/strong>/, path);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  assert.match(child.output(), /stopped cleanly/);
});
