// A loopback Bitcoin Core JSON-RPC server answering from fixture bodies, with Core's HTTP statuses:
// 500 for RPC errors (404 for -32601) in JSON-RPC 1.0, 200 in 2.0, 401 with an empty body for bad
// credentials.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RpcAnswer = { file: string } | { body: unknown } | { status: number; raw: string };

export class FakeRpcServer {
  private server: Server | undefined;
  readonly answers = new Map<string, RpcAnswer>();
  password = 'secret';
  url = '';

  fixture(path: string): unknown {
    return JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));
  }

  private reply(method: string): { status: number; body: string } {
    const a = this.answers.get(method);
    if (!a) return { status: 404, body: JSON.stringify({ result: null, error: { code: -32601, message: 'Method not found' }, id: 1 }) };
    if ('raw' in a) return { status: a.status, body: a.raw };
    const body = 'file' in a ? this.fixture(a.file) : a.body;
    const err = (body as { error?: { code: number } | null }).error;
    const v2 = (body as { jsonrpc?: string }).jsonrpc === '2.0';
    const status = !err || v2 ? 200 : err.code === -32601 ? 404 : 500;
    return { status, body: JSON.stringify(body) };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const auth = req.headers.authorization ?? '';
        if (auth !== `Basic ${Buffer.from(`user:${this.password}`).toString('base64')}`) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
          return res.end();
        }
        const request = JSON.parse(Buffer.concat(chunks).toString()) as { method: string; id: number } | { method: string; id: number }[];
        if (Array.isArray(request)) {
          const out = request.map((r) => ({ ...(JSON.parse(this.reply(r.method).body) as object), id: r.id }));
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(out));
        }
        const { status, body } = this.reply(request.method);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://user:${this.password}@127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
