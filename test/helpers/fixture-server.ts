// A loopback HTTP server that replays the recorded upstream responses (test/fixtures, copied from
// the shared fixtures so a clone passes on its own) under one path prefix per source, and injects
// faults on demand: delay, status codes, garbage, truncated bodies, oversized bodies, hung
// connections. `env` gives the *_API_URL variables that point Satscope at it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MOUNTS, serveFixture } from '../../src/demo/replay-server.ts';

export { MOUNTS, ROUTES } from '../../src/demo/replay-server.ts';

type Mount = keyof typeof MOUNTS;

export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'garbage' }
  | { kind: 'truncate' }
  | { kind: 'oversize'; bytes: number }
  | { kind: 'hang' }
  | { kind: 'json'; body: unknown };

export interface Hit {
  method: string;
  path: string;
  atMs: number;
  headers: IncomingMessage['headers'];
}

export type CustomHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class FixtureServer {
  readonly hits: Hit[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly faults: { match: string; fault: Fault; times: number }[] = [];
  private readonly custom = new Map<string, CustomHandler>();
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The *_API_URL variables pointing every public source at this server. */
  get env(): Record<string, string> {
    return Object.fromEntries(Object.values(MOUNTS).map((m) => [m.variable, this.origin + m.prefix]));
  }

  url(mount: Mount): string {
    return this.origin + MOUNTS[mount].prefix;
  }

  /** Inject a fault for requests whose path starts with `match` (full path, with the mount), `times` times. */
  fault(match: string, fault: Fault, times = Infinity): void {
    this.faults.push({ match, fault, times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Serve a path (full, with the mount) with a handler of the test's own. */
  on(path: string, handler: CustomHandler): void {
    this.custom.set(path, handler);
  }

  /** Back to the recorded fixture for a path served by `on`. */
  off(path: string): void {
    this.custom.delete(path);
  }

  hitsFor(pathPrefix: string): Hit[] {
    return this.hits.filter((h) => h.path.startsWith(pathPrefix));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.hits.push({ method: req.method ?? 'GET', path, atMs: Date.now(), headers: req.headers });
    const f = this.faults.find((x) => path.startsWith(x.match) && x.times > 0);
    if (f) {
      f.times--;
      if (this.applyFault(f.fault, req, res, path)) return;
    }
    const custom = this.custom.get(path);
    if (custom) return custom(req, res);
    this.serveFixture(res, req.url ?? '/');
  }

  private serveFixture(res: ServerResponse, url: string): void {
    serveFixture(res, url).catch(() => res.destroy());
  }

  /** True when the fault produced the whole reply. */
  private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, path: string): boolean {
    switch (fault.kind) {
      case 'delay':
        setTimeout(() => {
          const custom = this.custom.get(path);
          if (custom) custom(req, res);
          else this.serveFixture(res, req.url ?? path);
        }, fault.ms);
        return true;
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/html', ...fault.headers });
        res.end(fault.body ?? `<html><body>${fault.status}</body></html>`);
        return true;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"fees": [1, 2,, garbage\u0000');
        return true;
      case 'json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fault.body));
        return true;
      case 'truncate': {
        // Declares 2000 bytes, sends 20, then drops the connection.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2000 });
        res.write('{"truncated": [1, 2, 3');
        setTimeout(() => res.socket?.destroy(), 20);
        return true;
      }
      case 'oversize': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < fault.bytes) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
        return true;
      }
      case 'hang':
        // Accept the request and never answer; the client's timeout must end it.
        return true;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export async function startFixtureServer(): Promise<FixtureServer> {
  return new FixtureServer().start();
}
