// The two servers under test, in one child process: the real Satscope app (security headers and
// rate limit on) and a raw node:http server answering with the same status, headers and bytes.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { startRuntime } from '../src/main.ts';

export const BENCH_PATH = '/api/v1/jobs';

const config = loadConfig({
  HOST: '127.0.0.1',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-bench-')),
  // Every request is counted by the limiter; the limit is set past what the run can send so the
  // measurement is of served replies, not of 429s.
  RATE_LIMIT_PER_MIN: '1000000000',
  SOURCES_DISABLED: 'mempool,coingecko,coinbase,blockchain,bitnodes,forkmonitor',
});
const runtime = await startRuntime({ role: 'start', config: { ...config, port: 0 }, log: silentLogger });
const appUrl = runtime.url?.replace('0.0.0.0', '127.0.0.1') ?? '';

const sample = await fetch(appUrl + BENCH_PATH);
const body = Buffer.from(await sample.arrayBuffer());
const headers: string[] = [];
sample.headers.forEach((value, name) => {
  if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) headers.push(name, value);
});
const raw = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
const rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;

process.stdout.write(`${JSON.stringify({ appUrl: appUrl + BENCH_PATH, rawUrl: rawUrl + BENCH_PATH, bytes: body.length, headers: headers.length / 2 })}\n`);
process.on('SIGTERM', () => {
  raw.close();
  void runtime.close().then(() => process.exit(0));
});
