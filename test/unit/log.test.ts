import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SatscopeError } from '../../src/errors.ts';
import { createLogger, type LoggerOptions } from '../../src/log.ts';
import { waitFor } from '../helpers/ports.ts';

/** A logger on a clock the test moves, writing into an array. */
function harness(opts: Partial<LoggerOptions> = {}) {
  let nowMs = Date.parse('2025-01-01T00:00:00Z');
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', secrets: [], write: (l) => lines.push(l), now: () => new Date(nowMs), ...opts });
  return { log, lines, advance: (ms: number) => (nowMs += ms) };
}

const storeDown = () => new SatscopeError('STORE_UNAVAILABLE', 'redis GET failed', { cause: new Error('Connection is closed.') });

test('createLogger() writes the first warn line and counts its repeats within the window', () => {
  const { log, lines, advance } = harness();
  for (let i = 0; i < 50; i++) {
    log.warn('job not started: store unavailable', { job: 'chain', err: storeDown() });
    advance(300);
  }
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^2025-01-01T00:00:00\.000Z warn {2}job not started: store unavailable job=chain err="STORE_UNAVAILABLE: redis GET failed <- Connection is closed\."$/);
});

test('createLogger() writes one summary with the count when the next occurrence comes after the window', () => {
  const { log, lines, advance } = harness();
  log.error('request failed', { route: '/api/v1/chain', err: storeDown() });
  for (let i = 0; i < 37; i++) {
    advance(1000);
    log.error('request failed', { route: '/api/v1/chain', err: storeDown() });
  }
  advance(60_000);
  log.error('request failed', { route: '/api/v1/chain', err: storeDown() });
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[1]!, /^\S+ error request failed route=\/api\/v1\/chain err="STORE_UNAVAILABLE: .*" repeated=37 overSec=60$/);
  // After the summary a new window starts, with the event written in full again.
  assert.match(lines[2]!, /error request failed route=\/api\/v1\/chain err="[^"]+"$/);
});

test('createLogger() writes the summary from a timer when the window ends', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', secrets: [], write: (l) => lines.push(l), repeatWindowMs: 50 });
  for (let i = 0; i < 5; i++) log.warn('the store did not answer', { err: storeDown() });
  assert.equal(lines.length, 1);
  await waitFor('the summary line', async () => (lines.length >= 2 ? true : undefined), 5000, 10);
  assert.match(lines[1]!, /warn {2}the store did not answer err="[^"]+" repeated=4 overSec=0$/);
  assert.equal(lines.length, 2);
});

test('createLogger() ignores numbers, such as durations, in deciding what repeats', () => {
  const { log, lines } = harness();
  log.warn('job failed', { job: 'fees', retryInMs: 1200, error: 'UPSTREAM_RATE_LIMITED: fees: next request allowed in 523 ms' });
  log.warn('job failed', { job: 'fees', retryInMs: 2400, error: 'UPSTREAM_RATE_LIMITED: fees: next request allowed in 87 ms' });
  assert.equal(lines.length, 1);
});

test('createLogger() keeps distinct events apart: message, level, bindings, fields and error code', () => {
  const { log, lines } = harness();
  log.warn('node down', { node: 'node1' });
  log.warn('node down', { node: 'node2' });
  log.error('node down', { node: 'node1' });
  log.warn('node unreachable', { node: 'node1' });
  log.child({ component: 'read-model' }).warn('node down', { node: 'node1' });
  log.warn('request failed', { err: new SatscopeError('UPSTREAM_TIMEOUT', 'no answer') });
  log.warn('request failed', { err: new SatscopeError('UPSTREAM_HTTP', 'no answer') });
  log.warn('request failed', { err: new SatscopeError('UPSTREAM_HTTP', 'bad gateway') });
  assert.equal(lines.length, 8, lines.join('\n'));
});

test('createLogger() never limits debug and info lines', () => {
  const { log, lines } = harness();
  for (let i = 0; i < 10; i++) {
    log.debug('tick');
    log.info('job finished', { job: 'chain' });
  }
  assert.equal(lines.length, 20);
});

test('child loggers share the limiter with their parent', () => {
  const { log, lines, advance } = harness();
  const a = log.child({ job: 'chain' });
  const b = log.child({ job: 'chain' });
  a.warn('job not started: store unavailable');
  b.warn('job not started: store unavailable');
  log.warn('job not started: store unavailable', { job: 'chain' });
  a.child({}).warn('job not started: store unavailable');
  advance(61_000);
  b.warn('job not started: store unavailable');
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[1]!, /repeated=3 overSec=60$/);
});

test('the redactor applies to the summary line as well as the first', () => {
  const secret = 'hunter2pass';
  const { log, lines, advance } = harness({ secrets: [secret] });
  log.error('rpc failed', { url: `http://satoshi:${secret}@node:8332`, err: new Error(`auth ${secret} rejected`) });
  log.error('rpc failed', { url: `http://satoshi:${secret}@node:8332`, err: new Error(`auth ${secret} rejected`) });
  advance(60_001);
  log.error('rpc failed', { url: `http://satoshi:${secret}@node:8332`, err: new Error(`auth ${secret} rejected`) });
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /repeated=1/);
  for (const l of lines) {
    assert.ok(!l.includes(secret), l);
    assert.match(l, /\*\*\*/);
  }
});

test('createLogger() tracks a bounded number of events; the oldest is let go with its count written', () => {
  const { log, lines } = harness({ maxRepeatKeys: 3 });
  log.warn('event a');
  log.warn('event a');
  log.warn('event a');
  assert.equal(lines.length, 1);
  // A flood of distinct events: each is written, and the tracked set stays at three.
  for (let i = 0; i < 1000; i++) log.warn(`event x${i}`);
  assert.equal(lines.length, 1 + 1 + 1000, 'every distinct event written, plus the summary of the one let go');
  assert.deepEqual(lines.filter((l) => l.includes('repeated=')).map((l) => l.slice(25)), ['warn  event a repeated=2 overSec=0']);
  // 'event a' was forgotten: written in full again rather than counted.
  log.warn('event a');
  assert.match(lines.at(-1)!, /warn {2}event a$/);
  // The three tracked now are the latest x events: the earliest of them has been let go too.
  const before = lines.length;
  log.warn('event x0');
  assert.equal(lines.length, before + 1);
});

test('repeatWindowMs: 0 writes every line', () => {
  const { log, lines } = harness({ repeatWindowMs: 0 });
  for (let i = 0; i < 5; i++) log.error('request failed');
  assert.equal(lines.length, 5);
});

test('flush() writes the counts still pending, so a shutdown loses none', () => {
  const lines: string[] = [];
  let t = 0;
  const log = createLogger({ level: 'info', secrets: [], write: (l) => lines.push(l), now: () => new Date(t) });
  for (let i = 0; i < 4; i++) {
    t += 1000;
    log.child({ c: 'x' }).warn('store down');
  }
  assert.equal(lines.length, 1);
  log.flush?.();
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /store down c=x repeated=3 overSec=3$/);
  log.flush?.();
  assert.equal(lines.length, 2, 'nothing twice');
});

test('text fields that name who or what keep their numbers: two client addresses are two events', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', secrets: [], write: (l) => lines.push(l), now: () => new Date(0) });
  log.warn('admin token refused', { ip: '203.0.113.5' });
  log.warn('admin token refused', { ip: '198.51.100.7' });
  log.warn('job failed', { job: 'backfill-2023', err: new Error('timeout after 1200 ms') });
  log.warn('job failed', { job: 'backfill-2024', err: new Error('timeout after 1300 ms') });
  log.warn('job failed', { job: 'backfill-2024', err: new Error('timeout after 1400 ms') });
  assert.equal(lines.length, 4, lines.join('\n'));
});
