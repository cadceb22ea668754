// One SSE server under test, in its own process (each holds up to ~19,000 sockets, and a process
// may have 20,000 file descriptors): `satscope` is the real runtime, events published on its bus
// and fanned out by the hub; `raw` is a bare node:http SSE server writing one Buffer to a Set of
// responses. Driven over IPC by bench/sse.ts: broadcast, rss, clients.
import { mkdtempSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { publishEvent } from '../src/events.ts';
import { silentLogger } from '../src/log.ts';
import { startRuntime } from '../src/main.ts';

type Command = { cmd: 'broadcast'; seq: number } | { cmd: 'rss' } | { cmd: 'clients' };
const PAD = 'x'.repeat(940); // a ~1 KB event, like a price or block update
const kind = process.argv[2];
const send = (m: unknown) => process.send?.(m);

async function satscope() {
  const config = loadConfig({
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-bench-sse-')),
    SOURCES_DISABLED: 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor',
    SSE_MAX_CLIENTS: '19500',
    // Every bench client comes from 127.0.0.1.
    SSE_MAX_PER_IP: '19500',
  });
  const rt = await startRuntime({ role: 'start', config: { ...config, port: 0 }, log: silentLogger, jobs: () => [] });
  const port = Number(new URL(rt.url?.replace('0.0.0.0', '127.0.0.1') ?? '').port);
  return {
    port,
    path: '/api/stream',
    broadcast: (seq: number) => void publishEvent(rt.store, 'price', { seq, t: Date.now(), pad: PAD }),
    clients: async () => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as { sse: { clients: number } }).sse.clients,
  };
}

async function raw() {
  const clients = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(': hello\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', 2048, () => r()));
  let id = 0;
  return {
    port: (server.address() as AddressInfo).port,
    path: '/',
    broadcast: (seq: number) => {
      const frame = Buffer.from(`id: ${++id}\nevent: price\ndata: ${JSON.stringify({ tsMs: Date.now(), data: { seq, t: Date.now(), pad: PAD } })}\n\n`);
      for (const res of clients) res.write(frame);
    },
    clients: async () => clients.size,
  };
}

const server = kind === 'raw' ? await raw() : await satscope();
process.on('message', (m: Command) => {
  if (m.cmd === 'broadcast') server.broadcast(m.seq);
  else if (m.cmd === 'rss') send({ rss: process.memoryUsage.rss() });
  else if (m.cmd === 'clients') void server.clients().then((n) => send({ clients: n }));
});
send({ ready: true, port: server.port, path: server.path });
