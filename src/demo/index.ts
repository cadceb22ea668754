// `satscope demo`: a working dashboard with no internet and no setup. A bcoin regtest node in this
// process keeps mining and sending transactions, a loopback server replays the recorded market and
// network replies, and Satscope runs against both with its own data folder. Every page says DEMO.
import { join } from 'node:path';
import { loadConfig, readEnvironment } from '../config.ts';
import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { startRuntime, type Runtime } from '../main.ts';
import { startRegtestNode, type RegtestNode } from './regtest-node.ts';
import { DEMO_OCEAN_ADDRESS, startReplayServer, type ReplayServer } from './replay-server.ts';

export interface DemoOptions {
  /** Blocks mined before the dashboard starts (coinbases mature after 100). */
  initialBlocks?: number;
  blockEveryMs?: number;
  txEveryMs?: number;
  env?: Record<string, string | undefined>;
  log: Logger;
}

export interface Demo {
  runtime: Runtime;
  node: RegtestNode;
  replay: ReplayServer;
  close(): Promise<void>;
}

/** Mines a block now and then and sends a few payments in between, at assorted fee rates. */
function keepBusy(node: RegtestNode, o: Required<Pick<DemoOptions, 'blockEveryMs' | 'txEveryMs'>>, log: Logger): () => Promise<void> {
  let stopped = false;
  let busy: Promise<unknown> = Promise.resolve();
  const run = (what: string, fn: () => Promise<unknown>) => {
    busy = busy.then(fn).catch((err: unknown) => log.warn(`demo ${what} failed`, { err: describeError(err) }));
  };
  const mineTimer = setInterval(() => run('mining', () => node.mine(1)), o.blockEveryMs);
  const txTimer = setInterval(() => {
    if (stopped) return;
    const low = 1 + Math.floor(Math.random() * 5);
    run('payment', () => node.fillMempool(1 + Math.floor(Math.random() * 3), low, low + Math.floor(Math.random() * 60)));
  }, o.txEveryMs);
  return async () => {
    stopped = true;
    clearInterval(mineTimer);
    clearInterval(txTimer);
    await busy;
  };
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const { log } = o;
  log.info('demo: starting a regtest node and the recorded market data');
  const replay = await startReplayServer();
  let node: RegtestNode | undefined;
  try {
    node = await startRegtestNode({ blocks: o.initialBlocks ?? 200 });
    await node.fillMempool(40, 1, 80);
    const env = o.env ?? readEnvironment();
    const config = loadConfig({
      ...env,
      ...replay.env,
      BITCOIN_RPC_URL: node.rpcUrl,
      BITCOIN_RPC_COOKIE: undefined,
      NODE2_RPC_URL: undefined,
      NODE3_RPC_URL: undefined,
      ELECTRUM_URL: undefined,
      // The recorded OCEAN account, so the Mining and Workers pages have something to show.
      OCEAN_ADDRESS: env.OCEAN_ADDRESS ?? DEMO_OCEAN_ADDRESS,
      REDIS_URL: undefined,
      DATABASE_URL: undefined,
      // Demo history is kept apart from a real installation's.
      DATA_DIR: join(env.DATA_DIR ?? './data', 'demo'),
    });
    const runtime = await startRuntime({ role: 'start', config, log, demo: true });
    const stopActivity = keepBusy(node, { blockEveryMs: o.blockEveryMs ?? 30_000, txEveryMs: o.txEveryMs ?? 4_000 }, log);
    const started = node;
    log.info('demo: ready', { url: runtime.url, height: started.height() });
    return {
      runtime,
      node: started,
      replay,
      close: async () => {
        await stopActivity();
        await runtime.close();
        await started.stop();
        await replay.close();
      },
    };
  } catch (err) {
    await node?.stop().catch(() => undefined);
    await replay.close();
    throw err;
  }
}
