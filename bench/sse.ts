// SSE fan-out: N clients (1,000, 10,000, 19,000) on one server, one ~1 KB event a second. For each
// event, every client's delivery time (server send → client has it); reported as p50/p99 over all
// deliveries, the time until the last client had it, and the server's memory per client, for
// Satscope's /api/stream and a raw node:http SSE server measured in the same run. Goal: Satscope's
// p99 at 10,000 clients within 1.5x of raw, and 19,000 clients all connected and served.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const SIZES = (process.env.BENCH_SSE_CLIENTS ?? '1000,10000,19000').split(',').map(Number);
const EVENTS = Number(process.env.BENCH_SSE_EVENTS ?? 10);
const GOAL = 1.5;

interface Result {
  connected: number;
  p50Ms: number;
  p99Ms: number;
  lastMs: number;
  missing: number;
  kbPerClient: number;
}

function child(script: string, args: string[] = []): ChildProcess {
  return fork(new URL(script, import.meta.url).pathname, args, { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function ask<T>(p: ChildProcess, message: unknown, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      p.off('message', on);
      resolve(m as T);
    };
    p.on('message', on);
    if (message) p.send(message as object);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;

async function measure(kind: 'raw' | 'satscope', n: number): Promise<Result> {
  const server = child('./sse-server.ts', [kind]);
  const clients = child('./sse-clients.ts');
  try {
    const [{ port, path }] = await Promise.all([ask<{ port: number; path: string }>(server, null, 'ready'), ask(clients, null, 'ready')]);
    const rssBefore = (await ask<{ rss: number }>(server, { cmd: 'rss' }, 'rss')).rss;
    const { connected } = await ask<{ connected: number }>(clients, { cmd: 'connect', port, path, n }, 'connected');
    await new Promise((r) => setTimeout(r, 1000));
    const all: number[] = [];
    const lasts: number[] = [];
    let missing = 0;
    for (let seq = 1; seq <= EVENTS; seq++) {
      const started = Date.now();
      const report = ask<{ latencies: number[]; missing: number }>(clients, null, 'latencies');
      await ask(clients, { cmd: 'expect', seq, timeoutMs: 10_000 }, 'expecting');
      server.send({ cmd: 'broadcast', seq });
      const r = await report;
      all.push(...r.latencies);
      lasts.push(Math.max(0, ...r.latencies));
      missing += r.missing;
      await new Promise((res) => setTimeout(res, Math.max(0, 1000 - (Date.now() - started))));
    }
    const rssAfter = (await ask<{ rss: number }>(server, { cmd: 'rss' }, 'rss')).rss;
    all.sort((a, b) => a - b);
    lasts.sort((a, b) => a - b);
    return { connected, p50Ms: pct(all, 0.5), p99Ms: pct(all, 0.99), lastMs: pct(lasts, 0.5), missing, kbPerClient: (rssAfter - rssBefore) / 1024 / Math.max(1, connected) };
  } finally {
    clients.kill('SIGKILL');
    server.kill('SIGKILL');
    await Promise.all([once(clients, 'exit'), once(server, 'exit')]);
  }
}

const row = (name: string, n: number, r: Result) =>
  `${name.padEnd(10)} ${String(n).padStart(6)} clients  connected ${String(r.connected).padStart(6)}  p50 ${r.p50Ms.toFixed(0).padStart(4)} ms  p99 ${r.p99Ms.toFixed(0).padStart(4)} ms  last client ${r.lastMs.toFixed(0).padStart(4)} ms  missed ${r.missing}  ${r.kbPerClient.toFixed(1)} KB/client`;

console.log(`SSE fan-out: ${EVENTS} events of ~1 KB, one a second; servers and clients in separate processes`);
let ok = true;
for (const n of SIZES) {
  const raw = await measure('raw', n);
  console.log(row('raw', n, raw));
  const app = await measure('satscope', n);
  console.log(row('satscope', n, app));
  const served = app.connected === n && app.missing === 0;
  if (n === 10_000) {
    const ratio = app.p99Ms / Math.max(1, raw.p99Ms);
    console.log(`  p99 ratio satscope/raw ${ratio.toFixed(2)} (goal <= ${GOAL}): ${ratio <= GOAL ? 'met' : 'NOT met'}`);
    ok &&= ratio <= GOAL;
  }
  if (!served) console.log(`  satscope did not serve all ${n} clients`);
  ok &&= served;
}
process.exitCode = ok ? 0 : 1;
