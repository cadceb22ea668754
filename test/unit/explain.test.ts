import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SatscopeError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { explainError, rootFailure, transportCause } from '../../src/sources/explain.ts';
import { SourceTracker } from '../../src/sources/source-tracker.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';

const sys = (code: string, message = code) => Object.assign(new Error(message), { code });
const fetchFailed = (code: string) => new SatscopeError('UPSTREAM_NETWORK', `mempool: ${code}`, { cause: Object.assign(new TypeError('fetch failed'), { cause: sys(code) }) });

test('explainError() names the cause in one sentence and keeps the chain as detail', () => {
  const cases: [unknown, string, string][] = [
    [fetchFailed('ENOTFOUND'), 'mempool', "Can't reach mempool.space: the host name does not resolve (no internet connection?)"],
    [fetchFailed('ECONNREFUSED'), 'coingecko', "Can't reach CoinGecko: the connection was refused (nothing listens there)"],
    [fetchFailed('ENETUNREACH'), 'coinbase', "Can't reach Coinbase: there is no network route to it (no internet connection?)"],
    [new SatscopeError('UPSTREAM_HTTP', 'blockchain: HTTP 503 busy', { details: { status: 503 } }), 'blockchain', 'Blockchain.com answered with an error (HTTP 503)'],
    [new SatscopeError('UPSTREAM_RATE_LIMITED', 'x', { details: { status: 429, retryAfterMs: 2000 } }), 'bitnodes', 'Bitnodes asked us to slow down (HTTP 429); retrying later'],
    [new SatscopeError('RPC_AUTH_FAILED'), 'node2', 'Your node node2 refused the RPC credentials: check the user and password (or the cookie file)'],
    [new SatscopeError('UPSTREAM_TIMEOUT', 'mempool: timed out'), 'mempool', 'mempool.space did not answer in time'],
    [new SatscopeError('UPSTREAM_SCHEMA', 'bad'), 'forkmonitor', 'ForkMonitor sent a reply Satscope could not read (its API may have changed)'],
  ];
  for (const [err, source, summary] of cases) {
    const e = explainError(err, source);
    assert.equal(e.summary, summary);
    assert.ok(e.detail.length > 0 && e.detail !== e.summary);
  }
  assert.equal(explainError(fetchFailed('ENOTFOUND'), 'mempool').detail, 'UPSTREAM_NETWORK: mempool: ENOTFOUND <- fetch failed <- ENOTFOUND: ENOTFOUND');
});

test('transportCause() tells TLS on a plain port and untrusted certificates from refusals', () => {
  assert.equal(transportCause(sys('ERR_SSL_WRONG_VERSION_NUMBER', 'ssl3_get_record:wrong version number'))?.kind, 'tls-plain');
  assert.equal(transportCause(sys('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))?.kind, 'certificate');
  assert.equal(transportCause(sys('ERR_TLS_CERT_ALTNAME_INVALID'))?.kind, 'certificate');
  assert.equal(transportCause(sys('ECONNRESET'))?.kind, 'reset');
  assert.equal(transportCause(sys('ETIMEDOUT'))?.kind, 'timeout');
  assert.equal(transportCause(new Error('something else')), undefined);
});

test('rootFailure() prefers a real cause over a refused budget or an open breaker', () => {
  const budget = new SatscopeError('UPSTREAM_RATE_LIMITED', 'rate limit: next request allowed in 2495 ms', { details: { waitMs: 2495 } });
  const breaker = new SatscopeError('UPSTREAM_CIRCUIT_OPEN');
  const network = fetchFailed('ENOTFOUND');
  assert.equal(rootFailure([budget, breaker, network]), network);
  assert.equal(rootFailure([budget]), budget);
});

function tracker(name = 'mempool') {
  return new SourceTracker({ name, kind: 'http', enabled: true, disabledReason: null, target: null }, { store: new MemoryStore(), metrics: createMetrics(), log: silentLogger });
}

test('SourceTracker keeps the network cause when our own budget refuses the next calls (offline)', () => {
  const t = tracker();
  t.record({ error: fetchFailed('ENOTFOUND') });
  t.record({ error: new SatscopeError('UPSTREAM_RATE_LIMITED', 'rate limit: next request allowed in 2495 ms', { details: { waitMs: 2495 } }) });
  const s = t.snapshot();
  assert.equal(s.lastError?.code, 'UPSTREAM_NETWORK');
  assert.match(s.lastError?.summary ?? '', /no internet connection\?/);
  assert.equal(s.counts.upstream_rate_limited, 1, 'the refusal is still counted');
});

test('SourceTracker.settle() sets the state from the last run: all parts ok, some failed, none answered', () => {
  const t = tracker();
  t.record('ok');
  t.settle('public-mempool', 10, []);
  assert.equal(t.snapshot().state, 'ok');
  t.settle('public-mempool', 10, [fetchFailed('ECONNRESET')]);
  assert.equal(t.snapshot().state, 'degraded');
  assert.deepEqual(t.snapshot().lastRun && { parts: t.snapshot().lastRun?.parts, failed: t.snapshot().lastRun?.failed }, { parts: 10, failed: 1 });
  // A later single successful call does not hide that the last run failed.
  t.record('ok');
  assert.equal(t.snapshot().state, 'degraded');
  t.settle('public-mempool', 2, [fetchFailed('ECONNREFUSED'), new SatscopeError('UPSTREAM_CIRCUIT_OPEN')]);
  assert.equal(t.snapshot().state, 'down');
  assert.match(t.snapshot().lastError?.summary ?? '', /refused/);
});

test('SourceTracker.settle() keeps the recorded cause when a run saw only its consequences (an open breaker)', () => {
  const t = tracker('main');
  t.record({ error: fetchFailed('ECONNREFUSED') });
  t.settle('node-status', 1, [new SatscopeError('UPSTREAM_CIRCUIT_OPEN', 'main: paused after repeated failures; retry in 5 s')]);
  const s = t.snapshot();
  assert.equal(s.state, 'down');
  assert.equal(s.lastError?.code, 'UPSTREAM_NETWORK');
  assert.match(s.lastError?.summary ?? '', /^Can't reach your node main: the connection was refused/);
});
