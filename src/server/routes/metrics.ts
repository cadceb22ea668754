import type { AppContext } from '../app.ts';
import { sendText } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { renderBitcoinMetrics } from '../bitcoin-metrics.ts';
import { healthReport } from './health.ts';

export function metricsRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'GET',
      path: '/metrics',
      async handle({ res }) {
        await healthReport(app); // refreshes the dependency gauges
        return sendText(res, 200, (await app.metrics.registry.metrics()) + app.httpStats.render() + app.cacheStats.render() + app.traffic.render(app.sse.stats()) + (await renderBitcoinMetrics(app.store, app.nodes.map((n) => n.id))), app.metrics.registry.contentType);
      },
    }),
  ];
}
