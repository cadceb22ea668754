// A loopback Electrum server replaying test/fixtures/electrum line by line: answers by method with
// the recorded result (under the request's id), pushes header notifications, drops connections
// and sends garbage on demand, and records what each connection asked, in order.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';

const FILES: Record<string, string> = {
  'server.version': 'server_version',
  'server.features': 'server_features',
  'server.banner': 'server_banner',
  'blockchain.headers.subscribe': 'blockchain_headers_subscribe',
  'blockchain.estimatefee': 'blockchain_estimatefee_6',
  'blockchain.relayfee': 'blockchain_relayfee',
  'mempool.get_fee_histogram': 'mempool_get_fee_histogram',
  'server.peers.subscribe': 'server_peers_subscribe',
  'server.ping': 'server_ping',
};
/** Methods answered from test/fixtures-derived (the recorded captures do not have them). */
const DERIVED: Record<string, string> = {
  'blockchain.scripthash.get_balance': 'blockchain_scripthash_get_balance',
};

const load = (dir: string, name: string) => JSON.parse(readFileSync(new URL(`../${dir}/electrum/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

export class FakeElectrumServer {
  private server: Server | undefined;
  readonly sockets = new Set<Socket>();
  /** Methods asked, per connection, in order. */
  readonly sessions: string[][] = [];
  /** The parameters of the last request of each method. */
  readonly lastParams = new Map<string, unknown[]>();
  /** Methods that get no answer (to test timeouts). */
  readonly silent = new Set<string>();
  /** estimatefee answers -1 (no estimate) for these targets. */
  readonly noEstimate = new Set<number>();
  port = 0;

  /** With `tls`, the server speaks TLS with the test certificate of test/fixtures/tls. */
  constructor(private readonly opts: { tls?: boolean } = {}) {}

  get url(): string {
    return `${this.opts.tls ? 'ssl' : 'tcp'}://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const onSocket = (socket: Socket) => {
      this.sockets.add(socket);
      const session: string[] = [];
      this.sessions.push(session);
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          let req: { id: number; method: string; params: unknown[] };
          try {
            req = JSON.parse(line) as typeof req;
          } catch {
            // As ElectrumX does for a line that is not JSON (a TLS hello, say): -32700 with id null.
            socket.write(`${JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'invalid JSON' }, id: null })}\n`);
            continue;
          }
          session.push(req.method);
          this.lastParams.set(req.method, req.params);
          if (this.silent.has(req.method)) continue;
          let reply: Record<string, unknown>;
          if (req.method === 'blockchain.estimatefee' && this.noEstimate.has(Number(req.params[0]))) reply = load('fixtures-derived', 'blockchain_estimatefee_unavailable');
          else if (FILES[req.method]) reply = load('fixtures', FILES[req.method] as string);
          else if (DERIVED[req.method]) reply = load('fixtures-derived', DERIVED[req.method] as string);
          else reply = load('fixtures-derived', 'error_unknown_method');
          socket.write(`${JSON.stringify({ ...reply, id: req.id })}\n`);
        }
      });
    };
    const tlsFile = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
    this.server = this.opts.tls ? createTlsServer({ key: tlsFile('electrum-test.key'), cert: tlsFile('electrum-test.crt') }, onSocket) : createServer(onSocket);
    this.server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => this.server?.listen(port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Pushes the recorded header notification, at the given height. */
  notifyHeader(height: number): void {
    const n = load('fixtures', 'blockchain_headers_subscribe_notification') as { params: [{ hex: string; height: number }] };
    n.params[0].height = height;
    for (const s of this.sockets) s.write(`${JSON.stringify(n)}\n`);
  }

  sendGarbage(): void {
    for (const s of this.sockets) s.write('this is not json\n{"broken":\n\n');
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
