// A reorg on a real bcoin regtest node: the tip block is invalidated (the node rewinds to its
// parent), then a longer rival branch is mined. Satscope follows the node down and back up, marks
// the replaced block orphaned, never duplicates a height, and serves both through the API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRegtestNode, type RegtestNode } from '../helpers/bcoin.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let node: RegtestNode;
let rt: Awaited<ReturnType<typeof testRuntime>>;
const get = async (path: string): Promise<Json> => (await (await fetch(rt.base + path)).json()) as Json;
const tipOf = async () => ((await get('/api/v1/blocks?limit=1')).blocks as Json[])[0];

before(async () => {
  node = await startRegtestNode({ blocks: 110 });
  rt = await testRuntime({ BITCOIN_RPC_URL: node.rpcUrl, BLOCKS_BACKFILL: '10' }, { jobs: 'production' });
});
after(async () => {
  await rt.close();
  await node.stop();
});

test('an invalidated tip is orphaned, the longer rival branch replaces it, and ?orphaned= shows both', async () => {
  const old = await waitFor('block 110', async () => {
    const t = await tipOf();
    return t?.height === 110 ? t : undefined;
  }, 20_000, 200);

  // The node rewinds to 109: Satscope follows it down, with 110 marked orphaned.
  await node.invalidate(old.hash);
  await waitFor('the tip back at 109', async () => ((await tipOf())?.height === 109 ? true : undefined), 20_000, 200);

  // A longer rival branch: 110' and 111'.
  const [rival110, rival111] = await node.mine(2, { fresh: true });
  assert.notEqual(rival110, old.hash, 'the rival block differs');
  const main = await waitFor('the rival branch', async () => {
    const b = (await get('/api/v1/blocks?limit=3')).blocks as Json[];
    return b[0]?.height === 111 ? b : undefined;
  }, 20_000, 200);
  assert.deepEqual(main.map((b) => [b.height, b.hash, b.orphaned]), [[111, rival111, false], [110, rival110, false], [109, main[2]?.hash, false]]);

  const withOrphans = (await get('/api/v1/blocks?limit=10&orphaned=true')).blocks as Json[];
  const at110 = withOrphans.filter((b) => b.height === 110);
  assert.deepEqual(at110.map((b) => [b.hash, b.orphaned]).sort(), [[old.hash, true], [rival110, false]].sort());
  const withoutOrphans = (await get('/api/v1/blocks?limit=10')).blocks as Json[];
  assert.ok(!withoutOrphans.some((b) => b.orphaned), 'orphans only when asked for');
  const heights = withoutOrphans.map((b) => b.height);
  assert.equal(new Set(heights).size, heights.length, 'no height twice on the main chain');

  const byHeight = await get('/api/v1/blocks/110');
  assert.equal(byHeight.block.hash, rival110);
  assert.deepEqual((byHeight.orphanedAtSameHeight as Json[]).map((b) => b.hash), [old.hash]);
  const byHash = await get(`/api/v1/blocks/${old.hash}`);
  assert.equal(byHash.block.orphaned, true);

  const bad = await fetch(`${rt.base}/api/v1/blocks?orphaned=maybe`);
  assert.equal(bad.status, 400);
});
