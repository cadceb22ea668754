// Idle memory: `satscope start` as `npm start` runs it (bin/satscope.js, from the built bundle),
// every public source on and answered by a loopback server replaying the recorded upstream
// replies, DATA_DIR in a temporary folder. The dashboard is visited once (the page, its script and
// its styles), then the process is left alone while its jobs run.
// The resident set (VmRSS of the process and of any child it keeps) is sampled every few seconds;
// the goal is that it never exceeds 100 MB. The lake engine (DuckDB's process, about 100 MB while
// it runs) is started for each lake flush, once a minute, and stopped about a second later: it is
// reported beside the figures (how often a sample caught it, its size), not counted in them. The process's high-water mark (VmHWM), which includes
// the start-up before the first sample, is printed too.
//
//   node --import tsx bench/idle-rss.ts          # 300 s; exits 1 when the goal is missed
//   IDLE_RSS_SEC=60                              # a shorter run (also BENCH_IDLE_SEC, from bench/run.ts)
//   IDLE_RSS_INTERVAL_SEC=5                      # between samples
//   IDLE_RSS_FROM_SOURCE=1                       # the sources through tsx instead, for comparison
//   IDLE_RSS_VISIT=0                             # no page visit
//   IDLE_RSS_LAKE=off                            # without the lake pipeline (LAKE=off), for comparison
//
// measureIdleRss() is exported for bench/run.ts and returns the samples and the verdict.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scriptArgv } from '../scripts/start-command.mjs';
import { startReplayServer } from '../src/demo/replay-server.ts';
import { freePort } from '../src/demo/regtest-node.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GOAL_MB = 100;

export interface IdleRssOptions {
  seconds?: number;
  intervalSec?: number;
  /** Run the TypeScript sources through tsx (SATSCOPE_FROM_SOURCE=1) instead of the bundle. */
  fromSource?: boolean;
  /** Load the Overview page and its assets once after start. */
  visit?: boolean;
  goalMb?: number;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface IdleRssResult {
  maxMb: number;
  lastMb: number;
  seconds: number;
  goalMb: number;
  met: boolean;
  /** MB, one per sample, from the first after /health answered: the process and its children. */
  samples: number[];
  /** MB, the satscope process alone. */
  processSamples: number[];
  /** MB, the satscope process's high-water mark (VmHWM), start-up included. */
  peakMb: number;
  mode: 'dist' | 'source';
  line: string;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // gone
  }
}
const rssKb = (pid: number) => statusKb(pid, 'VmRSS');

/** The process and every descendant it has now. */
function treePids(pid: number): number[] {
  const kids: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [pid];
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean)) kids.push(...treePids(Number(c)));
    } catch {
      // a thread that ended meanwhile
    }
  }
  return [pid, ...kids];
}

/** The lake engine (DuckDB's child process, dist/lake-engine.mjs or src/lake/engine-boot.mjs): started for a flush or a lake query and stopped when idle. */
function isLakeEngine(pid: number): boolean {
  try {
    return /lake-engine\.mjs|lake[/\\]engine-boot\.mjs/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

const mb = (kb: number) => kb / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureIdleRss(o: IdleRssOptions = {}): Promise<IdleRssResult> {
  const seconds = o.seconds ?? 300;
  const intervalMs = (o.intervalSec ?? 5) * 1000;
  const goalMb = o.goalMb ?? GOAL_MB;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const mode = o.fromSource ? 'source' : 'dist';
  if (!o.fromSource) {
    // Built here, so that a build failure is reported as one and not measured as a tsx run.
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`the build failed: ${b.stderr.trim()}`);
  }
  const replay = await startReplayServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'satscope-idle-rss-'));
  // A clean environment (nothing from the caller's shell, no NODE_OPTIONS), and a working folder
  // without env/.env.* files.
  const { PATH, HOME, LANG, TMPDIR } = process.env;
  const env = Object.fromEntries(
    Object.entries({
      PATH,
      HOME,
      LANG,
      TMPDIR,
      ...replay.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      SOURCES_DISABLED: '',
      // Switches on the last public source (OCEAN); the address is BIP 173's example.
      OCEAN_ADDRESS: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      SATSCOPE_FROM_SOURCE: o.fromSource ? '1' : undefined,
      // IDLE_RSS_LAKE=off measures without the lake pipeline, for comparison.
      LAKE: process.env.IDLE_RSS_LAKE,
    }).filter(([, v]) => v !== undefined),
  );
  const [node, ...args] = scriptArgv(ROOT, 'start') as [string, ...string[]];
  const child = spawn(node, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (c: Buffer) => (tail = (tail + c.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  const fail = (what: string) => new Error(`${what}; its last output:\n${tail}`);
  try {
    const startedMs = Date.now();
    for (;;) {
      if (exited) throw fail('satscope exited');
      if (Date.now() - startedMs > 60_000) throw fail('satscope did not answer /health within 60 s');
      const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(200);
    }
    if (!o.fromSource && /running the sources through tsx/.test(tail)) throw fail('satscope fell back to the sources');
    log(`satscope start (${mode}) pid ${child.pid} on ${base}, public sources on ${replay.origin}; sampling for ${seconds} s`);
    if (o.visit ?? true) {
      // The first answers may come before the browser bundle is built: asked again until the page
      // names its script and styles.
      let assets: string[] = [];
      let status = 0;
      for (const until = Date.now() + 30_000; assets.length === 0 && Date.now() < until; ) {
        const r = await fetch(`${base}/`);
        status = r.status;
        assets = [...new Set((await r.text()).match(/\/assets\/[\w.-]+/g) ?? [])];
        if (assets.length === 0) await sleep(250);
      }
      if (assets.length === 0) throw fail(`the Overview page never named its assets (last status ${status})`);
      for (const a of assets) await (await fetch(`${base}${a}`)).arrayBuffer();
      log(`visited / (HTTP ${status}) and ${assets.length} assets`);
    }
    const samples: number[] = [];
    const processSamples: number[] = [];
    /** MB of the lake engine in each sample (0 when it was not running). */
    const lakeSamples: number[] = [];
    const until = startedMs + seconds * 1000;
    while (Date.now() < until) {
      await sleep(Math.min(intervalMs, Math.max(0, until - Date.now())));
      if (exited) throw fail('satscope exited while idle');
      const pids = treePids(child.pid as number);
      const own = mb(rssKb(child.pid as number));
      const kids = pids.slice(1);
      const lake = mb(kids.filter(isLakeEngine).reduce((n, p) => n + rssKb(p), 0));
      const total = own + mb(kids.reduce((n, p) => n + rssKb(p), 0)) - lake;
      samples.push(total);
      processSamples.push(own);
      lakeSamples.push(lake);
      const s = Math.round((Date.now() - startedMs) / 1000);
      if (samples.length % Math.max(1, Math.round(30_000 / intervalMs)) === 0) log(`  ${String(s).padStart(4)} s  ${total.toFixed(1)} MB${pids.length > 1 ? ` in ${pids.length} processes (satscope ${own.toFixed(1)} MB)` : ''}`);
    }
    const health = await fetch(`${base}/health`).then((r) => r.status, () => 0);
    if (health !== 200) throw fail(`/health answered ${health} at the end`);
    const peakMb = mb(statusKb(child.pid as number, 'VmHWM'));
    const maxMb = Math.max(...samples);
    const lastMb = samples.at(-1) ?? NaN;
    const met = maxMb < goalMb;
    const children = samples.some((t, i) => t !== processSamples[i]) ? ` (with its child processes; satscope alone: max ${Math.max(...processSamples).toFixed(1)} MB, last ${(processSamples.at(-1) ?? NaN).toFixed(1)} MB)` : '';
    const lakeRuns = lakeSamples.filter((x) => x > 0);
    const lakeNote = `; the lake engine (DuckDB in its own process, started for each flush and stopped within about a second; not in the figures above) was running in ${lakeRuns.length} of ${lakeSamples.length} samples${lakeRuns.length ? `, at most ${Math.max(...lakeRuns).toFixed(1)} MB (with it: max ${Math.max(...samples.map((t, i) => t + (lakeSamples[i] as number))).toFixed(1)} MB)` : ''}`;
    const line = `idle RSS: max ${maxMb.toFixed(1)} MB, last ${lastMb.toFixed(1)} MB over ${seconds} s (goal < ${goalMb} MB): ${met ? 'met' : 'NOT met'}${children}; peak ${peakMb.toFixed(1)} MB (VmHWM, start-up included)${lakeNote}`;
    return { maxMb, lastMb, seconds, goalMb, met, samples, processSamples, peakMb, mode, line };
  } finally {
    if (!exited) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await replay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await measureIdleRss({
    seconds: Number(process.env.IDLE_RSS_SEC ?? process.env.BENCH_IDLE_SEC ?? 300),
    intervalSec: Number(process.env.IDLE_RSS_INTERVAL_SEC ?? 5),
    fromSource: process.env.IDLE_RSS_FROM_SOURCE === '1',
    visit: process.env.IDLE_RSS_VISIT !== '0',
  });
  console.log(`${r.line}${r.mode === 'source' ? ' (sources through tsx)' : ''}`);
  process.exitCode = r.met ? 0 : 1;
}
