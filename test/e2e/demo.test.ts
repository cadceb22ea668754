// `satscope demo`: a regtest node that keeps mining and sending, recorded market data on loopback,
// every page labelled DEMO, and the dashboard filled and live without any network.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDemo, type Demo } from '../../src/demo/index.ts';
import { silentLogger } from '../../src/log.ts';
import { freePort, waitFor } from '../helpers/ports.ts';

let demo: Demo;
let base: string;

before(async () => {
  const port = await freePort();
  demo = await startDemo({
    log: silentLogger,
    initialBlocks: 110,
    blockEveryMs: 2_000,
    txEveryMs: 500,
    env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'satscope-demo-')) },
  });
  base = `http://127.0.0.1:${port}`;
});
after(async () => demo?.close());

test('every page says DEMO and the Overview fills from the regtest node and the recorded market', async () => {
  for (const path of ['/', '/market', '/blocks', '/nodes', '/status', '/settings', '/boot']) {
    const html = await (await fetch(base + path)).text();
    assert.match(html, /<title>DEMO · /, path);
    assert.match(html, /class="demo-banner"[^>]*><strong>DEMO<\/strong>/, path);
  }
  const html = await waitFor('filled overview', async () => {
    const h = await (await fetch(`${base}/`)).text();
    return /data-k="chain\.height" data-f="int" data-v="1\d\d"/.test(h) && /data-k="mempool\.txCount" data-f="int" data-v="[1-9]/.test(h) && /\$60,823/.test(h) ? h : undefined;
  }, 30_000, 250);
  assert.match(html, /regtest/);
  const status = (await (await fetch(`${base}/api/v1/status`)).json()) as { demo: boolean };
  assert.equal(status.demo, true);
});

test('the demo keeps mining: the tip moves and the mempool refills', async () => {
  const height = async () => ((await (await fetch(`${base}/api/v1/chain`)).json()) as { data: { height: number } | null }).data?.height ?? 0;
  const first = await waitFor('a height', async () => (await height()) || undefined, 20_000);
  await waitFor('a newer tip', async () => ((await height()) > first ? true : undefined), 20_000, 250);
  const blocks = (await (await fetch(`${base}/api/v1/blocks?limit=5`)).json()) as { blocks: { txCount: number }[] };
  assert.ok(blocks.blocks.some((b) => b.txCount > 1), 'blocks carry the demo payments');
});
