// An Electrum server in front of a real bcoin regtest node, answering as ElectrumX 1.16 does with
// bcoin as its daemon (the captures in test/fixtures/electrum/captured): it asks
// the node over JSON-RPC for the tip, headers, relay fee and fee estimates, pushes a header when the
// node's tip moves, and wraps daemon errors as ElectrumX does (code 2, "daemon error: ..."). No
// ElectrumX can be installed here, so this is the closest stand-in: the data is the node's, live.
// `pause()` acts like SIGSTOP: the connection stays open, nothing is answered or pushed.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const VERSION = 'ElectrumX 1.16.0';

type Reply = { result: unknown } | { error: { code: number; message: string } };

export class ElectrumXOverBcoin {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly subscribed = new Set<Socket>();
  private readonly queued: [Socket, string][] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private lastHeight = -1;
  paused = false;
  port = 0;
  /** Methods asked, in order, over all connections. */
  readonly asked: string[] = [];

  constructor(private readonly rpcUrl: string) {}

  get url(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  private async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    const u = new URL(this.rpcUrl);
    const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    const res = await fetch(`${u.protocol}//${u.host}/`, { method: 'POST', headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify({ method, params, id: 1 }) });
    const body = (await res.json()) as { result: unknown; error: { code: number; message: string } | null };
    if (body.error) throw Object.assign(new Error(body.error.message), { daemon: body.error });
    return body.result;
  }

  private async tipHeader(): Promise<{ hex: string; height: number }> {
    const height = (await this.rpc('getblockcount')) as number;
    const hash = (await this.rpc('getblockhash', [height])) as string;
    const hex = (await this.rpc('getblockheader', [hash, false])) as string;
    return { hex, height };
  }

  private async answer(method: string, params: unknown[]): Promise<Reply> {
    try {
      switch (method) {
        case 'server.version':
          return { result: [VERSION, '1.4'] };
        case 'server.banner':
          return { result: `You are connected to an ${VERSION} server.` };
        case 'server.features':
          return { result: { hosts: {}, pruning: null, server_version: VERSION, protocol_min: '1.4', protocol_max: '1.4.3', genesis_hash: await this.rpc('getblockhash', [0]), hash_function: 'sha256', services: [] } };
        case 'server.ping':
          return { result: null };
        case 'server.peers.subscribe':
          return { result: [] };
        case 'blockchain.relayfee':
          return { result: ((await this.rpc('getnetworkinfo')) as { relayfee: number }).relayfee };
        case 'blockchain.estimatefee': {
          // ElectrumX reads `feerate` from estimatesmartfee; bcoin answers `fee`, so this is -1.
          const r = (await this.rpc('estimatesmartfee', [params[0]])) as { feerate?: number };
          return { result: typeof r.feerate === 'number' ? r.feerate : -1 };
        }
        case 'mempool.get_fee_histogram':
          return { result: await this.histogram() };
        case 'blockchain.headers.subscribe':
          return { result: await this.tipHeader() };
        default:
          return { error: { code: -32601, message: `unknown method "${method}"` } };
      }
    } catch (err) {
      const d = (err as { daemon?: { code: number; message: string } }).daemon;
      if (d) return { error: { code: 2, message: `daemon error: DaemonError({'message': '${d.message}', 'code': ${d.code}})` } };
      throw err;
    }
  }

  /** ElectrumX's compaction: [fee rate, vsize] bins of at least 100,000 vB, highest rate first. */
  private async histogram(): Promise<[number, number][]> {
    const pool = (await this.rpc('getrawmempool', [true])) as Record<string, { size?: number; vsize?: number; fee?: number }>;
    const rates = Object.values(pool).map((e) => {
      const vsize = e.vsize ?? e.size ?? 1;
      return { rate: ((e.fee ?? 0) * 1e8) / vsize, vsize };
    });
    rates.sort((a, b) => b.rate - a.rate);
    const out: [number, number][] = [];
    let bin = 0;
    for (const r of rates) {
      bin += r.vsize;
      if (bin > 100_000) {
        out.push([Math.round(r.rate * 100) / 100, bin]);
        bin = 0;
      }
    }
    return out;
  }

  private handle(socket: Socket, line: string): void {
    if (this.paused) {
      this.queued.push([socket, line]);
      return;
    }
    let req: { id: number | string; method: string; params?: unknown[] };
    try {
      req = JSON.parse(line) as typeof req;
    } catch {
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'invalid JSON' }, id: null })}\n`);
      return;
    }
    this.asked.push(req.method);
    if (req.method === 'blockchain.headers.subscribe') this.subscribed.add(socket);
    this.answer(req.method, req.params ?? []).then(
      (reply) => socket.writable && socket.write(`${JSON.stringify({ jsonrpc: '2.0', ...reply, id: req.id })}\n`),
      () => socket.destroy(),
    );
  }

  async start(): Promise<this> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.subscribed.delete(socket);
      });
      socket.on('error', () => undefined);
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) this.handle(socket, line);
        }
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    this.lastHeight = (await this.tipHeader()).height;
    // ElectrumX polls its daemon for a new tip and notifies subscribers.
    this.pollTimer = setInterval(() => {
      if (this.paused) return;
      this.tipHeader().then((h) => {
        if (h.height === this.lastHeight || this.paused) return;
        this.lastHeight = h.height;
        const note = `${JSON.stringify({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [h] })}\n`;
        for (const s of this.subscribed) s.write(note);
      }, () => undefined);
    }, 250);
    return this;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const [socket, line] of this.queued.splice(0)) this.handle(socket, line);
  }

  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
