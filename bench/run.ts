// `npm run bench`: one cached JSON endpoint of the real server against a raw node:http server
// serving the same bytes, measured in the same run, interleaved, on loopback only. Reports
// requests/s, p50/p99 latency and the ratio; the goal is a ratio >= 0.70. Then the SSE fan-out
// benchmark (bench/sse.ts). The exit code is non-zero when either goal is missed.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CONNECTIONS = 50;
const GOAL = 0.7;

interface Measure {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const hasWrk = spawnSync('sh', ['-c', 'command -v wrk']).status === 0;

function parseWrkMs(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function load(url: string, seconds: number): Promise<Measure> {
  if (hasWrk) {
    const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
    const out = r.stdout;
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '';
    const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '';
    const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
    if (non2xx) throw new Error(`${non2xx[1]} error replies from ${url}`);
    return { rps, p50Ms: parseWrkMs(p50), p99Ms: parseWrkMs(p99) };
  }
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  if (r.non2xx > 0) throw new Error(`${r.non2xx} error replies from ${url}`);
  return { rps: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99 };
}

const child = spawn(process.execPath, ['--import', 'tsx', new URL('./servers.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const { appUrl, rawUrl, bytes, headers } = JSON.parse(line) as { appUrl: string; rawUrl: string; bytes: number; headers: number };

try {
  console.log(`load: ${hasWrk ? 'wrk' : 'autocannon'}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_SEC} s each, interleaved`);
  console.log(`body: ${bytes} bytes, ${headers} headers (security headers included in both)`);
  await load(rawUrl, 1);
  await load(appUrl, 1);
  const raw: Measure[] = [];
  const app: Measure[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    raw.push(await load(rawUrl, DURATION_SEC));
    app.push(await load(appUrl, DURATION_SEC));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const summary = (ms: Measure[]) => ({ rps: median(ms.map((m) => m.rps)), p50Ms: median(ms.map((m) => m.p50Ms)), p99Ms: median(ms.map((m) => m.p99Ms)) });
  const r = summary(raw);
  const a = summary(app);
  // This VM's speed drifts between runs; each round measures both servers back to back, so the
  // median of the per-round ratios is the steadier figure.
  const ratios = app.map((m, i) => m.rps / (raw[i]?.rps ?? NaN));
  const ratio = median(ratios);
  const row = (name: string, m: Measure) => `${name.padEnd(34)} ${m.rps.toFixed(0).padStart(9)} req/s   p50 ${m.p50Ms.toFixed(2)} ms   p99 ${m.p99Ms.toFixed(2)} ms`;
  console.log(row('raw node:http (baseline)', r));
  console.log(row(`satscope GET /api/v1/jobs (cached)`, a));
  console.log(`per-round ratios: ${ratios.map((x) => x.toFixed(3)).join(' ')}`);
  console.log(`ratio ${ratio.toFixed(3)} (median of rounds; goal >= ${GOAL}): ${ratio >= GOAL ? 'met' : 'NOT met'}`);
  process.exitCode = ratio >= GOAL ? 0 : 1;
} finally {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

if (process.env.BENCH_SKIP_SSE !== '1') {
  console.log('');
  const sse = spawnSync(process.execPath, ['--import', 'tsx', new URL('./sse.ts', import.meta.url).pathname], { stdio: 'inherit' });
  if (sse.status !== 0) process.exitCode = 1;
}
