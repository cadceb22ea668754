// Your Electrum server in front of a real bcoin regtest node (the ElectrumX stand-in of
// test/helpers/electrumx-bcoin.ts), with Satscope's production jobs: every field the server answers
// shows even though some requests fail (bcoin has no fee estimate past 15 blocks), the lag follows
// the node's tip while the server is paused, and every status reports the same verdict.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startRegtestNode, type RegtestNode } from '../helpers/bcoin.ts';
import { ElectrumXOverBcoin } from '../helpers/electrumx-bcoin.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = async (base: string, path: string): Promise<Json> => (await (await fetch(base + path)).json()) as Json;
const ADMIN = 'electrum-test-admin-token-0123456789';
const captured = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/electrum/captured/${name}.json`, import.meta.url), 'utf8')) as Json;

/** One request to an Electrum server; the whole reply line. */
function ask(port: number, method: string, params: unknown[] = []): Promise<Json> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl !== -1) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, nl)) as Json);
      }
    });
    s.on('error', reject);
    s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method, params })}\n`);
  });
}

describe('your Electrum server on a bcoin regtest node', () => {
  let node: RegtestNode;
  let electrumx: ElectrumXOverBcoin;
  let rt: Awaited<ReturnType<typeof testRuntime>>;

  before(async () => {
    node = await startRegtestNode({ blocks: 110 });
    electrumx = await new ElectrumXOverBcoin(node.rpcUrl).start();
    rt = await testRuntime({ BITCOIN_RPC_URL: node.rpcUrl, ELECTRUM_URL: electrumx.url, ADMIN_TOKEN: ADMIN, BLOCKS_BACKFILL: '5' }, { jobs: 'production' });
  });
  after(async () => {
    await rt.close();
    await electrumx.stop();
    await node.stop();
  });

  test('the stand-in answers in the shapes of the real ElectrumX captures', async () => {
    const version = await ask(electrumx.port, 'server.version', ['t', '1.4']);
    assert.deepEqual(version.result, captured('server_version').result);
    const features = await ask(electrumx.port, 'server.features');
    assert.deepEqual(Object.keys(features.result).sort(), Object.keys(captured('server_features').result).sort());
    assert.equal(features.result.genesis_hash, captured('server_features').result.genesis_hash, 'the same regtest genesis as the capture');
    assert.equal((await ask(electrumx.port, 'blockchain.relayfee')).result, captured('blockchain_relayfee').result);
    assert.equal((await ask(electrumx.port, 'blockchain.estimatefee', [2])).result, captured('blockchain_estimatefee').result, 'bcoin gives ElectrumX no estimate');
    assert.deepEqual((await ask(electrumx.port, 'blockchain.no_such_method')).error, captured('error_unknown_method').error);
    const far = await ask(electrumx.port, 'blockchain.estimatefee', [144]);
    assert.equal(far.error?.code, captured('error_unknown_txid').error.code, 'a daemon error, as ElectrumX wraps them');
    assert.match(far.error?.message ?? '', /^daemon error: DaemonError\(/);
  });

  test('within 30 s it shows the server software and relay fee, with the failed estimate null and explained', async () => {
    const reply = await waitFor('the Electrum snapshot', async () => {
      const r = await get(rt.base, '/api/v1/electrum');
      return r.data?.serverSoftware && r.data?.relayFeeSatVb !== null ? r : undefined;
    }, 30_000, 250);
    const d = reply.data as Json;
    assert.equal(d.serverSoftware, 'ElectrumX 1.16.0');
    assert.equal(d.protocol, '1.4');
    assert.equal(d.relayFeeSatVb, 1, '1e-05 BTC/kvB is 1 sat/vB');
    assert.equal(d.banner, 'You are connected to an ElectrumX 1.16.0 server.');
    assert.equal(d.peerCount, 0);
    assert.equal(d.genesisHash, captured('server_features').result.genesis_hash);
    assert.equal(d.estimateSatVb['144'], null);
    assert.match(d.notes['estimate.144'], /the server answered with an error: .*daemon error/);
    assert.equal(d.estimateSatVb['6'], null);
    assert.match(d.notes['estimate.6'], /no estimate/);
    assert.equal(d.state, 'ok');
    assert.equal(d.tipHeight, node.height());
    assert.equal(reply.stale, false);
    // An error answer is the server's word on one field, not a failing source: every status agrees.
    const sources = (await get(rt.base, '/api/v1/sources')).sources as Json[];
    const src = sources.find((s) => s.name === 'electrum') as Json;
    assert.equal(src.state, 'ok');
    assert.equal((await get(rt.base, '/health')).sources.electrum.state, 'ok');
  });

  test('with the server paused and the node one block ahead, the lag reads 1; the job then fails and every status says so', async () => {
    const start = node.height();
    await waitFor('the lag at 0', async () => ((await get(rt.base, '/api/v1/electrum')).data?.tipLagBlocks === 0 ? true : undefined), 15_000, 250);
    electrumx.pause();
    await node.mine(1);
    const reply = await waitFor('the lag at 1', async () => {
      const r = await get(rt.base, '/api/v1/electrum');
      return r.data?.tipLagBlocks === 1 ? r : undefined;
    }, 20_000, 250);
    assert.equal(reply.data.tipHeight, start);
    assert.equal((await get(rt.base, '/api/v1/chain')).data.height, start + 1);
    const html = await (await fetch(`${rt.base}/nodes`)).text();
    assert.match(html, /<dt>Behind your node<\/dt><dd><span class="v" data-f="int" data-v="1">1</);

    // The next run gets no answers: the source turns down everywhere, and the reply is stale with a reason.
    const run = await fetch(`${rt.base}/api/admin/jobs/electrum/run`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(run.status, 202);
    const src = await waitFor('electrum reported down', async () => {
      const s = ((await get(rt.base, '/api/v1/sources')).sources as Json[]).find((x) => x.name === 'electrum') as Json;
      return s.state === 'down' ? s : undefined;
    }, 40_000, 500);
    assert.match(src.lastError.summary, /did not answer in time/);
    const health = await get(rt.base, '/health');
    assert.equal(health.sources.electrum.state, 'down');
    assert.equal(health.status, 'degraded');
    const after = await get(rt.base, '/api/v1/electrum');
    assert.equal(after.stale, true);
    assert.equal(after.data.state, 'down');
    assert.equal(after.data.serverSoftware, 'ElectrumX 1.16.0', 'the last good values stay');
    const jobs = (await get(rt.base, '/api/v1/jobs')).jobs as Json[];
    assert.notEqual((jobs.find((j) => j.name === 'electrum') as Json).lastOutcome, 'ok');
    electrumx.resume();
  });
});
