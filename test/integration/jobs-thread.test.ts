// `satscope start` runs its jobs in a worker thread (src/jobs/thread.ts): the production jobs,
// against the recorded upstreams, write through the PortStore into the web thread's MemoryStore,
// and the web thread's views, health and /metrics show what the jobs thread did.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/main.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';

let fx: FixtureServer;
let rt: Runtime;
let base: string;
type Json = Record<string, unknown>;
const get = async (path: string): Promise<Response> => fetch(base + path);
const json = async (path: string) => (await (await get(path)).json()) as Json;

before(async () => {
  fx = await startFixtureServer();
  const config = loadConfig({ PORT: '1', HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-thread-')), ...fx.env, SOURCES_DISABLED: '' });
  rt = await startRuntime({ role: 'start', config: { ...config, port: 0 }, log: silentLogger, jobsThread: true });
  base = rt.url ?? '';
});
after(async () => {
  await rt?.close();
  await fx?.stop();
});

test('the jobs run in their own thread and the web thread serves what they wrote', async () => {
  assert.equal(rt.scheduler, undefined, 'no scheduler in the web thread');
  await waitFor('market and network from the jobs thread', async () => {
    const [market, network] = await Promise.all([json('/api/v1/market'), json('/api/v1/network')]);
    const price = (market.price as { data: unknown } | undefined)?.data;
    const fees = (network.fees as { data: unknown } | undefined)?.data;
    return price && fees ? true : undefined;
  }, 30_000, 250);
  const health = await json('/health');
  assert.deepEqual(health.scheduler, { running: true, jobs: rt.jobs.length, watchdogRestarts: 0 });
  const jobs = (await json('/api/v1/jobs')).jobs as { name: string; lastOutcome: string | null }[];
  assert.equal(jobs.find((j) => j.name === 'public-mempool')?.lastOutcome, 'ok');
});

test('/metrics adds the jobs thread’s registry to the web thread’s, each family once', async () => {
  await waitFor('a job run counted', async () => ((await (await get('/metrics')).text()).includes('satscope_job_runs_total{job="public-mempool",outcome="ok"}') ? true : undefined), 30_000, 250);
  const text = await (await get('/metrics')).text();
  assert.match(text, /satscope_upstream_requests_total\{source="mempool",outcome="ok"\} [1-9]/, 'upstream calls made in the jobs thread');
  assert.match(text, /satscope_process_resident_memory_bytes [1-9]/, 'process gauges from the web thread');
  const helps = text.split('\n').filter((l) => l.startsWith('# HELP '));
  assert.equal(new Set(helps).size, helps.length, 'no metric family twice');
});
