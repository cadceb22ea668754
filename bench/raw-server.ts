// The baseline for one path of `npm run bench`: a bare node:http server, in its own process,
// answering every request with the status, headers and body bytes Satscope gave for that path
// (read from the JSON file named on the command line). Headers go out as captured: with a
// content-length when Satscope sent one, chunked when it did not. Prints {"port":N} when listening.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Captured {
  status: number;
  statusMessage: string;
  /** Flat name, value, name, value list, as node:http's rawHeaders. */
  headers: string[];
  /** Satscope's keep-alive timeout, so the Keep-Alive header node:http adds says the same. */
  keepAliveSec?: number;
  bodyBase64: string;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: raw-server.ts <captured.json>\n');
  process.exit(2);
}
const captured = JSON.parse(readFileSync(file, 'utf8')) as Captured;
const body = Buffer.from(captured.bodyBase64, 'base64');

const server = createServer((_req, res) => {
  res.writeHead(captured.status, captured.statusMessage, captured.headers);
  res.end(body);
});
if (captured.keepAliveSec) server.keepAliveTimeout = captured.keepAliveSec * 1000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
