// Every Prometheus metric Satscope exports, on one registry built by main (no global registry).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import client from 'prom-client';

/**
 * With the jobs in a thread of their own (`satscope start`), each thread keeps its own registry
 * and /metrics adds them up (prom-client's AggregatorRegistry): counters and histograms sum; the
 * gauges say how they combine. The process gauges are kept by the web thread only.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new client.Registry();
  const r = [registry];
  if (opts.processMetrics !== false) processMetrics(r);
  return {
    registry,
    rateLimited: new client.Counter({ name: 'satscope_http_rate_limited_total', help: 'Requests refused by the per-IP rate limit', registers: r }),
    upstreamRequests: new client.Counter({ name: 'satscope_upstream_requests_total', help: 'Upstream calls by source and outcome', labelNames: ['source', 'outcome'] as const, registers: r }),
    upstreamDuration: new client.Histogram({
      name: 'satscope_upstream_request_duration_seconds',
      help: 'Upstream call duration including retries',
      labelNames: ['source'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    breakerState: new client.Gauge({ name: 'satscope_upstream_breaker_state', help: 'Circuit breaker: 0 closed, 1 half-open, 2 open', labelNames: ['source'] as const, registers: r, aggregator: 'max' }),
    jobRuns: new client.Counter({ name: 'satscope_job_runs_total', help: 'Job runs by outcome', labelNames: ['job', 'outcome'] as const, registers: r }),
    jobDuration: new client.Histogram({
      name: 'satscope_job_duration_seconds',
      help: 'Job run duration',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: r,
    }),
    jobLastSuccess: new client.Gauge({ name: 'satscope_job_last_success_timestamp_seconds', help: 'Unix time of the last successful run', labelNames: ['job'] as const, registers: r, aggregator: 'max' }),
    jobSkippedLocked: new client.Counter({ name: 'satscope_job_lock_contended_total', help: 'Due runs skipped because another process held the lock', labelNames: ['job'] as const, registers: r }),
    schedulerRestarts: new client.Counter({ name: 'satscope_scheduler_watchdog_restarts_total', help: 'Scheduler loops restarted by the watchdog', registers: r }),
    dependencyUp: new client.Gauge({ name: 'satscope_dependency_up', help: '1 when the dependency answered its last health check', labelNames: ['dependency'] as const, registers: r, aggregator: 'min' }),
    buildInfo: new client.Gauge({ name: 'satscope_build_info', help: 'Satscope version and backends', labelNames: ['version', 'store', 'history'] as const, registers: r, aggregator: 'max' }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// prom-client's default set names some gauges `*_total`, which promtool rejects; these few are
// what an operator reads, named by the Prometheus conventions.
function processMetrics(r: client.Registry[]): void {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const startSec = Math.floor(Date.now() / 1000 - process.uptime());
  new client.Counter({
    name: 'satscope_process_cpu_seconds_total',
    help: 'User and system CPU time',
    registers: r,
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new client.Gauge({ name: 'satscope_process_start_time_seconds', help: 'Process start, unix seconds', registers: r, collect() { this.set(startSec); } });
  new client.Gauge({ name: 'satscope_process_resident_memory_bytes', help: 'Resident set size', registers: r, collect() { this.set(process.memoryUsage.rss()); } });
  new client.Gauge({ name: 'satscope_nodejs_heap_used_bytes', help: 'V8 heap in use', registers: r, collect() { this.set(process.memoryUsage().heapUsed); } });
  new client.Gauge({
    name: 'satscope_nodejs_eventloop_delay_p99_seconds',
    help: 'Event loop delay, 99th percentile since the last scrape',
    registers: r,
    collect() {
      this.set(loop.percentile(99) / 1e9);
      loop.reset();
    },
  });
}
