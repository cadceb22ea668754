import { AggregatorRegistry } from 'prom-client';
import type { AppContext } from '../app.ts';
import { sendText } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { cacheTiers, lakeQueryStats } from './system.ts';
import { renderBitcoinMetrics } from '../bitcoin-metrics.ts';

export function metricsRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'GET',
      path: '/metrics',
      summary: 'Prometheus metrics: HTTP, jobs, upstreams, cache, Bitcoin values, score, lake',
      doc: { reply: { types: ['text/plain'], statuses: { 200: 'the Prometheus text format' } } },
      async handle({ res }) {
        // The dependency gauges are kept by the health probe (every second).
        return sendText(res, 200, (await registryText(app)) + app.httpStats.render() + cacheMetrics(app) + app.traffic.render(app.sse.stats()) + (await renderBitcoinMetrics(app.store, app.nodes.map((n) => n.id))), app.metrics.registry.contentType);
      },
    }),
  ];
}

/** This thread's registry, with the jobs thread's added in when the jobs run in one. */
async function registryText(app: AppContext): Promise<string> {
  if (!app.threadMetrics) return app.metrics.registry.metrics();
  const [mine, theirs] = await Promise.all([app.metrics.registry.getMetricsAsJSON(), app.threadMetrics()]);
  return AggregatorRegistry.aggregate([mine, theirs]).metrics();
}

/** The read models' hits (replies served as built) and misses (builds), as Prometheus text. */
function cacheMetrics(app: AppContext): string {
  const lines = ['# HELP satscope_cache_requests_total Replies served from a read model (hit) or built first (miss)', '# TYPE satscope_cache_requests_total counter'];
  for (const [tier, t] of Object.entries(cacheTiers(app))) lines.push(`satscope_cache_requests_total{tier="${tier}",result="hit"} ${t.hits}`, `satscope_cache_requests_total{tier="${tier}",result="miss"} ${t.misses}`);
  const lake = lakeQueryStats(app);
  if (lake) {
    lines.push('# HELP satscope_lake_queries_total Lake queries by result: answered from the lake, not covered (history answered), error', '# TYPE satscope_lake_queries_total counter');
    lines.push(`satscope_lake_queries_total{result="answered"} ${lake.answered}`, `satscope_lake_queries_total{result="not_covered"} ${lake.notCovered}`, `satscope_lake_queries_total{result="error"} ${lake.errors}`);
  }
  return `${lines.join('\n')}\n`;
}
