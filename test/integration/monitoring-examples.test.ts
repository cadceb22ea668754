// The monitoring examples in deploy/ stay true to Satscope: promtool accepts prometheus.yml and
// its rules; every expression of the Grafana dashboard parses as PromQL; every metric and label
// that the dashboard and the rules name is on the /metrics of a running Satscope, scaled out as
// prometheus.yml scrapes it (a web, a worker and a stream process on Redis, with data); and the
// job intervals in the rules are the job table's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import S3rver from 's3rver';
import { loadConfig } from '../../src/config.ts';
import { jobTable } from '../../src/jobs/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { buildNodes } from '../../src/sources/bitcoind/nodes.ts';
import { buildSourceCatalog } from '../../src/sources/catalog.ts';
import { openHistory } from '../../src/store/history/history.ts';
import { keys } from '../../src/store/keys.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.ts';
import { addExposition, familyOf, panelQueries, promqlNames, readRules, substituteGrafanaVariables, variableQueries, type Dashboard, type Family, type Query } from '../helpers/monitoring.ts';
import { freePort, waitFor } from '../helpers/ports.ts';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.ts';
import { FakeRpcServer } from '../helpers/rpc-server.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { IN_CI, requireService, which } from '../helpers/services.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const PROMETHEUS_YML = join(DEPLOY, 'prometheus.yml');
const RULES_YML = join(DEPLOY, 'satscope-rules.yml');
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
const rulesFile = readRules(readFileSync(RULES_YML, 'utf8'));
const hasPromtool = () => which('promtool') !== undefined;

const dashboardVariables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
const dashboardQueries = (): Query[] => [...panelQueries(dashboard), ...variableQueries(dashboard)].map((q) => ({ ...q, expr: substituteGrafanaVariables(q.expr, dashboardVariables) }));

/** Series Prometheus makes itself, with the labels of its targets. */
const PROMETHEUS_SERIES = new Set(['up']);
/** Labels every scraped series gets from prometheus.yml's targets and relabeling. */
const TARGET_LABELS = ['job', 'instance', 'role'];
/** prometheus.yml's scrape jobs: the only values a `job` matcher may select. */
const SCRAPE_JOBS = [...readFileSync(PROMETHEUS_YML, 'utf8').matchAll(/^\s*- job_name: (\S+)$/gm)].map((m) => m[1] as string);
/** prometheus.yml keeps Satscope's own `job` label (a job's name) as `satscope_job`. */
const SCRAPE_RENAMES = { job: 'satscope_job' };
/**
 * Families declared on /metrics whose samples this test cannot cause, with their labels as
 * src/metrics.ts declares them (after the scrape's renames).
 */
const DECLARED_ONLY: Record<string, { labels: string[]; why: string }> = {
  satscope_job_lock_contended_total: { labels: ['satscope_job'], why: 'two processes due for one job at the same instant' },
};

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('promtool check config accepts deploy/prometheus.yml and the rule file it names', (t) => {
  if (!requireService(t, 'promtool', hasPromtool())) return;
  const r = promtool(['check', 'config', PROMETHEUS_YML]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: 1 rule files found/);
  const yml = readFileSync(PROMETHEUS_YML, 'utf8');
  assert.equal(yml.match(/source_labels: \[exported_job\]\s+regex: '\(\.\+\)'\s+target_label: satscope_job/g)?.length, 2, 'both scrape jobs keep the job label as satscope_job');
});

test('promtool check rules accepts deploy/satscope-rules.yml, and this test reads every rule of it', (t) => {
  if (!requireService(t, 'promtool', hasPromtool())) return;
  const r = promtool(['check', 'rules', RULES_YML]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, new RegExp(`SUCCESS: ${rulesFile.rules.length} rules found`), 'the rules read here are the rules promtool found');
});

test('every expression of the Grafana dashboard (panels, nested rows, variables) parses as PromQL', (t) => {
  const queries = dashboardQueries();
  assert.ok(queries.length >= 40, `the dashboard's expressions were found (${queries.length})`);
  assert.ok(panelQueries(dashboard).some((q) => q.where.includes(' / ')), 'a collapsed row with nested panels is walked');
  if (!requireService(t, 'promtool', hasPromtool())) return;
  // Each expression as a recording rule: promtool check rules parses it with Prometheus's parser.
  const file = join(mkdtempSync(join(tmpdir(), 'satscope-grafana-')), 'dashboard-exprs.yml');
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'grafana-dashboard', rules: queries.map((q, i) => ({ record: `check:expr_${i}`, expr: q.expr })) }] }));
  const r = promtool(['check', 'rules', file]);
  assert.equal(r.status, 0, `${r.output}\n${queries.map((q, i) => `expr_${i} ${q.where}: ${q.expr}`).join('\n')}`);
});

test('the job intervals in the rules are the job table\'s, for every job', async () => {
  const table = rulesFile.records.get('satscope_job:job_interval_seconds') ?? '';
  const inRules = new Map([...table.matchAll(/label_replace\(vector\((\d+)\), "satscope_job", "([^"]+)", "", ""\)/g)].map((m) => [m[2] as string, Number(m[1])]));
  // Every source and feature on, so the table holds every job there is (building it calls nothing).
  const dir = mkdtempSync(join(tmpdir(), 'satscope-jobs-'));
  writeFileSync(join(dir, 'caps.json'), '[]');
  const config = loadConfig({ DATA_DIR: dir, BITCOIN_RPC_URL: 'http://u:p@127.0.0.1:1/', ELECTRUM_URL: 'tcp://127.0.0.1:1', OCEAN_ADDRESS: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', COMPANY_MARKET_CAPS_FILE: join(dir, 'caps.json') });
  const store = new MemoryStore();
  const metrics = createMetrics({ processMetrics: false });
  const history = await openHistory({ databaseUrl: undefined, dataDir: dir, log: silentLogger });
  try {
    const sources = buildSourceCatalog(config, { store, metrics, log: silentLogger });
    const jobs = jobTable({ config, store, history, sources, nodes: buildNodes(config, sources, metrics), log: silentLogger });
    assert.deepEqual(Object.fromEntries(inRules), Object.fromEntries(jobs.map((j) => [j.name, j.intervalMs / 1000])));
  } finally {
    await history.close();
    await store.close();
  }
});

/** Problems with the names one expression uses, against what the processes export. */
function namesProblems(q: Query, families: Map<string, Family>, records: Map<string, string>, seen = new Set<string>()): { problems: string[]; labels: Set<string> } {
  const { metrics, labels, made } = promqlNames(q.expr);
  const problems: string[] = [];
  const allowed = new Set([...TARGET_LABELS, ...made]);
  for (const name of metrics) {
    if (name.includes(':')) {
      // A recording rule's series: defined in the rules file, with the labels its expression can carry.
      const expr = records.get(name);
      if (expr === undefined) problems.push(`${q.where}: ${name} is no recording rule of satscope-rules.yml`);
      else if (!seen.has(name)) for (const l of namesProblems({ where: q.where, expr }, families, records, new Set([...seen, name])).labels) allowed.add(l);
      continue;
    }
    if (PROMETHEUS_SERIES.has(name)) continue;
    const f = familyOf(families, name);
    if (!f) problems.push(`${q.where}: ${name} is exported by no Satscope process`);
    else if (f.sampled) for (const l of f.labels) allowed.add(l);
    else if (DECLARED_ONLY[name]) for (const l of DECLARED_ONLY[name].labels) allowed.add(l);
    else problems.push(`${q.where}: ${name} is declared on ${[...f.seenOn].join(', ')} but has no sample to check its labels against: give it data`);
  }
  // `job` is the scrape job's (Satscope's own job names are `satscope_job`): it must select one.
  for (const m of q.expr.matchAll(/\bjob\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
    const [, op, value] = m as unknown as [string, string, string];
    if (!SCRAPE_JOBS.some((j) => (op === '=' ? j === value : new RegExp(`^(?:${value})$`).test(j)))) problems.push(`${q.where}: job${op}"${value}" selects none of prometheus.yml's scrape jobs (${SCRAPE_JOBS.join(', ')})`);
  }
  const used = q.listsLabel ? [...labels, q.listsLabel] : labels;
  for (const l of used) if (!allowed.has(l)) problems.push(`${q.where}: label "${l}" is on none of ${metrics.join(', ')} (labels: ${[...allowed].sort().join(', ')})`);
  return { problems, labels: allowed };
}

const available = hasRedis();
if (!available && IN_CI) throw new Error('redis-server is required in CI (see .ci/run)');

describe('against Satscope scaled out as prometheus.yml scrapes it', { skip: available ? false : 'needs redis-server' }, () => {
  let redis: RedisServer;
  let fx: FixtureServer;
  let rpc: FakeRpcServer;
  let s3: S3rver;
  const runtimes: Awaited<ReturnType<typeof testRuntime>>[] = [];
  const families = new Map<string, Family>();

  before(async () => {
    redis = await startRedis();
    // Public sources from their recorded replies; the node from Bitcoin Core's recorded replies
    // (a regtest node has no fee estimates and never retargets, and both are on the dashboard).
    fx = await startFixtureServer();
    rpc = await new FakeRpcServer().start();
    const core = (method: string, file: string) => rpc.answers.set(method, { file: `fixtures/bitcoind/${file}.json` });
    for (const m of ['getblockchaininfo', 'getmininginfo', 'getblockheader', 'getblockstats', 'getchaintxstats', 'getmempoolinfo', 'getnettotals', 'getnetworkinfo', 'getpeerinfo', 'uptime', 'getindexinfo', 'getdeploymentinfo']) core(m, m);
    core('getblock', 'getblock_verbosity1');
    core('getrawmempool', 'getrawmempool_verbose');
    core('estimatesmartfee', 'estimatesmartfee_6');
    const tip = (rpc.fixture('fixtures/bitcoind/getblockchaininfo.json') as { result: { bestblockhash: string } }).result.bestblockhash;
    for (const m of ['getblockhash', 'getbestblockhash']) rpc.answers.set(m, { body: { result: tip, error: null, id: 1 } });
    const s3Port = await freePort();
    s3 = new S3rver({ port: s3Port, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 'satscope-s3rver-')), configureBuckets: [{ name: 'lake', configs: [] }] });
    await s3.run();

    const env = { ...fx.env, REDIS_URL: redis.url, BITCOIN_RPC_URL: rpc.url, BLOCKS_BACKFILL: '0', SOURCES_DISABLED: 'ocean' };
    const worker = await testRuntime(env, { role: 'worker', jobs: 'production' });
    runtimes.push(worker);
    const stream = await testRuntime({ ...env, LAKE: 'on', LAKE_FLUSH_ROWS: '1', LAKE_S3_URL: 's3://lake/satscope', LAKE_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }, { role: 'stream' });
    runtimes.push(stream);
    const web = await testRuntime({ ...env, LAKE: 'on' }, { role: 'web' });
    runtimes.push(web);

    // Every figure comes from the real jobs and pipeline: nothing is written into the store by hand.
    // The health score needs a year of history: the bootstrap job reads it, then the score runs again.
    await waitFor('the score bootstrap', async () => ((await worker.store.get(keys.jobStatus('backfill-score-history')))?.lastOutcome === 'ok' ? true : undefined), 120_000, 200);
    await waitFor('a health score', async () => {
      if (((await worker.store.get(keys.score))?.overall ?? null) !== null) return true;
      await requestJobRun(worker.store, worker.jobs, 'score');
      return undefined;
    }, 60_000, 1000);
    await waitFor('a lake flush and its figures', async () => {
      const lake = await worker.store.get(keys.lakeStatus);
      return lake?.lastFlush && lake.tables.length > 0 && lake.s3 ? true : undefined;
    }, 60_000, 200);
    // A page view and a viewer, as a browser makes them.
    assert.equal((await fetch(`${web.base}/`)).status, 200);
    const beacon = await fetch(`${web.base}/api/v1/beacon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ viewer: 'monitoring-test-tab' }) });
    assert.equal(beacon.status, 204);
    await waitFor('the shared viewer count', async () => /^satscope_active_viewers_shared 1$/m.test(await (await fetch(`${web.base}/metrics`)).text()) || undefined, 20_000, 200);

    for (const [name, rt] of [['web', web], ['worker', worker], ['stream', stream]] as const) {
      const res = await fetch(`${name === 'web' ? rt.base : rt.url}/metrics`);
      assert.equal(res.status, 200);
      addExposition(families, await res.text(), name, SCRAPE_RENAMES);
    }
  });
  after(async () => {
    for (const rt of runtimes.reverse()) await rt.close();
    await s3?.close();
    await rpc?.stop();
    await fx?.stop();
    await redis?.stop();
  });

  test('every metric and label the dashboard names is exported by a process, with data', () => {
    const recorded = dashboardQueries().filter((q) => promqlNames(q.expr).metrics.some((m) => m.includes(':')));
    assert.deepEqual(recorded.map((q) => q.where), [], 'the dashboard reads the exported series, so it works without satscope-rules.yml');
    const problems = dashboardQueries().flatMap((q) => namesProblems(q, families, new Map()).problems);
    assert.deepEqual(problems, []);
  });

  test('every metric and label the rules name is exported by a process, with data, or is a rule', () => {
    const problems = rulesFile.rules.flatMap((q) => namesProblems(q, families, rulesFile.records).problems);
    assert.deepEqual(problems, []);
  });

  test('each role serves the families its panels expect', () => {
    const on = (name: string) => [...(families.get(name)?.seenOn ?? [])].sort();
    assert.deepEqual(on('satscope_job_runs_total'), ['stream', 'web', 'worker'], 'every process declares the registry');
    assert.ok(families.get('satscope_job_runs_total')?.sampled, 'the worker ran jobs');
    assert.deepEqual(on('satscope_http_requests_total'), ['web']);
    assert.deepEqual(on('satscope_lake_rows'), ['stream', 'web'], 'the lake on the stream\'s port and on every web process');
    assert.deepEqual(on('satscope_bitcoin_fee_estimate_sat_per_vbyte'), ['web']);
  });
});
