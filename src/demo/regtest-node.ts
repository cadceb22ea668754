// A real regtest peer: a bcoin full node in this process, in memory, with its wallet for mining
// and sending. Its JSON-RPC is served on a loopback port, with the API key as the password. Used by
// `satscope demo` and by the tests. bcoin is a development dependency, loaded only when called.
import { createServer } from 'node:net';
import { SatscopeError } from '../errors.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function loadBcoin() {
  try {
    return (await import('bcoin')).default;
  } catch (err) {
    throw new SatscopeError('FEATURE_DISABLED', 'the regtest node needs bcoin, a development dependency: run `npm install` (without --omit=dev)', { cause: err });
  }
}

export interface RegtestNode {
  rpcUrl: string;
  port: number;
  height(): number;
  /** Mines n blocks to the wallet (to a fresh address with `fresh`, so a rival block differs); returns their hashes. */
  mine(n: number, opts?: { fresh?: boolean }): Promise<string[]>;
  /** Marks a block invalid: the chain rewinds to its parent (a reorg starts here). */
  invalidate(hash: string): Promise<void>;
  /** Sends `count` payments to the wallet itself at fee rates spread over minSatVb..maxSatVb. */
  fillMempool(count: number, minSatVb?: number, maxSatVb?: number): Promise<number>;
  mempoolSize(): number;
  stop(): Promise<void>;
}

export async function startRegtestNode(opts: { blocks?: number; port?: number } = {}): Promise<RegtestNode> {
  const bcoin = await loadBcoin();
  bcoin.set('regtest');
  const port = opts.port ?? (await freePort());
  const walletPort = await freePort();
  const apiKey = 'regtest-api-key';
  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: false,
    logLevel: 'none',
    apiKey,
    httpHost: '127.0.0.1',
    httpPort: port,
    walletHttpPort: walletPort,
    plugins: [bcoin.wallet.plugin],
  });
  await node.open();
  await node.connect();
  const wdb = node.require('walletdb').wdb;
  const wallet = await wdb.get('primary');
  const address = async () => (await wallet.receiveAddress()).toString('regtest');
  const mine = async (n: number, opts: { fresh?: boolean } = {}): Promise<string[]> => {
    const hashes: string[] = [];
    // In batches, so the wallet keeps up with the chain.
    for (let left = n; left > 0; left -= 100) {
      const to = opts.fresh ? (await wallet.createReceive()).getAddress().toString('regtest') : await address();
      const reply = (await node.rpc.call({ method: 'generatetoaddress', params: [Math.min(100, left), to] }, false)) as { result: string[] };
      hashes.push(...reply.result);
    }
    await new Promise((r) => setTimeout(r, 50));
    return hashes;
  };
  if (opts.blocks) await mine(opts.blocks);
  return {
    rpcUrl: `http://satscope:${apiKey}@127.0.0.1:${port}/`,
    port,
    height: () => node.chain.height as number,
    mine,
    async fillMempool(count, minSatVb = 1, maxSatVb = 50) {
      // The wallet follows the chain asynchronously: wait until it has seen the tip.
      for (let i = 0; i < 200 && (wdb.state?.height ?? 0) < node.chain.height; i++) await new Promise((r) => setTimeout(r, 20));
      let sent = 0;
      for (let i = 0; i < count; i++) {
        const satVb = minSatVb + ((maxSatVb - minSatVb) * i) / Math.max(1, count - 1);
        let ok = false;
        for (let attempt = 0; attempt < 3 && !ok; attempt++) {
          try {
            await wallet.send({ outputs: [{ address: await address(), value: 10_000 + i }], rate: Math.round(satVb * 1000) });
            ok = true;
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        if (!ok) break; // out of mature coins
        sent++;
      }
      for (let i = 0; i < 100 && node.mempool.map.size < sent; i++) await new Promise((r) => setTimeout(r, 20));
      return sent;
    },
    mempoolSize: () => node.mempool.map.size as number,
    async invalidate(hash) {
      const reply = (await node.rpc.call({ method: 'invalidateblock', params: [hash] }, false)) as { error?: { message: string } | null };
      if (reply.error) throw new Error(`invalidateblock: ${reply.error.message}`);
    },
    async stop() {
      await node.close();
    },
  };
}
