// Alerts end to end against the fixture server: the replayed next-block fee jumps from 3 to 412
// sat/vB with ALERT_FEE_ABOVE_SATVB=100 and a webhook configured. Exactly one signed webhook
// arrives (checked here with the secret), the alert shows on /api/v2/alerts, the scorecard and the
// Health page, it is not sent again while it holds nor within the cooldown, and it resolves with a
// second, "resolved" notification when the fee falls back. Rules change over the admin API.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { requestJobRun } from '../../src/job-status.ts';
import { keys } from '../../src/store/keys.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, unknown>;
const SECRET = 'whsec-test-0123456789';
const TOKEN = 'admin-token-0123456789abcdef';
const FEES = '/mempool/api/v1/fees/recommended';
const recorded = JSON.parse(readFileSync(new URL('../fixtures/mempool/v1_fees_recommended.json', import.meta.url), 'utf8')) as Json;

let fx: FixtureServer;
let rt: Awaited<ReturnType<typeof testRuntime>>;
let hook: Server;
let hookUrl = '';
const received: { raw: Buffer; signature: string | undefined; body: Json }[] = [];
let fastest = 3;

const verify = (raw: Buffer, header: string | undefined, secret: string) => {
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const got = Buffer.from(header ?? '');
  return got.length === want.length && timingSafeEqual(got, want);
};
const get = async (path: string) => (await (await fetch(rt.base + path)).json()) as Json;
const alertsRun = async () => {
  const before = (await rt.store.get(keys.alerts))?.asOfMs ?? 0;
  await requestJobRun(rt.store, rt.jobs, 'alerts');
  await waitFor('an alerts run', async () => (((await rt.store.get(keys.alerts))?.asOfMs ?? 0) > before ? true : undefined), 15_000, 25);
};
/** The replay answers `fee`; the mempool.space job reads it. */
const feeBecomes = async (fee: number) => {
  fastest = fee;
  await requestJobRun(rt.store, rt.jobs, 'public-mempool');
  await waitFor(`the fee at ${fee}`, async () => (((await rt.store.get(keys.publicPiece('mempool.fees')))?.data as Json | undefined)?.fastestSatVb === fee ? true : undefined), 15_000, 25);
};

before(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ raw, signature: req.headers['x-satscope-signature'] as string | undefined, body: JSON.parse(raw.toString('utf8')) as Json });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/satscope`;
  fx = await startFixtureServer();
  fx.on(FEES, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...recorded, fastestFee: fastest, halfHourFee: Math.min(fastest, 2), hourFee: 1, economyFee: 1, minimumFee: 1 }));
  });
  rt = await testRuntime(
    { ...fx.env, SOURCES_DISABLED: 'ocean', ALERT_FEE_ABOVE_SATVB: '100', ALERT_WEBHOOK_URL: hookUrl, ALERT_WEBHOOK_SECRET: SECRET, ADMIN_TOKEN: TOKEN },
    { jobs: 'production' },
  );
  await feeBecomes(3);
  await alertsRun();
});
after(async () => {
  await rt.close();
  await fx.stop();
  await new Promise<void>((r) => hook.close(() => r()));
});

test('at 3 sat/vB nothing fires; the fee rule is listed with its level from ALERT_FEE_ABOVE_SATVB', async () => {
  const a = await get('/api/v2/alerts');
  assert.deepEqual(a.active, []);
  const rule = (a.rules as Json[]).find((r) => r.id === 'fee-above');
  assert.equal(rule?.enabled, true);
  assert.equal(rule?.level, 100);
  assert.equal(rule?.origin, 'ALERT_FEE_ABOVE_SATVB');
  assert.deepEqual((a.channels as Json[]).map((c) => [c.name, c.target]), [['webhook', new URL(hookUrl).host]]);
  assert.equal(received.length, 0);
});

test('the fee jumps to 412: one signed webhook, the alert on the API, the scorecard and the Health page', async () => {
  await feeBecomes(412);
  await alertsRun();
  await waitFor('the webhook', async () => (received.length >= 1 ? true : undefined), 10_000, 25);
  assert.equal(received.length, 1);
  const [first] = received;
  assert.ok(first && verify(first.raw, first.signature, SECRET), 'the signature verifies with ALERT_WEBHOOK_SECRET');
  assert.ok(first && !verify(first.raw, first.signature, 'another-secret-123'), 'and not with another secret');
  assert.equal(first?.body.state, 'firing');
  assert.equal(first?.body.ruleId, 'fee-above');
  assert.equal(first?.body.value, 412);
  assert.equal(first?.body.threshold, 100);
  assert.match(String(first?.body.message), /412 sat\/vB/);

  const a = await get('/api/v2/alerts');
  const active = a.active as Json[];
  assert.equal(active.length, 1);
  assert.equal(active[0]?.rule, 'fee-above');
  assert.equal(active[0]?.state, 'firing');
  assert.equal(((await get('/api/v2/score/latest')).alerts as Json[])[0]?.rule, 'fee-above');
  await waitFor('the Health page', async () => ((await (await fetch(`${rt.base}/score`)).text()).includes('Next-block fee high') ? true : undefined), 10_000, 100);
  const page = await (await fetch(`${rt.base}/score`)).text();
  assert.match(page, /The next-block fee is 412 sat\/vB/);
  assert.equal((a.channels as Json[])[0]?.state, 'ok');
});

test('while the fee stays high nothing is sent again; when it falls back a signed "resolved" notification follows', async () => {
  await alertsRun();
  await alertsRun();
  assert.equal(received.length, 1, 'one notification per firing');
  await feeBecomes(3);
  await alertsRun();
  await waitFor('the resolved webhook', async () => (received.length >= 2 ? true : undefined), 10_000, 25);
  const second = received[1];
  assert.ok(second && verify(second.raw, second.signature, SECRET));
  assert.equal(second?.body.state, 'resolved');
  assert.equal(second?.body.firingId, received[0]?.body.firingId);
  assert.ok(second?.body.resolvedAt);
  const a = await get('/api/v2/alerts');
  assert.deepEqual(a.active, []);
  assert.equal((a.recent as Json[])[0]?.state, 'resolved');
});

test('within the cooldown a second jump is shown but not notified again, nor its resolution', async () => {
  await feeBecomes(412);
  await alertsRun();
  await alertsRun();
  const active = (await get('/api/v2/alerts')).active as Json[];
  assert.equal(active.length, 1, 'the Health page and the API still say the fee is high');
  assert.match(String(active[0]?.message), /not notified: within 30 min/);
  await feeBecomes(3);
  await alertsRun();
  await alertsRun();
  assert.deepEqual((await get('/api/v2/alerts')).active, []);
  assert.equal(received.length, 2, 'no webhook for the quiet firing or its end');
});

test('rules change over the admin API: a custom threshold rule fires, bad rules are refused, and it is deleted', async () => {
  const post = (body: unknown, token = TOKEN) => fetch(`${rt.base}/api/admin/alerts/rules`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post({ id: 'x', kind: 'threshold', series: 'a', op: 'above', level: 1 }, 'wrong-token-0123456789')).status, 401);
  for (const bad of [{ id: 'Bad Id', kind: 'threshold', series: 'a', op: 'above', level: 1 }, { id: 'x', kind: 'nope' }, { id: 'x', kind: 'threshold', series: 'a', op: 'above', level: 'high' }, { id: 'fee-above', level: 'x' }, { id: 'x', kind: 'stale', series: 'a', afterMin: 5, extra: 1 }]) {
    const r = await post(bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  }
  const ok = await post({ id: 'fastest-over-1', kind: 'threshold', series: 'network.fees.fastest', op: 'above', level: 1, severity: 'info', cooldownMin: 0 });
  assert.equal(ok.status, 200);
  assert.ok(((await ok.json()) as { rules: Json[] }).rules.some((r) => r.id === 'fastest-over-1'));
  await alertsRun();
  await waitFor('the custom rule firing', async () => (((await get('/api/v2/alerts')).active as Json[]).some((f) => f.rule === 'fastest-over-1') ? true : undefined), 10_000, 100);
  await waitFor('its webhook', async () => (received.some((r) => r.body.ruleId === 'fastest-over-1') ? true : undefined), 10_000, 25);
  // A built-in switched off over the API.
  assert.equal((await post({ id: 'fee-above', enabled: false })).status, 200);
  assert.equal(((await get('/api/v2/alerts')).rules as Json[]).length >= 0, true);
  const del = await fetch(`${rt.base}/api/admin/alerts/rules/fastest-over-1`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(del.status, 200);
  assert.equal((await fetch(`${rt.base}/api/admin/alerts/rules/fastest-over-1`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
  await alertsRun();
  const a = await get('/api/v2/alerts');
  assert.ok(!(a.active as Json[]).some((f) => f.rule === 'fastest-over-1'), 'a deleted rule resolves');
  assert.equal(((a.rules as Json[]).find((r) => r.id === 'fee-above') as Json).enabled, false);
});
