// `npm run bench`: what users hit. Satscope runs as `npm start` runs it (bin/satscope.js start with
// package.json's Node flags, every job running) against replayed upstreams (the demo's loopback
// replay server and a bcoin regtest node, each in its own process). For each path, Satscope's reply is captured once and a raw
// node:http server in its own process answers every request with exactly those bytes; the two are
// loaded alternately with wrk (autocannon when wrk is missing). The servers are pinned to core 0,
// the load generator and the upstreams to core 1. Goals per path: req/s ratio >= 0.70 and p99 at
// most 2x raw. Then Satscope's idle RSS, bench/idle-rss.ts when present, the lake's query times over
// a year of minute ticks (bench/lake.ts), and the SSE fan-out (bench/sse.ts). Exits non-zero when a goal is missed, after printing everything.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { scriptArgv } from '../scripts/start-command.mjs';
import { freePort } from '../src/demo/regtest-node.ts';
import { DEMO_OCEAN_ADDRESS } from '../src/demo/replay-server.ts';

/** The paths measured; BENCH_PATHS=/,/market picks some (any path may be given). */
const PATHS = [
  '/api/v1/market',
  '/api/v1/network',
  '/api/bitcoin/kpis',
  '/',
  '/market',
  '/blocks',
  '/nodes',
  '/status',
  '/api/v1/jobs',
  '/api/v1/chain',
  '/api/v1/sources',
  '/health',
  '/api/cryptos',
  '/api/metrics',
  '/api/workers',
  '/mining',
  '/workers',
  '/score',
  '/api/v2/score/latest',
  '/api/v2/score/timeseries?kind=overall&id=overall&days=30',
  '/api/v2/metrics/pool_hhi',
  '/api/v2/alerts',
];

const RATIO_GOAL = 0.7;
const P99_GOAL = 2;
const CONNECTIONS = 100;
const SERVER_CORE = 0;
const LOAD_CORE = 1;
/** Seconds of unmeasured load on each server before a path's rounds (JIT, connection setup). */
const WARM_LOAD_SEC = 1;
/** Headers that differ per reply or describe the connection; the raw server's node:http sets its own. */
const DROPPED_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function positive(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}

const DURATION_SEC = positive('BENCH_DURATION_SEC', 5);
const ROUNDS = Math.round(positive('BENCH_ROUNDS', 3));
/** The longest wait for every job to have run and every enabled source to be ok. */
const WARMUP_SEC = positive('BENCH_WARMUP_SEC', 120);
const REGTEST_BLOCKS = Math.round(positive('BENCH_REGTEST_BLOCKS', 20));
const IDLE_SEC = positive('BENCH_IDLE_SEC', 60);
/** After the warm-up, seconds to let the start-up work (first runs, backfills) finish before measuring. */
const SETTLE_SEC = positive('BENCH_SETTLE_SEC', 10);
const SELECTED = process.env.BENCH_PATHS
  ? process.env.BENCH_PATHS.split(',')
      .map((p) => p.trim())
      .filter(Boolean)
  : PATHS;
for (const p of SELECTED) if (!p.startsWith('/')) throw new Error(`BENCH_PATHS: ${p} must start with /`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = fileURLToPath(new URL('.', import.meta.url));
const hasCommand = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasWrk = hasCommand('wrk');
const canPin = hasCommand('taskset') && availableParallelism() >= 2;
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');

/** argv for a command on one core (or as is, when it cannot be pinned). */
const pinned = (core: number, argv: string[]) => (canPin ? ['taskset', '-c', String(core), ...argv] : argv);

// ---- children: every process started is tracked, and stopped at the end, on error and on a signal

const live = new Set<ChildProcess>();
/** Satscope's data folder and log, the captured replies; removed on exit. */
const tmp = mkdtempSync(join(tmpdir(), 'satscope-bench-'));

function start(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdout?: 'pipe' | 'inherit' | 'ignore' | number; stderr?: 'pipe' | 'inherit' | 'ignore' | number } = {}): ChildProcess {
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', opts.stdout ?? 'pipe', opts.stderr ?? 'inherit'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
async function stop(p: ChildProcess, graceMs = 5000): Promise<void> {
  if (exited(p) || p.pid === undefined) return;
  const gone = once(p, 'exit');
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

const stopAll = (graceMs?: number) => Promise.all([...live].map((p) => stop(p, graceMs)));

process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130); // the exit handler kills what is left
    interrupted = true;
    console.error(`\n${signal}: stopping every process the bench started`);
    void stopAll(3000).finally(() => process.exit(130));
  });
}

/** The first JSON line a child prints on stdout. */
function readyLine<T>(p: ChildProcess, what: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!p.stdout) return reject(new Error(`${what}: no stdout`));
    const lines = createInterface({ input: p.stdout });
    const timer = setTimeout(() => done(new Error(`${what} not ready after ${timeoutMs / 1000} s`)), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => done(new Error(`${what} exited (${signal ?? code}) before it was ready`));
    const done = (err: Error | null, value?: T) => {
      clearTimeout(timer);
      lines.off('line', onLine);
      p.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    const onLine = (line: string) => {
      try {
        done(null, JSON.parse(line) as T);
      } catch {
        // not the ready line
      }
    };
    lines.on('line', onLine);
    p.once('exit', onExit);
  });
}

/** Runs a command to its end and returns its stdout; rejects on a non-zero exit. */
async function run(argv: string[], timeoutMs: number): Promise<string> {
  const p = start(argv, { stderr: 'pipe' });
  let out = '';
  let err = '';
  p.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(p, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${argv.join(' ')} failed (${signal ?? code}): ${err.trim() || out.trim()}`);
  return out;
}

// ---- HTTP

interface Reply {
  status: number;
  statusMessage: string;
  rawHeaders: string[];
  body: Buffer;
}

/** One GET as wrk sends it: no Accept-Encoding, nothing but Host (and Connection). */
function get(url: string, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- load

interface Measure {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Replies other than 2xx/3xx. */
  bad: number;
  /** Connect/read/write errors and timeouts (replies later than wrk's 2 s, left out of the latency). */
  socketErrors: Record<string, number>;
  /** CPU time (user + system, every thread) the server spent per reply, in microseconds; NaN without /proc. */
  cpuUsPerReply: number;
}

/** A wrk duration (e.g. 812.00us, 1.20ms, 2.01s, 1.00m) in milliseconds. */
function wrkMs(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s.trim());
  if (!m) return NaN;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'us' | 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * factor;
}

function parseWrk(out: string): Measure {
  const rps = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1]);
  const requests = Number(/^\s*(\d+) requests in /m.exec(out)?.[1]);
  const p50 = wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors: Record<string, number> = {};
  (['connect', 'read', 'write', 'timeout'] as const).forEach((name, i) => {
    const n = Number(sock?.[i + 1] ?? 0);
    if (n > 0) socketErrors[name] = n;
  });
  if (!Number.isFinite(rps) || !Number.isFinite(p50) || !Number.isFinite(p99)) throw new Error(`could not read wrk's output:\n${out}`);
  return { rps, p50Ms: p50, p99Ms: p99, requests, bad, socketErrors, cpuUsPerReply: NaN };
}

function parseAutocannon(out: string): Measure {
  const r = JSON.parse(out.trim().split('\n').pop() ?? '') as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  const socketErrors: Record<string, number> = {};
  if (r.errors) socketErrors.errors = r.errors;
  if (r.timeouts) socketErrors.timeout = r.timeouts;
  return { rps: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r.requests.total, bad: r.non2xx, socketErrors, cpuUsPerReply: NaN };
}

const CLOCK_TICKS_PER_SEC = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** User + system CPU seconds a process has used so far (every thread), from /proc; NaN elsewhere. */
function cpuSec(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

/** Loads url for `seconds`; `server` is the process answering, whose CPU per reply is measured. */
async function load(url: string, seconds: number, server?: ChildProcess): Promise<Measure> {
  const argv = hasWrk
    ? ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url]
    : [process.execPath, AUTOCANNON, '-c', String(CONNECTIONS), '-d', String(seconds), '-j', url];
  const cpu0 = cpuSec(server?.pid);
  const out = await run(pinned(LOAD_CORE, argv), (seconds + 30) * 1000);
  const m = hasWrk ? parseWrk(out) : parseAutocannon(out);
  m.cpuUsPerReply = ((cpuSec(server?.pid) - cpu0) * 1e6) / Math.max(1, m.requests);
  return m;
}

// ---- the run

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** VmRSS and VmHWM of a process in MB, from /proc (Linux). */
function memoryMb(pid: number | undefined): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

interface Row {
  path: string;
  app?: Measure;
  raw?: Measure;
  ratio?: number;
  p99Ratio?: number;
  roundRatios: number[];
  verdict: string;
  ok: boolean;
}

const logFile = join(tmp, 'satscope.log');
let failed = false;

function logTail(lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForWarmup(base: string, app: ChildProcess): Promise<string[]> {
  const deadline = Date.now() + WARMUP_SEC * 1000;
  let waiting: string[] = ['the first answer'];
  while (Date.now() < deadline && !exited(app)) {
    try {
      const jobs = JSON.parse((await get(`${base}/api/v1/jobs`)).body.toString()) as { jobs: { name: string; lastFinishedAtMs: number | null; running: boolean; intervalMs: number }[] };
      const sources = JSON.parse((await get(`${base}/api/v1/sources`)).body.toString()) as { sources: { name: string; enabled: boolean; state: string }[] };
      waiting = [
        ...jobs.jobs.filter((j) => !j.lastFinishedAtMs).map((j) => `job ${j.name} (not run yet)`),
        // A long-interval job still on its first run (a backfill) is start-up work, not steady state.
        ...jobs.jobs.filter((j) => j.running && j.intervalMs >= 3_600_000).map((j) => `job ${j.name} (running)`),
        ...sources.sources.filter((s) => s.enabled && s.state !== 'ok').map((s) => `source ${s.name} (${s.state})`),
      ];
      if (waiting.length === 0) return [];
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  if (exited(app)) throw new Error(`satscope exited during the warm-up:\n${logTail()}`);
  return waiting;
}

async function measurePath(path: string, appBase: string, app: ChildProcess): Promise<Row> {
  const row: Row = { path, roundRatios: [], verdict: '', ok: false };
  const reply = await get(appBase + path);
  const headers: string[] = [];
  let keepAliveSec: number | undefined;
  for (let i = 0; i + 1 < reply.rawHeaders.length; i += 2) {
    const name = reply.rawHeaders[i] as string;
    const value = reply.rawHeaders[i + 1] as string;
    if (name.toLowerCase() === 'keep-alive') keepAliveSec = Number(/timeout=(\d+)/.exec(value)?.[1]) || undefined;
    if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.push(name, value);
  }
  const file = join(tmp, `reply-${SELECTED.indexOf(path)}.json`);
  writeFileSync(file, JSON.stringify({ status: reply.status, statusMessage: reply.statusMessage, headers, keepAliveSec, bodyBase64: reply.body.toString('base64') }));
  const captured = `${reply.status}, ${reply.body.length} bytes, ${headers.length / 2} headers`;

  const raw = start(pinned(SERVER_CORE, [process.execPath, '--import', 'tsx', join(BENCH, 'raw-server.ts'), file]));
  try {
    const { port } = await readyLine<{ port: number }>(raw, 'raw server');
    const rawUrl = `http://127.0.0.1:${port}${path}`;
    const appUrl = appBase + path;
    await load(rawUrl, WARM_LOAD_SEC, raw);
    await load(appUrl, WARM_LOAD_SEC, app);
    const raws: Measure[] = [];
    const apps: Measure[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which server goes first, so neither always follows the other.
      if (round % 2 === 0) {
        raws.push(await load(rawUrl, DURATION_SEC, raw));
        apps.push(await load(appUrl, DURATION_SEC, app));
      } else {
        apps.push(await load(appUrl, DURATION_SEC, app));
        raws.push(await load(rawUrl, DURATION_SEC, raw));
      }
    }
    const summary = (ms: Measure[]): Measure => ({
      rps: median(ms.map((m) => m.rps)),
      p50Ms: median(ms.map((m) => m.p50Ms)),
      p99Ms: median(ms.map((m) => m.p99Ms)),
      requests: ms.reduce((n, m) => n + m.requests, 0),
      cpuUsPerReply: median(ms.map((m) => m.cpuUsPerReply)),
      bad: ms.reduce((n, m) => n + m.bad, 0),
      socketErrors: ms.reduce<Record<string, number>>((sum, m) => {
        for (const [name, n] of Object.entries(m.socketErrors)) sum[name] = (sum[name] ?? 0) + n;
        return sum;
      }, {}),
    });
    row.app = summary(apps);
    row.raw = summary(raws);
    // This VM's speed drifts; each round loads both servers back to back, so the median of the
    // per-round ratios is the steadier figure.
    row.roundRatios = apps.map((m, i) => m.rps / (raws[i] as Measure).rps);
    row.ratio = median(row.roundRatios);
    row.p99Ratio = median(apps.map((m, i) => m.p99Ms / Math.max(0.001, (raws[i] as Measure).p99Ms)));
    const problems: string[] = [];
    if (reply.status >= 400) problems.push(`satscope answered ${reply.status}`);
    if (row.app.bad > 0) problems.push(`${row.app.bad} non-2xx/3xx`);
    const errors = (m: Measure) => Object.entries(m.socketErrors).map(([name, n]) => `${name} ${n}`).join(', ');
    if (errors(row.app)) problems.push(`socket errors ${errors(row.app)}`);
    if (errors(row.raw)) problems.push(`raw socket errors ${errors(row.raw)}`);
    if (row.ratio < RATIO_GOAL) problems.push('req/s');
    if (row.p99Ratio > P99_GOAL) problems.push('p99');
    row.ok = problems.length === 0;
    row.verdict = row.ok ? 'met' : `NOT met: ${problems.join(', ')}`;
  } finally {
    await stop(raw);
  }
  const cpu = row.app && row.raw && Number.isFinite(row.app.cpuUsPerReply) ? `; CPU per reply ${row.app.cpuUsPerReply.toFixed(1)} µs vs raw ${row.raw.cpuUsPerReply.toFixed(1)} µs` : '';
  console.log(`  ${path}: ${captured}; ratios ${row.roundRatios.map((r) => r.toFixed(2)).join(' ')}${cpu} -> ${row.verdict}`);
  return row;
}

function printTable(rows: Row[]): void {
  const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
  const fix = (v: number | undefined, d: number) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  const header = ['path', 'satscope req/s', 'raw req/s', 'ratio', 'satscope p50 ms', 'raw p50 ms', 'satscope p99 ms', 'raw p99 ms', 'p99 ratio', 'satscope CPU µs/reply', 'raw CPU µs/reply', 'verdict'];
  const cells = rows.map((r) => [r.path, fix(r.app?.rps, 0), fix(r.raw?.rps, 0), fix(r.ratio, 2), ms(r.app?.p50Ms), ms(r.raw?.p50Ms), ms(r.app?.p99Ms), ms(r.raw?.p99Ms), fix(r.p99Ratio, 2), fix(r.app?.cpuUsPerReply, 1), fix(r.raw?.cpuUsPerReply, 1), r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 || i === c.length - 1 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join(' | ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(line(c));
}

async function pathTable(): Promise<void> {
  console.log(
    `load: ${hasWrk ? 'wrk' : 'autocannon'}, 1 thread, ${CONNECTIONS} connections; ${ROUNDS} interleaved round(s) of ${DURATION_SEC} s per server and path, after ${WARM_LOAD_SEC} s unmeasured`,
  );
  console.log(canPin ? `servers on core ${SERVER_CORE}; load generator and upstreams on core ${LOAD_CORE}` : 'not pinned (taskset missing or a single core): figures are noisier');

  const upstreamArgv = (kind: string, ...extra: string[]) => pinned(LOAD_CORE, [process.execPath, '--import', 'tsx', join(BENCH, 'upstream.ts'), kind, ...extra]);
  const replay = start(upstreamArgv('replay'));
  const node = start(upstreamArgv('regtest', String(REGTEST_BLOCKS)));
  const [replayReady, nodeReady] = await Promise.all([
    readyLine<{ env: Record<string, string> }>(replay, 'replay server'),
    readyLine<{ env: Record<string, string>; height: number }>(node, 'bcoin regtest node'),
  ]);
  console.log(`upstreams: replay server (every public source), bcoin regtest node at height ${nodeReady.height}`);

  const port = await freePort();
  const appBase = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  // A clean environment, and a working folder without env/ files, so nothing of a real
  // installation (a node, Redis, an API key) leaks in. OCEAN is on, with the recorded account.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: join(tmp, 'data'),
    // Every request is counted by the limiter; the limit is past what the run sends.
    RATE_LIMIT_PER_MIN: '1000000000',
    ...(process.env.BENCH_OCEAN === '0' ? {} : { OCEAN_ADDRESS: DEMO_OCEAN_ADDRESS }),
    ...replayReady.env,
    ...nodeReady.env,
  };
  // Exactly what `npm start` runs, Node flags included.
  const app = start(pinned(SERVER_CORE, scriptArgv(ROOT, 'start')), { cwd: tmp, env, stdout: log, stderr: log });
  closeSync(log);
  let stopping = false;
  app.once('exit', (code, signal) => {
    if (!interrupted && !stopping) console.error(`satscope exited by itself (${signal ?? code})`);
  });

  const rows: Row[] = [];
  try {
    const t0 = Date.now();
    const waiting = await waitForWarmup(appBase, app);
    if (waiting.length) console.log(`warm-up: gave up after ${WARMUP_SEC} s still waiting for ${waiting.join(', ')}`);
    else console.log(`warm-up: every job has run and every enabled source is ok after ${((Date.now() - t0) / 1000).toFixed(1)} s; settling for ${SETTLE_SEC} s`);
    await sleep(SETTLE_SEC * 1000);
    const idle = memoryMb(app.pid);
    console.log(`idle RSS after warm-up: ${idle ? `${idle.rss.toFixed(1)} MB (peak so far ${idle.peak.toFixed(1)} MB)` : 'n/a (no /proc)'}`);
    console.log('');
    for (const path of SELECTED) {
      if (exited(app)) throw new Error(`satscope is gone:\n${logTail()}`);
      try {
        rows.push(await measurePath(path, appBase, app));
      } catch (err) {
        if (interrupted) throw err;
        rows.push({ path, roundRatios: [], ok: false, verdict: `ERROR: ${err instanceof Error ? err.message : String(err)}` });
        console.log(`  ${path}: ${rows.at(-1)?.verdict}`);
      }
    }
    const after = memoryMb(app.pid);
    console.log('');
    printTable(rows);
    console.log('');
    console.log(`goals: ratio >= ${RATIO_GOAL} (median of per-round req/s ratios) and p99 <= ${P99_GOAL}x raw, no error replies`);
    if (after) console.log(`satscope RSS after the load: ${after.rss.toFixed(1)} MB (peak ${after.peak.toFixed(1)} MB)`);
    const complaints = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => /^\S+ (warn|error) |^satscope: /.test(l));
    if (complaints.length) console.log(`satscope logged ${complaints.length} warning(s) or error(s), the first:\n  ${complaints.slice(0, 5).join('\n  ')}`);
    const missed = rows.filter((r) => !r.ok).length;
    console.log(missed === 0 ? `every path met the goals` : `${missed} of ${rows.length} paths missed the goals`);
    if (missed > 0) failed = true;
  } finally {
    stopping = true;
    await stop(app, 10_000);
    await Promise.all([stop(replay), stop(node)]);
  }
}

/** Runs a bench script to its end, output shown; true when it exits 0. */
async function script(file: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const p = start([process.execPath, '--import', 'tsx', file], { env, stdout: 'inherit' });
  const [code] = (await once(p, 'exit')) as [number | null];
  return code === 0;
}

try {
  await pathTable();
  console.log('');
  const idleRss = join(BENCH, 'idle-rss.ts');
  if (existsSync(idleRss)) {
    console.log(`idle RSS over ${IDLE_SEC} s (bench/idle-rss.ts):`);
    const ok = await script(idleRss, { ...process.env, BENCH_IDLE_SEC: String(IDLE_SEC) });
    console.log(`idle RSS: ${ok ? 'met' : 'NOT met'}`);
    if (!ok) failed = true;
  } else {
    console.log('idle RSS over time: skipped (bench/idle-rss.ts is not there)');
  }
  if (process.env.BENCH_SKIP_LAKE !== '1') {
    console.log('');
    console.log('lake queries, a year of minute ticks (bench/lake.ts):');
    const ok = await script(join(BENCH, 'lake.ts'));
    if (!ok) failed = true;
  }
  if (process.env.BENCH_SKIP_SSE !== '1') {
    console.log('');
    if (!(await script(join(BENCH, 'sse.ts')))) failed = true;
  }
} catch (err) {
  failed = true;
  if (!interrupted) console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await stopAll();
}
process.exitCode = failed ? 1 : 0;
