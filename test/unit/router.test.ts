import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router, safeDecode, type RouteDefinition } from '../../src/server/route.ts';

const route = (method: 'GET' | 'POST', path: string): RouteDefinition => ({ method, path, handle: () => 200 });

function router(): Router {
  const r = new Router();
  r.add(route('GET', '/api/v1/jobs'));
  r.add(route('POST', '/api/admin/jobs/:name/run'));
  r.add(route('GET', '/api/v1/blocks/:id'));
  return r;
}

test('Router.match() finds exact and parameter routes, and tells a wrong method from a missing path', () => {
  const r = router();
  const exact = r.match('GET', '/api/v1/jobs');
  assert.equal(exact.kind === 'route' && exact.def.path, '/api/v1/jobs');
  assert.equal(r.match('HEAD', '/api/v1/jobs').kind, 'route', 'HEAD is served as GET');
  const param = r.match('POST', '/api/admin/jobs/compact-history/run');
  assert.equal(param.kind, 'route');
  assert.deepEqual(param.kind === 'route' && param.params, { name: 'compact-history' });
  assert.deepEqual(r.match('POST', '/api/v1/jobs'), { kind: 'method', allow: ['GET', 'HEAD', 'OPTIONS'] });
  assert.deepEqual(r.match('GET', '/api/admin/jobs/x/run'), { kind: 'method', allow: ['OPTIONS', 'POST'] });
  assert.deepEqual(r.match('DELETE', '/api/v1/blocks/1'), { kind: 'method', allow: ['GET', 'HEAD', 'OPTIONS'] });
  assert.deepEqual(r.match('GET', '/nope'), { kind: 'none' });
});

test('Router.match() answers bad-path for malformed percent-escapes instead of throwing', () => {
  const r = router();
  for (const raw of ['%E0', '%ZZ', '%', '%E0%A4', '%C0', 'a%2']) {
    const m = r.match('GET', `/api/v1/blocks/${raw}`);
    assert.equal(m.kind, 'bad-path', raw);
  }
  assert.equal(r.match('POST', '/api/admin/jobs/%E0/run').kind, 'bad-path');
  const ok = r.match('GET', '/api/v1/blocks/%C3%A9t%C3%A9');
  assert.deepEqual(ok.kind === 'route' && ok.params, { id: 'été' });
});

test('safeDecode() returns undefined for malformed escapes and the text otherwise', () => {
  assert.equal(safeDecode('%E0'), undefined);
  assert.equal(safeDecode('%zz'), undefined);
  assert.equal(safeDecode('a%20b'), 'a b');
  assert.equal(safeDecode(''), '');
});

test('Router.allowed() lists the methods of a path, [] for none', () => {
  const r = router();
  assert.deepEqual(r.allowed('/api/v1/jobs'), ['GET', 'HEAD', 'OPTIONS']);
  assert.deepEqual(r.allowed('/api/admin/jobs/a/run'), ['OPTIONS', 'POST']);
  assert.deepEqual(r.allowed('/nothing'), []);
});
