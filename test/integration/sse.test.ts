// The SSE hub on a real HTTP server: snapshot on connect, one frame to every client, Last-Event-ID
// resume, caps in total and per IP, slow clients dropped with memory bounded, lifetimes; and the
// /api/stream endpoint of a running Satscope fed by the event bus.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { publishEvent } from '../../src/events.ts';
import { sendError } from '../../src/server/responses.ts';
import { DEFAULT_SSE_OPTIONS, SseHub, type SseOptions } from '../../src/server/sse.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

interface Frame {
  id?: string;
  event?: string;
  data?: unknown;
  comment?: string;
}

interface Stream {
  status: number;
  bytes: number;
  frames: Frame[];
  ended: boolean;
  close(): void;
  body: string;
}

/** Complete frames only: a frame ends with a blank line. */
function parseFrames(text: string): Frame[] {
  return text
    .slice(0, text.lastIndexOf('\n\n') + 1)
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const f: Frame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) f.comment = line.slice(1).trim();
        else if (line.startsWith('id: ')) f.id = line.slice(4);
        else if (line.startsWith('event: ')) f.event = line.slice(7);
        else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6));
      }
      return f;
    });
}

function open(base: string, path = '/api/stream', headers: Record<string, string> = {}, keepBody = true): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      const s: Stream = { status: res.statusCode ?? 0, bytes: 0, frames: [], ended: false, body: '', close: () => req.destroy() };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        s.bytes += chunk.length;
        if (!keepBody) return;
        s.body += chunk;
        s.frames = parseFrames(s.body);
      });
      res.on('end', () => (s.ended = true));
      res.on('close', () => (s.ended = true));
      res.on('error', () => undefined);
      resolve(s);
    });
    req.on('error', reject);
    req.end();
  });
}

const events = (s: Stream, type?: string) => s.frames.filter((f) => f.event && f.event !== 'snapshot' && (!type || f.event === type));
const ev = (type: string, id: string, data: unknown) => ({ type, id, tsMs: Date.now(), data });

describe('SseHub on node:http', () => {
  let server: Server;
  let hub: SseHub;
  let base: string;
  const start = async (o: Partial<SseOptions>) => {
    hub = new SseHub({ ...DEFAULT_SSE_OPTIONS, heartbeatMs: 60_000, ...o });
    server = createServer((req, res) => {
      try {
        hub.connect(req, res, req.socket.remoteAddress ?? '?');
      } catch (err) {
        sendError(res, err);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const stop = async () => {
    hub.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };

  test('a client gets the snapshot on connect, then every broadcast with its id; heartbeats are comments', async () => {
    await start({});
    hub.seed(ev('chain', 'seed-1', { height: 100 }));
    hub.broadcast(ev('fees', 'e1', { fast: 5 }));
    const clients = await Promise.all([1, 2, 3].map(() => open(base, '/')));
    await waitFor('snapshots', async () => clients.every((c) => c.frames.some((f) => f.event === 'snapshot')) || undefined);
    const snap = clients[0]?.frames.find((f) => f.event === 'snapshot')?.data as { id: string; events: Record<string, { data: unknown }> };
    assert.equal(snap.id, 'e1');
    assert.deepEqual(snap.events.chain?.data, { height: 100 });
    assert.deepEqual(snap.events.fees?.data, { fast: 5 });
    hub.broadcast(ev('block', 'e2', { height: 101 }));
    await waitFor('block everywhere', async () => clients.every((c) => events(c, 'block').length === 1) || undefined);
    for (const c of clients) assert.equal(events(c, 'block')[0]?.id, 'e2');
    hub.sweep(Date.now());
    await waitFor('heartbeat', async () => clients.every((c) => c.frames.some((f) => f.comment === 'hb')) || undefined);
    assert.equal(hub.stats().clients, 3);
    for (const c of clients) c.close();
    await waitFor('clients gone', async () => hub.stats().clients === 0 || undefined);
    await stop();
  });

  test('Last-Event-ID resumes with exactly the missed events; an unknown id gets the snapshot', async () => {
    await start({});
    const first = await open(base, '/');
    for (const id of ['a1', 'a2', 'a3']) hub.broadcast(ev('mempool', id, { id }));
    await waitFor('three events', async () => events(first).length === 3 || undefined);
    first.close();
    await waitFor('gone', async () => hub.stats().clients === 0 || undefined);
    hub.broadcast(ev('mempool', 'a4', { id: 'a4' }));
    hub.broadcast(ev('fees', 'a5', { id: 'a5' }));
    const resumed = await open(base, '/', { 'last-event-id': 'a3' });
    await waitFor('missed events', async () => events(resumed).length === 2 || undefined);
    assert.deepEqual(events(resumed).map((f) => f.id), ['a4', 'a5']);
    assert.equal(resumed.frames.filter((f) => f.event === 'snapshot').length, 0);
    const unknown = await open(base, '/', { 'last-event-id': 'long-gone' });
    await waitFor('snapshot', async () => unknown.frames.some((f) => f.event === 'snapshot') || undefined);
    assert.equal(hub.stats().resumedTotal, 1);
    resumed.close();
    unknown.close();
    await stop();
  });

  test('past the per-IP cap a client gets 429 RATE_LIMITED; past the total cap, 503 SSE_CAPACITY', async () => {
    await start({ maxPerIp: 2, maxClients: 100 });
    const a = await open(base, '/');
    const b = await open(base, '/');
    const c = await open(base, '/');
    assert.deepEqual([a.status, b.status, c.status], [200, 200, 429], 'too many from one address is the client\'s doing');
    await waitFor('body', async () => c.ended || undefined);
    assert.match(c.body, /"code":"RATE_LIMITED".*per address/);
    assert.equal(hub.stats().refusedTotal, 1);
    a.close();
    b.close();
    await stop();
    await start({ maxPerIp: 100, maxClients: 2 });
    const d = await open(base, '/');
    const e = await open(base, '/');
    const f = await open(base, '/');
    assert.deepEqual([d.status, e.status, f.status], [200, 200, 503], 'a full server is ours');
    await waitFor('body', async () => f.ended || undefined);
    assert.match(f.body, /"code":"SSE_CAPACITY"/);
    d.close();
    e.close();
    await stop();
  });

  test('a client that stops reading is dropped once its backlog passes the limit, and memory stays bounded', async () => {
    const limit = 256 * 1024;
    await start({ maxBufferedBytes: limit });
    const reader = await open(base, '/', {}, false);
    // A raw socket that sends its request and never reads.
    const port = Number(new URL(base).port);
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => undefined);
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    slow.pause();
    await waitFor('both connected', async () => hub.stats().clients === 2 || undefined);
    const payload = 'x'.repeat(64 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000 && hub.stats().droppedSlowTotal === 0; i++) {
      hub.broadcast(ev('market', `m${i}`, payload));
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(hub.stats().droppedSlowTotal, 1, 'the slow client was dropped');
    assert.equal(hub.stats().clients, 1, 'the reading client stays');
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024, 'no unbounded growth');
    await waitFor('reader kept up', async () => reader.bytes > 1024 * 1024 || undefined);
    reader.close();
    slow.destroy();
    await stop();
  });

  test('a connection past its lifetime is ended, so the browser reconnects', async () => {
    await start({ maxLifetimeMs: 60_000 });
    const s = await open(base, '/');
    await waitFor('connected', async () => hub.stats().clients === 1 || undefined);
    hub.sweep(Date.now() + 30_000);
    assert.equal(hub.stats().clients, 1, 'within its lifetime it stays');
    // The sweep is given the time: a minute later, with no waiting.
    hub.sweep(Date.now() + 61_000);
    await waitFor('ended', async () => s.ended || undefined);
    assert.equal(hub.stats().expiredTotal, 1);
    assert.equal(hub.stats().clients, 0);
    await stop();
  });
});

describe('/api/stream in a running Satscope', () => {
  let rt: Awaited<ReturnType<typeof testRuntime>>;
  before(async () => {
    rt = await testRuntime({ SSE_MAX_PER_IP: '3' });
  });
  after(async () => rt.close());

  test('events published on the bus reach the stream, /api/v1/live and /metrics', async () => {
    const s = await open(rt.base);
    assert.equal(s.status, 200);
    await waitFor('snapshot', async () => s.frames.some((f) => f.event === 'snapshot') || undefined);
    const sent = { height: 7, asOfMs: 1_796_000_000_123, source: 'main' };
    await publishEvent(rt.store, 'chain', sent);
    await waitFor('chain event', async () => events(s, 'chain').length === 1 || undefined);
    assert.deepEqual((events(s, 'chain')[0]?.data as { data: unknown }).data, sent);
    const live = (await (await fetch(`${rt.base}/api/v1/live`)).json()) as { events: Record<string, { data: { height: number } }> };
    assert.equal(live.events.chain?.data.height, 7);
    const metrics = await (await fetch(`${rt.base}/metrics`)).text();
    assert.match(metrics, /^satscope_sse_clients 1$/m);
    assert.match(metrics, /^satscope_sse_events_total 1$/m);
    const bad = await fetch(`${rt.base}/api/stream?since=1`);
    assert.equal(bad.status, 400);
    s.close();
  });

  test('?lastEventId= on /api/stream resumes with exactly the missed events, as Last-Event-ID does', async () => {
    const first = await open(rt.base);
    await waitFor('snapshot', async () => first.frames.some((f) => f.event === 'snapshot') || undefined);
    for (const h of [21, 22, 23]) await publishEvent(rt.store, 'chain', { height: h, asOfMs: h, source: 'main' });
    await waitFor('three events', async () => events(first, 'chain').filter((f) => [21, 22, 23].includes((f.data as { data: { height: number } }).data.height)).length === 3 || undefined);
    const ids = events(first, 'chain').slice(-3).map((f) => f.id);
    first.close();
    const resumed = await open(rt.base, `/api/stream?lastEventId=${encodeURIComponent(ids[0] ?? '')}`);
    await waitFor('the missed events', async () => events(resumed).length >= 2 || undefined);
    assert.deepEqual(events(resumed).map((f) => f.id), ids.slice(1), 'exactly the two after the given id');
    assert.equal(resumed.frames.filter((f) => f.event === 'snapshot').length, 0, 'no snapshot on a resume');
    resumed.close();
    const tooLong = await fetch(`${rt.base}/api/stream?lastEventId=${'x'.repeat(101)}`);
    assert.equal(tooLong.status, 400);
  });

  test('shutting down ends the streams instead of waiting for them', async () => {
    // A runtime of its own: the shared one stays up for whatever test runs after this one.
    const own = await testRuntime();
    const s = await open(own.base);
    await waitFor('snapshot', async () => s.frames.some((f) => f.event === 'snapshot') || undefined);
    await own.close();
    // Well inside the 5 s after which a drain would cut connections anyway.
    await waitFor('stream ended', async () => s.ended || undefined, 3000);
  });
});
