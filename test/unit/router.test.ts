import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router, type RouteDefinition } from '../../src/server/route.ts';

const route = (method: 'GET' | 'POST', path: string): RouteDefinition => ({ method, path, handle: () => 200 });

test('Router.match() finds exact and parameter routes, and tells a wrong method from a missing path', () => {
  const r = new Router();
  r.add(route('GET', '/api/v1/jobs'));
  r.add(route('POST', '/api/admin/jobs/:name/run'));
  const exact = r.match('GET', '/api/v1/jobs');
  assert.ok(exact && exact !== 'method' && exact.def.path === '/api/v1/jobs');
  assert.ok(r.match('HEAD', '/api/v1/jobs') !== undefined, 'HEAD is served as GET');
  const param = r.match('POST', '/api/admin/jobs/compact-history/run');
  assert.ok(param && param !== 'method');
  assert.deepEqual(param.params, { name: 'compact-history' });
  assert.equal(r.match('POST', '/api/v1/jobs'), 'method');
  assert.equal(r.match('GET', '/api/admin/jobs/x/run'), 'method');
  assert.equal(r.match('GET', '/nope'), undefined);
});
