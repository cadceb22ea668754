// A worker serves /health and /metrics on METRICS_PORT: its job runs are there, in an exposition
// promtool accepts, and nothing else answers on that port.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { requireService, which } from '../helpers/services.ts';

const probeJob: JobDefinition = { name: 'probe', intervalMs: 100, timeoutMs: 1000, cooldownMs: 0, run: async () => undefined };

test('satscope worker: /health and /metrics on METRICS_PORT, with its job runs, passing promtool', async (t) => {
  const rt = await testRuntime({}, { role: 'worker', jobs: () => [probeJob] });
  try {
    assert.ok(rt.url, 'the worker has a URL: its METRICS_PORT');
    const health = await fetch(`${rt.url}/health`);
    assert.equal(health.status, 200);
    const h = (await health.json()) as { status: string; role: string; store: { status: string }; history: { status: string }; scheduler: { jobs: number; lockLeaseMs: number } };
    assert.equal(h.status, 'ok');
    assert.equal(h.role, 'worker');
    assert.equal(h.store.status, 'up');
    assert.equal(h.history.status, 'up');
    assert.equal(h.scheduler.jobs, 1);
    assert.ok(h.scheduler.lockLeaseMs > 0);
    const text = await waitFor('job runs on /metrics', async () => {
      const body = await (await fetch(`${rt.url}/metrics`)).text();
      const runs = /^satscope_job_runs_total\{job="probe",outcome="ok"\} (\d+)$/m.exec(body);
      return runs && Number(runs[1]) >= 2 ? body : undefined;
    });
    assert.match(text, /^satscope_job_duration_seconds_bucket\{le="0.01",job="probe"\} \d+$/m);
    assert.match(text, /^satscope_dependency_up\{dependency="store"\} 1$/m);
    assert.equal((await fetch(`${rt.url}/`)).status, 404, 'no pages on the operator port');
    assert.equal((await fetch(`${rt.url}/metrics`, { method: 'POST' })).status, 405);
    if (!requireService(t, 'promtool', which('promtool') !== undefined)) return;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  } finally {
    await rt.close();
  }
});

test('a METRICS_PORT already taken stops the worker with a clear error; off opens no port', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(testRuntime({ METRICS_PORT: String(port) }, { role: 'worker', jobs: () => [probeJob] }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.match(err.message, new RegExp(`METRICS_PORT ${port}.*EADDRINUSE.*own METRICS_PORT`));
      return true;
    });
  } finally {
    blocker.close();
  }
  const rt = await testRuntime({ METRICS_PORT: 'off' }, { role: 'worker', jobs: () => [probeJob] });
  assert.equal(rt.url, undefined);
  await rt.close();
});
