// The API description as OpenAPI 3.1 JSON, built once with the route table (app.ts) and served as
// those bytes; /docs (routes/pages.ts) shows the same document as a page.
import type { AppContext } from '../app.ts';
import { defineRoute } from '../route.ts';

export function docsRoutes(app: AppContext) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      handle: ({ req, res }) => app.api().response.send(req, res),
    }),
  ];
}
