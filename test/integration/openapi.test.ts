// The API description against the real server: /api/openapi.json is a valid OpenAPI 3.1 document
// (checked by an independent validator, which must also reject a broken one), it has every route of
// the app's table and every endpoint of the README's HTTP API table, and /docs shows it as a page
// under the strict CSP with no inline code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { OpenApiDocument } from '../../src/server/openapi.ts';
import { openApiPath } from '../../src/server/openapi.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/server/responses.ts';
import type { RouteDefinition } from '../../src/server/route.ts';
import { testRuntime } from '../helpers/runtime.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** `METHOD /path` of every row of the README's HTTP API table, query strings dropped, `:p` as `{p}`. */
function readmeEndpoints(readme: string): { method: string; path: string }[] {
  const start = readme.indexOf('\n## HTTP API\n');
  assert.ok(start >= 0, 'the README has an HTTP API section');
  const section = readme.slice(start + 1);
  const end = section.indexOf('\n## ', 1);
  const rows = (end === -1 ? section : section.slice(0, end)).split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => {
    // The first cell ends at the first pipe that is not escaped (`json\|csv` stays in it).
    const cell = /^\|((?:[^|\\]|\\.)*)\|/.exec(row)?.[1] ?? '';
    return [...cell.matchAll(/`(GET|POST|PUT|PATCH|DELETE) ([^`\s]+)`/g)].map(([, method = '', target = '']) => ({ method, path: openApiPath(target.split('?')[0] ?? '') }));
  });
}

describe('the API description', () => {
  let rt: Awaited<ReturnType<typeof testRuntime>>;
  let routes: RouteDefinition[] = [];
  let doc: OpenApiDocument;
  let raw = '';
  let etag: string | null = null;

  before(async () => {
    rt = await testRuntime({ ADMIN_TOKEN: 'openapi-test-token-0123456789' }, { role: 'web' });
    routes = rt.app?.routes() ?? [];
    const r = await fetch(`${rt.base}/api/openapi.json`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    etag = r.headers.get('etag');
    raw = await r.text();
    doc = JSON.parse(raw) as OpenApiDocument;
  });
  after(() => rt.close());

  test('openApiDocument() makes a document the OpenAPI 3.1 validator accepts', async () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'Satscope');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
  });

  test('the validator rejects a broken 3.1 document (a test that can fail)', async () => {
    assert.ok(Validator.supportedVersions.has('3.1'));
    // A path parameter must be required in 3.1; `in: body` is OpenAPI 2, not 3.
    const optionalPathParam = structuredClone(doc);
    const withParam = Object.values(optionalPathParam.paths).flatMap((ops) => Object.values(ops)).find((op) => op.parameters?.some((p) => p.in === 'path'));
    const param = withParam?.parameters?.find((p) => p.in === 'path');
    assert.ok(param, 'some operation has a path parameter');
    param.required = false;
    const bodyParam = structuredClone(doc) as unknown as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    (bodyParam.paths['/api/v1/blocks']?.get?.parameters ?? []).push({ name: 'x', in: 'body', schema: {} });
    const noInfo = structuredClone(doc) as Partial<OpenApiDocument>;
    delete noInfo.info;
    for (const broken of [optionalPathParam, bodyParam, noInfo]) {
      const result = await new Validator().validate(broken as unknown as Record<string, unknown>);
      assert.equal(result.valid, false, JSON.stringify(broken).slice(0, 80));
    }
  });

  test('every route of the app is an operation, with a one-line summary and its parameters', () => {
    assert.ok(routes.length >= 40, `only ${routes.length} routes`);
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    assert.equal(ops.length, routes.length, 'one operation per route');
    for (const def of routes) {
      const op = doc.paths[openApiPath(def.path)]?.[def.method.toLowerCase()];
      assert.ok(op, `${def.method} ${def.path} is not in the document`);
      assert.ok(op.summary.length > 0 && op.summary.length <= 100 && !op.summary.includes('\n'), `${def.method} ${def.path}: summary "${op.summary}"`);
      assert.ok(doc.tags.some((t) => t.name === op.tags[0]), `${def.method} ${def.path}: section ${op.tags[0]}`);
      for (const name of [...def.path.matchAll(/:([a-zA-Z]+)/g)].map((m) => m[1])) {
        const p = op.parameters?.find((x) => x.in === 'path' && x.name === name);
        assert.ok(p?.required && p.description, `${def.method} ${def.path}: path parameter ${name} is documented`);
      }
      assert.equal(Boolean(op.requestBody), Boolean(def.body), `${def.method} ${def.path}: request body`);
      if (def.query) assert.ok(op.responses['400'] && op.parameters?.some((p) => p.in === 'query'), `${def.method} ${def.path}: query parameters and 400`);
      if (def.auth === 'admin') assert.ok(op.security?.some((s) => 'adminToken' in s) && op.responses['401'], `${def.method} ${def.path}: bearer token`);
    }
    assert.equal(new Set(ops.map((o) => o.operationId)).size, ops.length, 'operationIds are unique');
  });

  test('the parameters carry their schemas: type, bounds, values, default, required', () => {
    const blocks = doc.paths['/api/v1/blocks']?.get?.parameters ?? [];
    assert.deepEqual(blocks.find((p) => p.name === 'limit'), { name: 'limit', in: 'query', required: false, description: 'at most this many blocks', schema: { type: 'integer', minimum: 1, maximum: 500, default: 10 } });
    assert.deepEqual(blocks.find((p) => p.name === 'orphaned')?.schema.enum, ['true', 'false']);
    const backfill = doc.paths['/api/admin/backfill/btc-closes']?.post;
    assert.equal(backfill?.requestBody?.required, true);
    assert.deepEqual(backfill?.requestBody?.content['application/json']?.schema?.required, ['from']);
    assert.ok(doc.paths['/settings']?.post?.requestBody?.content['application/x-www-form-urlencoded'], 'form bodies say so');
    assert.equal(doc.paths['/api/admin/cache/flush']?.post?.requestBody?.required, false, 'an empty body is {}');
    assert.ok(doc.paths['/health']?.get?.responses['503'], '/health says when it answers 503');
    assert.ok(doc.components.schemas.Error, 'the error envelope');
  });

  test('every endpoint of the README HTTP API table is in the document with that method', () => {
    const endpoints = readmeEndpoints(README);
    assert.ok(endpoints.length >= 45, `only ${endpoints.length} endpoints read from the README`);
    for (const want of ['/api/openapi.json', '/docs', '/api/v1/blocks/{id}', '/api/v1/mining/payouts']) assert.ok(endpoints.some((e) => e.path === want), `README row for ${want}`);
    for (const { method, path } of endpoints) assert.ok(doc.paths[path]?.[method.toLowerCase()], `README's ${method} ${path} is not in /api/openapi.json`);
  });

  test('/api/openapi.json is the same bytes on every request', async () => {
    const again = await fetch(`${rt.base}/api/openapi.json`);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(await again.text(), raw);
    assert.equal(again.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  });

  test('/docs shows every operation under the CSP, with no inline script or style', async () => {
    const r = await fetch(`${rt.base}/docs`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    const html = await r.text();
    for (const [path, ops] of Object.entries(doc.paths)) {
      assert.ok(html.includes(`<code class="docs-path">${path}</code>`), `${path} is on the page`);
      for (const op of Object.values(ops)) assert.ok(html.includes(`id="${op.operationId}"`), `${op.operationId} has an anchor`);
    }
    assert.match(html, /<a href="\/api\/openapi\.json">/);
    assert.match(html, /<link rel="stylesheet" href="\/assets\/app\.[0-9a-f]{12}\.css">/);
    // Scripts only by src, and the page's JSON data block (data, not code); no style attributes or elements.
    for (const [, attrs = '', body = ''] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.ok((/\ssrc="\/assets\//.test(attrs) && body === '') || /type="application\/json"/.test(attrs), `inline script: <script${attrs}>${body.slice(0, 60)}`);
    }
    assert.doesNotMatch(html, /\sstyle=|<style/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    // Parameters and body fields with their constraints, for someone reading it the first time.
    assert.match(html, /<th scope="row"><code>limit<\/code><\/th><td[^>]*>query<\/td><td[^>]*>integer<\/td><td[^>]*>no<\/td><td[^>]*>at most this many blocks; 1 to 500; default <code>10<\/code><\/td>/);
    assert.match(html, /<code>kind: threshold<\/code>/);
  });
});
