// The OpenAPI 3.1 description of the route table: made once when the routes are gathered (the
// table does not change while the process runs), served as built at /api/openapi.json and read as
// a page at /docs. Query and body schemas are the routes' own zod schemas as JSON Schema; what a
// schema cannot say (path parameters, replies other than a JSON 200, the errors a handler answers
// itself) comes from each route's `doc`.
import type { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { ERROR_CODES } from '../errors.ts';
import { PreparedResponse } from './responses.ts';
import type { RouteDefinition } from './route.ts';
import { VERSION } from './routes/health.ts';

/** The sections of the API, in the order /docs shows them; each route file's routes go under one (routes/index.ts). */
export const API_SECTIONS = [
  { name: 'Bitcoin node', description: "Your nodes' view: chain, mempool, fees, blocks, nodes, Electrum and recorded series." },
  { name: 'Network', description: 'The public network, from public sources, with your node beside it.' },
  { name: 'Market', description: 'The BTC price (the median of its sources), KPIs, the top coins and the price history.' },
  { name: 'Charts', description: 'Chart series, downsampled for drawing or every point as CSV.' },
  { name: 'Mining', description: 'Your OCEAN pool account: hashrate, workers, earnings, payouts, and the mining settings.' },
  { name: 'Health score', description: 'The network health scorecard, its metrics and their history.' },
  { name: 'Alerts', description: 'What fires and fired, the rules in force, and the notification channels.' },
  { name: 'Live', description: "Live updates for open pages: the event stream, its snapshot, the viewers' heartbeat, this process." },
  { name: 'Status', description: 'Health checks, jobs, sources, the read models, the data lake, and Prometheus metrics.' },
  { name: 'Admin', description: 'Changes that need the admin token (`Authorization: Bearer <ADMIN_TOKEN>`).' },
  { name: 'API', description: 'This description of the API.' },
  { name: 'Pages', description: "The dashboard's HTML pages, the Settings forms, the search box and the browser assets." },
] as const;
export type ApiSection = (typeof API_SECTIONS)[number]['name'];

/** JSON Schema as zod-to-json-schema makes it, with what /docs reads of it. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface MediaType {
  schema?: JsonSchema;
}

export interface Reply {
  description: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

export interface Operation {
  operationId: string;
  summary: string;
  tags: [ApiSection];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, Reply>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }> };
}

/** The document, and its bytes as served (ETag, gzip). */
export interface ApiDescription {
  document: OpenApiDocument;
  response: PreparedResponse;
}

const ERROR_REF: JsonSchema = { $ref: '#/components/schemas/Error' };
const JSON_TYPE = 'application/json';
const BODY_TYPES = { json: JSON_TYPE, form: 'application/x-www-form-urlencoded' } as const;
const PARAM = /:([a-zA-Z]+)/g;

const DESCRIPTION = [
  'Replies are JSON unless an operation says otherwise. State replies have the form `{source, asOf, ageSec, stale, data}`; with nothing to show yet, `data` is null and `reason` says why.',
  'Errors have one shape, `{"error": {"code", "message", "details"}}` (the `Error` schema); a 400 names each bad field in `details`.',
  'Admin endpoints take `Authorization: Bearer <ADMIN_TOKEN>` and answer 404 `FEATURE_DISABLED` when no token is set.',
  'Every address may make `RATE_LIMIT_PER_MIN` requests a minute (429 beyond); `/health`, `/api/health` and the live stream are exempt.',
].join('\n\n');

/** zod → JSON Schema as a request sees it: what goes in (before transforms and pipes), with no `$schema`. */
export function jsonSchemaOf(schema: z.ZodTypeAny): JsonSchema {
  const { $schema: _s, definitions: _d, ...out } = zodToJsonSchema(schema, { target: 'jsonSchema7', $refStrategy: 'none', effectStrategy: 'input', pipeStrategy: 'input' });
  return out as JsonSchema;
}

/** `GET /api/v1/blocks/:id` → `getApiV1BlocksById`; `/` → `getIndex`. */
export function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .flatMap((seg) => (seg.startsWith(':') ? ['by', seg.slice(1)] : seg.split(/[^A-Za-z0-9]+/)))
    .filter(Boolean);
  const camel = (words.length ? words : ['index']).map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
  return method.toLowerCase() + camel;
}

export const openApiPath = (path: string): string => path.replace(PARAM, '{$1}');

function parameters(def: RouteDefinition): Parameter[] {
  const out: Parameter[] = [...def.path.matchAll(PARAM)].map(([, name = '']) => {
    const description = def.doc?.params?.[name];
    return { name, in: 'path', required: true, ...(description ? { description } : {}), schema: { type: 'string' } };
  });
  if (!def.query) return out;
  const query = jsonSchemaOf(def.query);
  if (query.type !== 'object' || !query.properties) throw new Error(`the query of ${def.method} ${def.path} is not an object schema`);
  for (const [name, schema] of Object.entries(query.properties)) {
    const { description, ...rest } = schema;
    out.push({ name, in: 'query', required: query.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
  }
  return out;
}

function requestBody(def: RouteDefinition): Operation['requestBody'] {
  if (!def.body) return undefined;
  // An empty body is read as {}: the body is optional where {} passes the route's schema.
  return { required: !def.body.safeParse({}).success, content: { [BODY_TYPES[def.bodyType ?? 'json']]: { schema: jsonSchemaOf(def.doc?.body ?? def.body) } } };
}

function success(def: RouteDefinition): Record<string, Reply> {
  const reply = def.doc?.reply;
  const types = reply?.types ?? [JSON_TYPE];
  const out: Record<string, Reply> = {};
  for (const [code, description] of Object.entries(reply?.statuses ?? { 200: 'OK' })) {
    const status = Number(code);
    if (status === 204) out[status] = { description };
    else if (status >= 300 && status < 400) out[status] = { description, headers: { location: { description: 'where to go next', schema: { type: 'string' } } } };
    else out[status] = { description, content: Object.fromEntries(types.map((t) => [t, {}])) };
  }
  return out;
}

/** The error replies: the app's own for the route's kind, then the handler's. Pages answer their own errors as pages. */
function errors(def: RouteDefinition): Record<string, Reply> {
  const out: Record<string, { what: string[]; types: Set<string> }> = {};
  const add = (status: number, what: string, type: string) => {
    const e = (out[status] ??= { what: [], types: new Set() });
    e.what.push(what);
    e.types.add(type);
  };
  if (def.query) add(400, 'a query parameter is invalid or unknown', JSON_TYPE);
  if (def.body) add(400, 'the body is invalid', JSON_TYPE);
  if (def.auth === 'admin') {
    add(401, 'no bearer token, or not the admin token', JSON_TYPE);
    add(404, 'admin endpoints are off: ADMIN_TOKEN is not set (FEATURE_DISABLED)', JSON_TYPE);
  }
  if (def.body) {
    add(413, 'the body is larger than 64 KiB', JSON_TYPE);
    add(415, `the body is not ${BODY_TYPES[def.bodyType ?? 'json']}`, JSON_TYPE);
  }
  if (!def.unlimited) add(429, 'too many requests from this address; see Retry-After', JSON_TYPE);
  const pageErrors = def.doc?.reply?.types?.length === 1 && def.doc.reply.types[0] === 'text/html';
  for (const [status, what] of Object.entries(def.doc?.errors ?? {})) add(Number(status), what, pageErrors ? 'text/html' : JSON_TYPE);
  return Object.fromEntries(
    Object.entries(out).map(([status, e]) => [status, { description: e.what.join('; '), content: Object.fromEntries([...e.types].map((t) => [t, t === JSON_TYPE ? { schema: ERROR_REF } : {}])) }]),
  );
}

function operation(def: RouteDefinition): Operation {
  if (!def.summary) throw new Error(`${def.method} ${def.path} has no summary for the API description`);
  const section = API_SECTIONS.find((s) => s.name === def.tag);
  if (!section) throw new Error(`${def.method} ${def.path} is in no section of the API description`);
  const params = parameters(def);
  const body = requestBody(def);
  return {
    operationId: operationId(def.method, def.path),
    summary: def.summary,
    tags: [section.name],
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: { ...success(def), ...errors(def) },
    ...(def.auth === 'admin' ? { security: [{ adminToken: [] }] } : {}),
  };
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'one of the registered error codes' },
        message: { type: 'string', description: 'what went wrong, for people' },
        details: { description: 'more about it: for a 400, `[{"field", "message"}]` for each bad field' },
      },
    },
  },
};

/** The OpenAPI document of these routes, operations in section order. */
export function openApiDocument(routes: readonly RouteDefinition[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const ids = new Set<string>();
  const ordered = [...routes].sort((a, b) => API_SECTIONS.findIndex((s) => s.name === a.tag) - API_SECTIONS.findIndex((s) => s.name === b.tag));
  for (const def of ordered) {
    const op = operation(def);
    if (ids.has(op.operationId)) throw new Error(`two operations named ${op.operationId}`);
    ids.add(op.operationId);
    (paths[openApiPath(def.path)] ??= {})[def.method.toLowerCase()] = op;
  }
  const used = new Set(routes.map((r) => r.tag));
  return {
    openapi: '3.1.0',
    info: { title: 'Satscope', version: VERSION, description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    tags: API_SECTIONS.filter((s) => used.has(s.name)).map((s) => ({ name: s.name, description: s.description })),
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN from the configuration' } },
    },
  };
}

export function apiDescription(routes: readonly RouteDefinition[]): ApiDescription {
  const document = openApiDocument(routes);
  return { document, response: PreparedResponse.json(document) };
}
