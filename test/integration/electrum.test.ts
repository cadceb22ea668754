import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { ElectrumClient, type ElectrumHeader } from '../../src/sources/electrum/client.ts';
import { SourceTracker } from '../../src/sources/source-tracker.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeElectrumServer } from '../helpers/electrum-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

const store = new MemoryStore();
let server: FakeElectrumServer;
before(async () => {
  server = await new FakeElectrumServer().start();
});
after(async () => {
  await server.stop();
  await store.close();
});

function client(headers: ElectrumHeader[] = [], url = server.url) {
  const tracker = new SourceTracker({ name: 'electrum', kind: 'electrum', enabled: true, disabledReason: null, target: url }, { store, metrics: createMetrics(), log: silentLogger });
  return new ElectrumClient({ url, tracker, log: silentLogger, timeoutMs: 500, maxBackoffMs: 300, onHeader: (h) => headers.push(h) });
}

test('the client says server.version first, subscribes to headers and reads every recorded reply', async () => {
  const headers: ElectrumHeader[] = [];
  const c = client(headers);
  await c.start();
  assert.deepEqual(server.sessions.at(-1)?.slice(0, 2), ['server.version', 'blockchain.headers.subscribe']);
  assert.deepEqual(c.serverVersion, ['ElectrumX 1.16.0', '1.4']);
  assert.equal(headers[0]?.height, 952583);
  assert.equal(await c.request('blockchain.estimatefee', [6], z.number()), 2.345e-5);
  assert.equal(await c.request('blockchain.relayfee', [], z.number()), 1e-5);
  assert.equal((await c.request('mempool.get_fee_histogram', [], z.array(z.tuple([z.number(), z.number()])))).length, 9);
  assert.equal((await c.request('server.peers.subscribe', [], z.array(z.unknown()))).length, 3);
  assert.match(await c.request('server.banner', [], z.string()), /ElectrumX/);
  assert.equal(await c.request('server.ping', [], z.null()), null);
  await assert.rejects(c.request('server.foo', [], z.unknown()), (e: { code?: string; message: string }) => e.code === 'ELECTRUM_ERROR' && /unknown method/.test(e.message));
  await c.close();
});

test('a pushed header notification reaches the client', async () => {
  const headers: ElectrumHeader[] = [];
  const c = client(headers);
  await c.start();
  server.notifyHeader(952584);
  await waitFor('notification', async () => (headers.some((h) => h.height === 952584) ? true : undefined), 2000, 20);
  assert.equal(c.tip?.height, 952584);
  await c.close();
});

test('garbage lines are skipped and the connection keeps working', async () => {
  const c = client();
  await c.start();
  server.sendGarbage();
  assert.equal(await c.request('server.ping', [], z.null()), null);
  assert.ok(c.garbageLines >= 2);
  await c.close();
});

test('a dropped connection is reconnected with backoff, with the handshake and subscription again', async () => {
  const headers: ElectrumHeader[] = [];
  const c = client(headers);
  await c.start();
  const sessionsBefore = server.sessions.length;
  server.dropAll();
  await waitFor('reconnect', async () => (c.state === 'ok' && server.sessions.length > sessionsBefore ? true : undefined), 5000, 20);
  assert.deepEqual(server.sessions.at(-1)?.slice(0, 2), ['server.version', 'blockchain.headers.subscribe']);
  assert.ok(c.reconnects >= 1);
  assert.equal(await c.request('server.ping', [], z.null()), null);
  await c.close();
});

test('an unanswered request ends in UPSTREAM_TIMEOUT, and a refused connection in UPSTREAM_NETWORK', async () => {
  const c = client();
  await c.start();
  server.silent.add('server.banner');
  await assert.rejects(c.request('server.banner', [], z.string(), 200), (e: { code?: string }) => e.code === 'UPSTREAM_TIMEOUT');
  server.silent.clear();
  await c.close();
  const refused = client([], 'tcp://127.0.0.1:1');
  await assert.rejects(refused.start(), (e: { code?: string }) => e.code === 'UPSTREAM_NETWORK');
  await refused.close();
});

test('connection failures name their cause: refused, and TLS spoken to a plain port (with no SNI warning for an IP)', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? w.name);
  process.on('warning', onWarning);
  try {
    const tls = client([], `ssl://127.0.0.1:${server.port}`);
    const err = (await tls.start().then(() => undefined, (e: unknown) => e)) as { details?: { summary?: string; cause?: string } };
    assert.equal(err.details?.cause, 'tls-plain');
    assert.equal(err.details?.summary, `Can't reach your Electrum server at ssl://127.0.0.1:${server.port}: it does not speak TLS on that port (use tcp:// for a plain port)`);
    await tls.close();
    const { freePort } = await import('../helpers/ports.ts');
    const closed = await freePort();
    const refused = client([], `tcp://127.0.0.1:${closed}`);
    const states: (string | null)[] = [];
    const r = new ElectrumClient({ url: `tcp://127.0.0.1:${closed}`, tracker: new SourceTracker({ name: 'electrum', kind: 'electrum', enabled: true, disabledReason: null, target: null }, { store, metrics: createMetrics(), log: silentLogger }), log: silentLogger, timeoutMs: 500, maxBackoffMs: 300, onState: (_s, m) => states.push(m) });
    await assert.rejects(r.start(), /the connection was refused/);
    await waitFor('the reconnect message', async () => states.find((m) => m?.includes('retrying')), 2000, 20);
    assert.match(states.find((m) => m?.includes('retrying')) ?? '', /^Can't reach your Electrum server at tcp:\/\/127\.0\.0\.1:\d+: the connection was refused \(nothing listens there\); retrying by itself$/);
    assert.ok(!states.some((m) => m?.startsWith('disconnected')), 'never "disconnected" for a connection that was never made');
    await r.close();
    await refused.close();
    await new Promise((res) => setImmediate(res));
    assert.ok(!warnings.includes('DEP0123'), `warnings: ${warnings.join(', ')}`);
  } finally {
    process.off('warning', onWarning);
  }
});

test('with ELECTRUM_URL set, /api/v1/electrum shows the server, its tip and fees, and follows pushed tips', async () => {
  server.noEstimate.add(1);
  const rt = await testRuntime({ ELECTRUM_URL: server.url }, { jobs: 'production' });
  try {
    const body = await waitFor('electrum', async () => {
      const r = (await (await fetch(`${rt.base}/api/v1/electrum`)).json()) as { data: Record<string, unknown> | null };
      return r.data?.state === 'ok' && r.data.banner ? r.data : undefined;
    }, 10_000);
    assert.equal(body.serverSoftware, 'ElectrumX 1.16.0');
    assert.equal(body.protocol, '1.4');
    assert.equal(body.tipHeight, 952583);
    assert.equal(body.relayFeeSatVb, 1);
    assert.deepEqual(body.estimateSatVb, { '1': null, '3': 2.345, '6': 2.345, '144': 2.345 });
    assert.equal(body.peerCount, 3);
    assert.equal(body.tipLagBlocks, null, 'no node to compare with');
    assert.equal((body.histogram as unknown[]).length, 9);
    server.notifyHeader(952590);
    await waitFor('pushed tip', async () => {
      const r = (await (await fetch(`${rt.base}/api/v1/electrum`)).json()) as { data: { tipHeight: number } };
      return r.data.tipHeight === 952590 ? true : undefined;
    }, 5000, 50);
  } finally {
    await rt.close();
    server.noEstimate.clear();
  }
});

test('without ELECTRUM_URL, /api/v1/electrum says how to configure it', async () => {
  const rt = await testRuntime({}, { jobs: 'production' });
  try {
    const r = (await (await fetch(`${rt.base}/api/v1/electrum`)).json()) as { data: null; reason: string };
    assert.equal(r.data, null);
    assert.match(r.reason, /ELECTRUM_URL/);
  } finally {
    await rt.close();
  }
});

test('over TLS: ssl:// works with a self-signed certificate, a verified one is refused in words, and tcp:// to a TLS port says to use ssl://', async () => {
  const tlsServer = await new FakeElectrumServer({ tls: true }).start();
  const tracker = () => new SourceTracker({ name: 'electrum', kind: 'electrum', enabled: true, disabledReason: null, target: null }, { store, metrics: createMetrics(), log: silentLogger });
  try {
    const ok = new ElectrumClient({ url: tlsServer.url, tracker: tracker(), log: silentLogger, timeoutMs: 2000, tlsVerify: false });
    await ok.start();
    assert.deepEqual(ok.serverVersion, ['ElectrumX 1.16.0', '1.4']);
    assert.equal(await ok.request('blockchain.relayfee', [], z.number()), 1e-5);
    await ok.close();

    const verified = new ElectrumClient({ url: tlsServer.url, tracker: tracker(), log: silentLogger, timeoutMs: 2000, tlsVerify: true });
    const certErr = (await verified.start().then(() => undefined, (e: unknown) => e)) as { details?: { summary?: string; cause?: string } };
    assert.equal(certErr.details?.cause, 'certificate');
    assert.match(certErr.details?.summary ?? '', /its TLS certificate is not trusted: set ELECTRUM_TLS_VERIFY=false for a self-signed certificate/);
    await verified.close();

    const plain = new ElectrumClient({ url: `tcp://127.0.0.1:${tlsServer.port}`, tracker: tracker(), log: silentLogger, timeoutMs: 1000 });
    const plainErr = (await plain.start().then(() => undefined, (e: unknown) => e)) as { details?: { summary?: string } };
    assert.match(plainErr.details?.summary ?? '', /use ssl:\/\//);
    await plain.close();

    // And through the app: ELECTRUM_URL=ssl://… fills /api/v1/electrum.
    const rt = await testRuntime({ ELECTRUM_URL: tlsServer.url }, { jobs: 'production' });
    try {
      const body = await waitFor('electrum over TLS', async () => {
        const r = (await (await fetch(`${rt.base}/api/v1/electrum`)).json()) as { data: { serverSoftware: string | null; relayFeeSatVb: number | null } | null };
        return r.data?.serverSoftware && r.data.relayFeeSatVb !== null ? r.data : undefined;
      }, 15_000, 200);
      assert.equal(body.serverSoftware, 'ElectrumX 1.16.0');
      assert.equal(body.relayFeeSatVb, 1);
    } finally {
      await rt.close();
    }
  } finally {
    await tlsServer.stop();
  }
});
