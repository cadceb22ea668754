// Every recorded Bitcoin Core reply parses through the production RPC client and node, and every
// error reply gives its typed error. Served by a loopback JSON-RPC server with Core's statuses.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { z } from 'zod';
import { silentLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { readNodeStatus } from '../../src/jobs/node-status.ts';
import { BitcoinNode } from '../../src/sources/bitcoind/node.ts';
import { blockHeaderSchema, chainTxStatsSchema, miningInfoSchema } from '../../src/sources/bitcoind/schemas.ts';
import { SourceTracker } from '../../src/sources/source-tracker.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeRpcServer } from '../helpers/rpc-server.ts';

const store = new MemoryStore();
let rpc: FakeRpcServer;
before(async () => {
  rpc = await new FakeRpcServer().start();
});
after(async () => {
  await rpc.stop();
  await store.close();
});
beforeEach(() => rpc.answers.clear());

function node(url = rpc.url, cookieFile?: string) {
  const metrics = createMetrics();
  const tracker = new SourceTracker({ name: 'main', kind: 'rpc', enabled: true, disabledReason: null, target: null }, { store, metrics, log: silentLogger });
  return { node: new BitcoinNode('main', null, { url, cookieFile, tracker, metrics, timeoutMs: 2000 }), tracker };
}
const F = (name: string) => ({ file: `fixtures/bitcoind/${name}.json` });
const D = (name: string) => ({ file: `fixtures-derived/bitcoind/${name}.json` });

async function code(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; details: unknown };
  }
  assert.fail('expected an error');
}

test('getblockchaininfo parses in the v29, v27 and pruned shapes', async () => {
  const { node: n } = node();
  rpc.answers.set('getblockchaininfo', F('getblockchaininfo'));
  const v29 = await n.blockchainInfo();
  assert.equal(v29.blocks, 952583);
  assert.equal(v29.bits, '17020684');
  assert.deepEqual(v29.warnings, []);
  rpc.answers.set('getblockchaininfo', D('getblockchaininfo_v27'));
  const v27 = await n.blockchainInfo();
  assert.deepEqual(v27.warnings, [], 'an empty warnings string is no warning');
  assert.equal(v27.bits, undefined);
  rpc.answers.set('getblockchaininfo', D('getblockchaininfo_pruned'));
  const pruned = await n.blockchainInfo();
  assert.equal(pruned.pruneheight, 940000);
  assert.deepEqual(pruned.warnings, ['This is a pre-release test build']);
});

test('a block with getblockstats: counts, fees in sats, fee-rate percentiles, subsidy', async () => {
  const { node: n } = node();
  rpc.answers.set('getblockstats', F('getblockstats'));
  rpc.answers.set('getblock', F('getblock_verbosity1'));
  const b = await n.block('000000000000000000000d62f9aceca50f07f2381028645e4b9db8d79938632a');
  assert.equal(b.height, 952583);
  assert.equal(b.txCount, 3817);
  assert.equal(b.totalFeeSats, 2_612_345);
  assert.deepEqual(b.feeRatePercentiles, [1, 1, 1, 2, 4]);
  assert.equal(b.subsidySats, 312_500_000);
  assert.equal(b.rewardSats, 312_500_000 + 2_612_345);
  assert.equal(b.sizeBytes, 1_612_345);
  assert.equal(b.weight, 3_993_118);
  assert.equal(b.previousHash, '00000000000000000005935bdb31b6b0ecd686a6957df5c145337d2f4e9c7430');
  assert.equal(b.pool, null, 'no coinbase script available here: the pool stays unknown');
});

test("a block's transactions for its page: Core's verbosity 2, fees in sats, the coinbase first", async () => {
  const { node: n } = node();
  rpc.answers.set('getblock', D('getblock_verbosity2'));
  const txs = await n.blockTransactions('000000000000000000000d62f9aceca50f07f2381028645e4b9db8d79938632a');
  assert.equal(txs.length, 3);
  assert.deepEqual(txs[0], { txid: txs[0]?.txid, coinbase: true, vsize: 253, feeSats: 0, feeRate: 0, inputs: 1, outputs: 2, outputSats: 315_112_345 });
  assert.deepEqual(
    txs.slice(1).map((t) => [t.coinbase, t.vsize, t.feeSats, t.feeRate, t.inputs, t.outputs, t.outputSats]),
    [
      [false, 141, 282, 2, 1, 2, 1_490_000],
      [false, 374, 3_740, 10, 2, 1, 150_000_000],
    ],
  );
  // A node that gives txids only cannot list them: a clear error, not an empty list.
  rpc.answers.set('getblock', F('getblock_verbosity1'));
  const err = await n.blockTransactions('000000000000000000000d62f9aceca50f07f2381028645e4b9db8d79938632a').then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.match(String(err?.message), /txids only/);
});

test('the mempool: sizes in vB, fees from BTC to sats, ancestor-package fee rates', async () => {
  const { node: n } = node();
  rpc.answers.set('getmempoolinfo', F('getmempoolinfo'));
  rpc.answers.set('getrawmempool', F('getrawmempool_verbose'));
  const { info, txs } = await n.mempool();
  assert.equal(info.size, 25123);
  assert.equal(txs.length, 2);
  const parent = txs.find((t) => t.txid.startsWith('de6e8c93'));
  assert.equal(parent?.vsize, 141);
  assert.equal(parent?.feeSats, 282);
  assert.equal(parent?.ancestorFeeRate, 282 / 141);
});

test('estimatesmartfee: BTC/kvB to sat/vB, and "insufficient data" as no estimate with the reason', async () => {
  const { node: n } = node();
  rpc.answers.set('estimatesmartfee', F('estimatesmartfee_6'));
  assert.deepEqual(await n.feeEstimates([6]), [{ targetBlocks: 6, feeRateSatVb: 2.345, blocksUsed: 6, note: null }]);
  rpc.answers.set('estimatesmartfee', F('estimatesmartfee_6_insufficient_data'));
  assert.deepEqual(await n.feeEstimates([6]), [{ targetBlocks: 6, feeRateSatVb: null, blocksUsed: null, note: 'Insufficient data or no feerate found' }]);
  rpc.answers.set('estimatesmartfee', { body: { result: { fee: -1, blocks: 6 }, error: null, id: 1 } });
  assert.equal((await n.feeEstimates([6]))[0]?.feeRateSatVb, null, 'bcoin-style {fee:-1}');
  rpc.answers.set('estimatesmartfee', { body: { result: { fee: 0.0002, blocks: 2 }, error: null, id: 1 } });
  assert.equal((await n.feeEstimates([2]))[0]?.feeRateSatVb, 20, 'bcoin-style {fee}');
});

test('network, peers, traffic and uptime, with capabilities probed', async () => {
  const { node: n } = node();
  for (const m of ['getnetworkinfo', 'getpeerinfo', 'getnettotals', 'uptime', 'getchaintxstats', 'getmininginfo', 'getindexinfo', 'getdeploymentinfo']) {
    rpc.answers.set(m, F(m === 'getchaintxstats' ? 'getchaintxstats' : m));
  }
  rpc.answers.set('getblockstats', F('getblockstats'));
  const net = await n.network();
  assert.equal(net.info.version, 290000);
  assert.equal(net.peers.length, 2);
  assert.equal(net.totals.timemillis, 1780730885123);
  assert.equal(net.uptime, 1234567);
  assert.deepEqual((await n.capabilities()).missing, []);
});

test('a node without getblockstats and uptime is probed once and the fallbacks are used', async () => {
  const { node: n } = node();
  for (const m of ['getnetworkinfo', 'getpeerinfo', 'getnettotals']) rpc.answers.set(m, F(m));
  const net = await n.network();
  assert.equal(net.uptime, null);
  assert.deepEqual((await n.capabilities()).missing, ['getblockstats', 'uptime', 'getchaintxstats', 'getmininginfo', 'getindexinfo', 'getdeploymentinfo']);
});

test('the other recorded replies parse', async () => {
  const { node: n } = node();
  rpc.answers.set('getblockheader', F('getblockheader'));
  rpc.answers.set('getmininginfo', F('getmininginfo'));
  rpc.answers.set('getchaintxstats', F('getchaintxstats'));
  rpc.answers.set('getindexinfo', F('getindexinfo'));
  rpc.answers.set('getdeploymentinfo', F('getdeploymentinfo'));
  assert.equal((await n.rpc.call('getblockheader', [], blockHeaderSchema)).height, 952583);
  assert.equal((await n.rpc.call('getmininginfo', [], miningInfoSchema)).networkhashps, 9.947636179554595e20);
  assert.ok(((await n.rpc.call('getchaintxstats', [], chainTxStatsSchema)).txrate ?? 0) > 0);
  assert.ok('txindex' in (await n.rpc.call('getindexinfo', [], z.record(z.unknown()))));
  assert.ok('deployments' in (await n.rpc.call('getdeploymentinfo', [], z.record(z.unknown()))));
});

test('every error reply gives its typed error', async () => {
  const { node: n, tracker } = node();
  rpc.answers.set('getblock', F('error_-5_block_not_found'));
  const notFound = await code(n.rpc.call('getblock', ['00'], z.unknown()));
  assert.equal(notFound.code, 'RPC_ERROR');
  assert.deepEqual(notFound.details, { rpcCode: -5 });
  rpc.answers.set('getblockhash', F('error_-8_invalid_parameter'));
  assert.deepEqual((await code(n.blockHash(999_999))).details, { rpcCode: -8 });
  rpc.answers.set('getwhatever', F('error_-32601_method_not_found'));
  assert.equal((await code(n.rpc.call('getwhatever', [], z.unknown()))).code, 'RPC_METHOD_NOT_FOUND');
  rpc.answers.set('getblockchaininfo', D('error_-28_warmup'));
  const warm = await code(n.blockchainInfo());
  assert.equal(warm.code, 'RPC_WARMING_UP');
  assert.match(warm.message, /Verifying blocks…/);
  rpc.answers.set('getblockchaininfo', D('jsonrpc2_error_-28_warmup'));
  assert.match((await code(n.blockchainInfo())).message, /Loading block index…/);
  assert.equal(tracker.snapshot().lastError?.code, 'RPC_WARMING_UP');
  rpc.answers.set('getblockcount', D('jsonrpc2_getblockcount'));
  assert.equal(await n.rpc.call('getblockcount', [], z.number()), 952583);
  rpc.answers.set('getblockcount', { status: 500, raw: '<html>oops' });
  assert.equal((await code(n.rpc.call('getblockcount', [], z.number()))).code, 'UPSTREAM_MALFORMED');
});

test('a wrong password gives RPC_AUTH_FAILED; a cookie file is read, and read again when it changes', async () => {
  const wrong = node(rpc.url.replace(':secret@', ':nope@')).node;
  rpc.answers.set('getblockcount', D('jsonrpc2_getblockcount'));
  const err = await code(wrong.rpc.call('getblockcount', [], z.number()));
  assert.equal(err.code, 'RPC_AUTH_FAILED');
  assert.match(err.message, /authentication failed/);
  const dir = mkdtempSync(join(tmpdir(), 'satscope-cookie-'));
  const cookie = join(dir, '.cookie');
  writeFileSync(cookie, 'user:secret');
  const viaCookie = node(rpc.url.replace('user:secret@', ''), cookie).node;
  assert.equal(await viaCookie.rpc.call('getblockcount', [], z.number()), 952583);
  // The node restarts with a new cookie: the next call fails once, re-reads, and succeeds.
  rpc.password = 'rotated';
  writeFileSync(cookie, 'user:rotated');
  assert.equal(await viaCookie.rpc.call('getblockcount', [], z.number()), 952583);
  rpc.password = 'secret';
});

test('a node warming up shows as "starting" with its message; one refusing the password as "auth-failed"', async () => {
  const { node: n } = node();
  rpc.answers.set('getblockchaininfo', D('error_-28_warmup'));
  const starting = await readNodeStatus(n, undefined, 1000);
  assert.equal(starting.state, 'starting');
  assert.match(starting.message ?? '', /^Your node main is starting up: Verifying blocks…/);
  const wrong = node(rpc.url.replace(':secret@', ':nope@')).node;
  const refused = await readNodeStatus(wrong, undefined, 1000);
  assert.equal(refused.state, 'auth-failed');
  assert.match(refused.message ?? '', /refused the RPC credentials: check the user and password/);
});
