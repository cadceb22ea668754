// Satscope against real regtest peers (bcoin): tip, blocks, mempool, fees, peers; a new block
// within 5 s; a second node at another height reported as disagreeing; failover when main stops.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { BusEvent } from '../../src/store/keys.ts';
import { keys } from '../../src/store/keys.ts';
import { requestJobRun } from '../../src/job-status.ts';
import { startRegtestNode, type RegtestNode } from '../helpers/bcoin.ts';
import { freePort, waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';
import { requireService, which } from '../helpers/services.ts';

type Json = Record<string, unknown>;
const get = async (base: string, path: string): Promise<Json> => (await (await fetch(base + path)).json()) as Json;

describe('with a regtest node as main and another as node2', () => {
  let main: RegtestNode;
  let node2: RegtestNode;
  let rt: Awaited<ReturnType<typeof testRuntime>>;
  const events: BusEvent[] = [];

  before(async () => {
    main = await startRegtestNode({ blocks: 520 });
    node2 = await startRegtestNode({ blocks: 300 });
    assert.ok((await main.fillMempool(30, 2, 60)) >= 20, 'mempool filled');
    rt = await testRuntime({ BITCOIN_RPC_URL: main.rpcUrl, NODE2_RPC_URL: node2.rpcUrl, BLOCKS_BACKFILL: '20' }, { jobs: 'production' });
    await rt.store.subscribe(keys.events, (e) => events.push(e));
  });
  after(async () => {
    await rt.close();
    await node2.stop();
    await main.stop().catch(() => undefined);
  });

  test('within 15 s it shows the tip, recent blocks with stats, the mempool with a histogram, fees and nodes', async () => {
    const chain = await waitFor('chain', async () => {
      const c = await get(rt.base, '/api/v1/chain');
      return (c.data as Json | null)?.height === 520 ? c : undefined;
    }, 15_000);
    assert.equal(chain.source, 'main');
    assert.equal(chain.stale, false);
    const c = chain.data as Json;
    assert.equal(c.chain, 'regtest');
    assert.equal(c.bits, '207fffff', 'from the header, where bcoin gives a number');
    assert.equal((c.halving as Json).nextHeight, 600, 'regtest halves every 150 blocks');
    // 520 blocks: 150 each of 50, 25 and 12.5 BTC, and 70 of 6.25.
    assert.equal(c.supplySats, (150 * 50 + 150 * 25 + 150 * 12.5 + 70 * 6.25) * 1e8);
    assert.equal(c.retarget, null, 'regtest has no difficulty adjustment');
    assert.ok((c.supplySats as number) > 0);

    const blocks = await waitFor('blocks', async () => {
      const b = (await get(rt.base, '/api/v1/blocks?limit=20')).blocks as Json[];
      return b.length === 20 ? b : undefined;
    }, 15_000);
    assert.deepEqual(blocks.map((b) => b.height), Array.from({ length: 20 }, (_, i) => 520 - i));
    const tip = blocks[0] as Json;
    assert.equal(tip.txCount, 1);
    assert.ok((tip.sizeBytes as number) > 0 && (tip.weight as number) > 0);
    assert.equal(tip.subsidySats, 625_000_000, 'regtest halves every 150 blocks: 6.25 BTC at 520');
    assert.equal(tip.rewardSats, 625_000_000);
    assert.equal(tip.totalFeeSats, 0);
    assert.ok(typeof tip.intervalSec === 'number');
    assert.equal(tip.pool, 'bcoin (regtest)');

    const mempool = await waitFor('mempool', async () => {
      const m = await get(rt.base, '/api/v1/mempool');
      return ((m.data as Json | null)?.txCount as number) >= 20 ? (m.data as Json) : undefined;
    }, 15_000);
    assert.ok((mempool.histogram as Json[]).length > 1, 'several fee buckets');
    assert.ok((mempool.projectedBlocks as Json[]).length >= 1);
    assert.ok((mempool.totalFeeSats as number) > 0);

    const fees = (await get(rt.base, '/api/v1/fees')).data as Json;
    const estimates = fees.estimates as Json[];
    assert.deepEqual(estimates.map((e) => e.targetBlocks), [1, 3, 6, 144]);
    // A fresh regtest node has no estimates: said, not invented.
    for (const e of estimates) assert.ok(e.feeRateSatVb === null ? typeof e.note === 'string' : (e.feeRateSatVb as number) > 0);
    assert.ok((fees.nextBlockMedianSatVb as number) >= 2);
  });

  test('nodes are shown side by side and node2 at another height is reported as disagreeing', async () => {
    await requestJobRun(rt.store, rt.jobs, 'node-status');
    const body = await waitFor('node status', async () => {
      const n = await get(rt.base, '/api/v1/nodes');
      const nodes = n.nodes as Json[];
      return nodes.every((x) => x.state === 'ok') ? n : undefined;
    }, 15_000);
    const [m, n2] = body.nodes as Json[];
    assert.equal(m?.height, 520);
    assert.equal(n2?.height, 300);
    assert.match(String(m?.subversion), /bcoin/);
    assert.deepEqual(m?.peers, { total: 0, inbound: 0, outbound: 0 });
    assert.equal(typeof m?.bytesRecv, 'number');
    assert.ok((m?.missingMethods as string[]).includes('getblockstats'), 'the fallback is in use and reported');
    const agreement = body.agreement as Json;
    assert.equal(agreement.agree, false);
    assert.match(String(agreement.detail), /node2 is at 300, 220 blocks behind main/);
  });

  test('a newly mined block appears in /api/v1/blocks and as a bus event within 5 s', async () => {
    await waitFor('backfill done', async () => (((await get(rt.base, '/api/v1/blocks?limit=1')).blocks as Json[])[0]?.height === 520 ? true : undefined), 15_000);
    const pending = main.mempoolSize();
    const [hash] = await main.mine(1);
    const started = Date.now();
    const block = await waitFor('new block', async () => {
      const b = ((await get(rt.base, '/api/v1/blocks?limit=1')).blocks as Json[])[0];
      return b?.hash === hash ? b : undefined;
    }, 5_000, 100);
    assert.ok(Date.now() - started <= 5_000);
    assert.equal(block.height, 521);
    assert.equal(block.txCount, pending + 1, 'the mempool was mined');
    assert.ok((block.totalFeeSats as number) > 0, 'fees from the coinbase beyond the subsidy');
    const event = await waitFor('block event', async () => events.find((e) => e.type === 'block' && (e.data as Json).hash === hash), 5_000, 50);
    assert.equal((event.data as Json).height, 521);
    const byHeight = await get(rt.base, '/api/v1/blocks/521');
    assert.equal((byHeight.block as Json).hash, hash);
    const byHash = await get(rt.base, `/api/v1/blocks/${hash}`);
    assert.equal((byHash.block as Json).height, 521);
    assert.equal((await fetch(`${rt.base}/api/v1/blocks/${'0'.repeat(64)}`)).status, 404);
    assert.equal((await fetch(`${rt.base}/api/v1/blocks/nope`)).status, 400);

    // The block's page lists its transactions from the node, 25 a page, the coinbase first.
    const pageHtml = async (q = '') => (await fetch(`${rt.base}/blocks/${hash}${q}`, { headers: { accept: 'text/html' } })).text();
    const first = await pageHtml();
    const rows = [...first.matchAll(/<tr><th scope="row"><span class="v" data-f="int" data-v="(\d+)">/g)].map((m) => Number(m[1]));
    const count = block.txCount as number;
    assert.deepEqual(rows, Array.from({ length: Math.min(25, count) }, (_, i) => i), 'numbered from the coinbase');
    assert.match(first, /<code class="txid" title="([0-9a-f]{64})">[0-9a-f]{12}…[0-9a-f]{6}<\/code> <button type="button" class="copy small" data-copy-text="\1"[^>]*>Copy<\/button> <span class="tag">coinbase<\/span>/);
    const shownText = count > 25 ? ', 1–25 shown' : '';
    assert.match(first, new RegExp(`data-v="${count}">${count}</span> transactions${shownText}\\.`));
    assert.match(first, /does not report each transaction's fee/, 'bcoin gives no per-transaction fee: said, not guessed');
    const second = await pageHtml('?page=2');
    if (count > 25) {
      assert.match(second, /<tr><th scope="row"><span class="v" data-f="int" data-v="25">/, 'page 2 starts at #25');
      assert.match(second, new RegExp(`page 2 of ${Math.ceil(count / 25)}`));
    } else assert.match(second, /There is no page 2/);
    assert.match(await pageHtml('?page=9999999'), /There is no such page/);
    assert.match(await pageHtml('?page=701'), /There is no such page/, 'past the most pages a block can have: one view for all such numbers');
    assert.match(await pageHtml('?page=-1&page=x'), new RegExp(`</span> transactions${shownText}\\.`), 'a bad page number is page 1');
  });

  test('/metrics exports the Bitcoin values, as valid exposition', async (t) => {
    const text = await (await fetch(`${rt.base}/metrics`)).text();
    assert.match(text, /satscope_bitcoin_block_height\{source="main"\} 52\d/);
    assert.match(text, /satscope_bitcoin_mempool_transactions \d+/);
    assert.match(text, /satscope_bitcoin_node_block_height\{node="node2"\} 300/);
    if (!requireService(t, 'promtool', which('promtool') !== undefined)) return;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  test('when main stops, chain data fails over to node2', async () => {
    const lastGood = ((await get(rt.base, '/api/v1/nodes')).nodes as Json[])[0]?.height;
    assert.ok(Number.isInteger(lastGood) && (lastGood as number) >= 520);
    await main.stop();
    const chain = await waitFor('failover', async () => {
      const c = await get(rt.base, '/api/v1/chain');
      return c.source === 'node2' ? c : undefined;
    }, 20_000, 200);
    assert.equal((chain.data as Json).height, 300);
    await requestJobRun(rt.store, rt.jobs, 'node-status');
    const nodes = await waitFor('main down', async () => {
      const n = (await get(rt.base, '/api/v1/nodes')).nodes as Json[];
      return n[0]?.state === 'down' ? n : undefined;
    }, 15_000);
    assert.match(String(nodes[0]?.message), /^Can't reach your node main: (the connection was refused|it dropped the connection)/, 'the cause, in words');
    assert.equal(nodes[0]?.height, lastGood, 'the last good values stay');
  });
});

test('a wrong password shows "authentication failed" for that node, and a node that is down comes back by itself', async () => {
  const port = await freePort();
  const rt = await testRuntime({ BITCOIN_RPC_URL: `http://satscope:wrong-password@127.0.0.1:${port}/`, NODE2_RPC_URL: `http://satscope:regtest-api-key@127.0.0.1:${port}/` }, { jobs: 'production' });
  let node: RegtestNode | undefined;
  try {
    await requestJobRun(rt.store, rt.jobs, 'node-status');
    const down = await waitFor('down', async () => {
      const n = (await get(rt.base, '/api/v1/nodes')).nodes as Json[];
      return n[1]?.state === 'down' ? n : undefined;
    }, 15_000);
    assert.equal(down[1]?.state, 'down');
    node = await startRegtestNode({ blocks: 5, port });
    let seen: Json[] = [];
    const back = await waitFor('back', async () => {
      // The breakers opened while nothing listened; ask for fresh checks until they have closed.
      await requestJobRun(rt.store, rt.jobs, 'node-status');
      const n = (await get(rt.base, '/api/v1/nodes')).nodes as Json[];
      seen = n;
      return n[1]?.state === 'ok' && n[0]?.state === 'auth-failed' ? n : undefined;
    }, 20_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${JSON.stringify(seen.map((x) => [x.id, x.state, x.message]))}`);
    });
    assert.match(String(back[0]?.message), /^Your node main refused the RPC credentials: check the user and password/);
    assert.equal(back[1]?.height, 5);
    const health = await get(rt.base, '/health');
    // The node-status check is one part and it failed: no data comes from main, so it is down.
    assert.equal((health.sources as Json).main && ((health.sources as Json).main as Json).state, 'down');
    assert.match(String((((health.sources as Json).main as Json).lastError as Json).summary), /refused the RPC credentials/);
    assert.equal(health.status, 'degraded');
    assert.ok(!JSON.stringify(await get(rt.base, '/api/v1/nodes')).includes('wrong-password'), 'no password on the page');
  } finally {
    await rt.close();
    await node?.stop();
  }
});

test('with no node configured, the node endpoints say how to configure one', async () => {
  const rt = await testRuntime({}, { jobs: 'production' });
  try {
    for (const path of ['/api/v1/chain', '/api/v1/mempool', '/api/v1/fees']) {
      const r = await fetch(rt.base + path);
      assert.equal(r.status, 200);
      const body = (await r.json()) as Json;
      assert.equal(body.data, null);
      assert.match(String(body.reason), /BITCOIN_RPC_URL/);
    }
    assert.match(String((await get(rt.base, '/api/v1/nodes')).reason), /BITCOIN_RPC_URL/);
    assert.deepEqual((await get(rt.base, '/api/v1/blocks')).blocks, []);
    assert.deepEqual(rt.jobs.map((j) => j.name), ['compact-history', 'alerts'], 'no node jobs run without a node (alerts stay for your own rules)');
  } finally {
    await rt.close();
  }
});
