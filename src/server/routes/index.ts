// The route table: each route file's routes, under their section of the API description.
import type { AppContext } from '../app.ts';
import type { ApiSection } from '../openapi.ts';
import type { RouteDefinition } from '../route.ts';
import { adminRoutes } from './admin.ts';
import { alertRoutes } from './alerts.ts';
import { bitcoinRoutes } from './bitcoin.ts';
import { chartRoutes } from './charts.ts';
import { docsRoutes } from './docs.ts';
import { healthRoutes } from './health.ts';
import { lakeRoutes } from './lake.ts';
import { liveRoutes } from './live.ts';
import { marketRoutes } from './market.ts';
import { metricsRoutes } from './metrics.ts';
import { miningRoutes } from './mining.ts';
import { networkRoutes } from './network.ts';
import { pageRoutes } from './pages.ts';
import { priceHistoryRoutes } from './price-history.ts';
import { scoreRoutes } from './score.ts';
import { systemRoutes } from './system.ts';

export function routeTable(app: AppContext): RouteDefinition[] {
  const sections: [ApiSection, readonly RouteDefinition[]][] = [
    ['Status', healthRoutes(app)],
    ['Live', liveRoutes(app)],
    ['Charts', chartRoutes(app)],
    ['Pages', pageRoutes(app)],
    ['Status', systemRoutes(app)],
    ['Status', metricsRoutes(app)],
    ['Admin', adminRoutes(app)],
    ['Bitcoin node', bitcoinRoutes(app)],
    ['Network', networkRoutes(app)],
    ['Market', marketRoutes(app)],
    ['Mining', miningRoutes(app)],
    ['Health score', scoreRoutes(app)],
    ['Alerts', alertRoutes(app)],
    ['Market', priceHistoryRoutes(app)],
    ['Status', lakeRoutes(app)],
    ['API', docsRoutes(app)],
  ];
  return sections.flatMap(([tag, routes]) => routes.map((r) => ({ ...r, tag })));
}
