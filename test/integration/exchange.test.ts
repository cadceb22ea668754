// The upstream clients' HTTP exchange (node:http in place of fetch): what fetch did for them, done
// against a real loopback server — encodings decoded, redirects followed, a size limit that stops
// reading, and an abort that ends the request with the signal's reason.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { exchange } from '../../src/sources/http/exchange.ts';

const BODY = JSON.stringify({ hello: 'world', list: Array.from({ length: 200 }, (_, i) => i) });
let server: Server;
let base: string;
let other: Server;
let otherBase: string;
const otherSeen: Record<string, string | string[] | undefined>[] = [];
const seen: { url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      const send = (encoding: string | undefined, bytes: Buffer) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) });
        res.end(bytes);
      };
      switch (req.url) {
        case '/gzip':
          return send('gzip', gzipSync(BODY));
        case '/br':
          return send('br', brotliCompressSync(BODY));
        case '/deflate':
          return send('deflate', deflateSync(BODY));
        case '/plain':
          return send(undefined, Buffer.from(BODY));
        case '/echo':
          return send(undefined, Buffer.from(JSON.stringify({ method: req.method, body })));
        case '/moved':
          res.writeHead(302, { location: '/plain' });
          return res.end();
        case '/temp-post':
          res.writeHead(307, { location: '/echo' });
          return res.end();
        case '/found-post':
          res.writeHead(302, { location: '/echo' });
          return res.end();
        case '/bad-location':
          res.writeHead(302, { location: 'http://[::1' });
          return res.end();
        case '/file-location':
          res.writeHead(302, { location: 'file:///etc/passwd' });
          return res.end();
        case '/other-origin':
          res.writeHead(302, { location: `${otherBase}/plain` });
          return res.end();
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          return res.end();
        case '/slow-body':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"partial":');
          return; // never ends
        default:
          res.writeHead(404);
          res.end('no such thing');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = createServer((req, res) => {
    otherSeen.push(req.headers);
    res.end(BODY);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});

after(async () => {
  other.closeAllConnections();
  await new Promise((resolve) => other.close(resolve));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, signal = AbortSignal.timeout(5000)) => exchange(base + path, { method: 'GET', headers: {}, signal });

test('gzip, brotli and deflate replies are decoded; the request offers them', async () => {
  for (const path of ['/gzip', '/br', '/deflate', '/plain']) {
    const res = await get(path);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.read(1 << 20), { text: BODY, cut: false }, path);
  }
  assert.match(String(seen.find((s) => s.url === '/gzip')?.headers['accept-encoding']), /gzip/);
});

test('a GET follows redirects, and gives up on a loop with the last 3xx', async () => {
  const res = await get('/moved');
  assert.equal(res.status, 200);
  assert.equal((await res.read(1 << 20)).text, BODY);
  const loop = await get('/loop');
  assert.equal(loop.status, 302);
  loop.discard();
});

test('a 307 resends a POST with its body; a 302 answers a POST as is; bad locations are refused', async () => {
  const post = (path: string) => exchange(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}', signal: AbortSignal.timeout(5000) });
  const resent = await post('/temp-post');
  assert.deepEqual(JSON.parse((await resent.read(4096)).text), { method: 'POST', body: '{"x":1}' });
  const found = await post('/found-post');
  assert.equal(found.status, 302, 'a POST is not turned into a GET');
  found.discard();
  await assert.rejects(get('/bad-location'), /invalid location/);
  await assert.rejects(get('/file-location'), /unsupported protocol file:/);
});

test('credentials are not carried to another origin', async () => {
  const res = await exchange(`${base}/other-origin`, { method: 'GET', headers: { authorization: 'Basic c2VjcmV0', 'x-cg-demo-api-key': 'k-123', accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
  assert.equal((await res.read(1 << 20)).text, BODY);
  const h = otherSeen.at(-1) ?? {};
  assert.equal(h.authorization, undefined);
  assert.equal(h['x-cg-demo-api-key'], undefined);
  assert.equal(h.accept, 'application/json', 'other headers go along');
});

test('a POST sends its body with its length', async () => {
  const res = await exchange(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":"é"}', signal: AbortSignal.timeout(5000) });
  assert.deepEqual(JSON.parse((await res.read(4096)).text), { method: 'POST', body: '{"a":"é"}' });
  assert.equal(seen.at(-1)?.headers['content-length'], String(Buffer.byteLength('{"a":"é"}')));
});

test('read() stops at the limit, decoded bytes counted, and says the reply was cut', async () => {
  const res = await get('/gzip');
  const { text, cut } = await res.read(100);
  assert.equal(cut, true);
  assert.equal(text, BODY.slice(0, 100));
});

test('an abort while the body arrives rejects with the signal’s reason; a refused connection with its code', async () => {
  const ctl = new AbortController();
  const res = await get('/slow-body', ctl.signal);
  const reading = res.read(1 << 20);
  const reason = new Error('stop now');
  ctl.abort(reason);
  await assert.rejects(reading, (e) => e === reason);
  await assert.rejects(get('/plain', AbortSignal.abort()), (e: { name?: string }) => e.name === 'AbortError');
  await assert.rejects(exchange('http://127.0.0.1:1/', { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) }), (e: { code?: string }) => e.code === 'ECONNREFUSED');
});
