// Your Electrum server: version, banner, features, tip (pushed by subscription), fee estimates,
// relay fee, fee histogram and peers, with the tip's lag behind your node.
import { z } from 'zod';
import { btcPerKvbToSatPerVb } from '../domain/bitcoin.ts';
import type { ElectrumSnapshot } from '../domain/snapshots.ts';
import { describeError } from '../errors.ts';
import { publishEvent } from '../events.ts';
import { redactUrl } from '../config.ts';
import { ElectrumClient } from '../sources/electrum/client.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export const ELECTRUM_TARGETS = [1, 3, 6, 144] as const;

function emptySnapshot(target: string): ElectrumSnapshot {
  return {
    target, state: 'connecting', message: null, checkedAtMs: Date.now(), lastOkAtMs: null, serverSoftware: null, protocol: null, banner: null, genesisHash: null,
    tipHeight: null, tipLagBlocks: null, relayFeeSatVb: null, estimateSatVb: {}, histogram: [], peerCount: null,
  };
}

export function electrumJob(deps: JobDeps, url: string): JobDefinition {
  const target = redactUrl(url) ?? url;
  const tracker = deps.sources.tracker('electrum');
  if (!tracker) throw new Error('the electrum source is not in the catalog');
  let snapshot = emptySnapshot(target);
  const save = async () => {
    const chain = await deps.store.get(keys.chain).catch(() => undefined);
    snapshot.tipLagBlocks = chain && snapshot.tipHeight !== null ? chain.height - snapshot.tipHeight : null;
    await deps.store.set(keys.electrum, snapshot);
  };
  const client = new ElectrumClient({
    url,
    tracker,
    log: deps.log.child({ source: 'electrum' }),
    tlsVerify: deps.config.electrumTlsVerify,
    onHeader: (h) => {
      const changed = snapshot.tipHeight !== h.height;
      snapshot = { ...snapshot, tipHeight: h.height, checkedAtMs: Date.now() };
      save().catch((err: unknown) => deps.log.warn('electrum state not saved', { err }));
      if (changed) publishEvent(deps.store, 'electrum', { tipHeight: h.height }).catch(() => undefined);
    },
    onState: (state, message) => {
      snapshot = { ...snapshot, state, message, checkedAtMs: Date.now() };
      save().catch(() => undefined);
    },
  });
  return {
    name: 'electrum',
    intervalMs: 30_000,
    timeoutMs: 20_000,
    lockTtlMs: 30_000,
    cooldownMs: 2_000,
    async run() {
      try {
        await client.start();
        const num = z.number();
        const [features, banner, relay, histogram, peers, ...estimates] = await Promise.all([
          client.request('server.features', [], z.object({ genesis_hash: z.string(), server_version: z.string() }).passthrough()),
          client.request('server.banner', [], z.string()),
          client.request('blockchain.relayfee', [], num).catch(() => null), // removed in protocol 1.6
          client.request('mempool.get_fee_histogram', [], z.array(z.tuple([num, num]))),
          client.request('server.peers.subscribe', [], z.array(z.unknown())),
          ...ELECTRUM_TARGETS.map((t) => client.request('blockchain.estimatefee', [t], num)),
        ]);
        snapshot = {
          ...snapshot,
          state: 'ok',
          message: null,
          checkedAtMs: Date.now(),
          lastOkAtMs: Date.now(),
          serverSoftware: client.serverVersion?.[0] ?? features.server_version,
          protocol: client.serverVersion?.[1] ?? null,
          banner: banner.slice(0, 2000),
          genesisHash: features.genesis_hash,
          tipHeight: client.tip?.height ?? snapshot.tipHeight,
          relayFeeSatVb: relay === null ? null : btcPerKvbToSatPerVb(relay),
          // -1 means the server has no estimate for that target.
          estimateSatVb: Object.fromEntries(ELECTRUM_TARGETS.map((t, i) => [String(t), (estimates[i] ?? -1) < 0 ? null : btcPerKvbToSatPerVb(estimates[i] as number)])),
          histogram: histogram.map(([feeRate, vsize]) => ({ feeRate, vsize })),
          peerCount: peers.length,
        };
        await save();
      } catch (err) {
        snapshot = { ...snapshot, state: client.state === 'ok' ? 'ok' : 'down', message: describeError(err), checkedAtMs: Date.now() };
        await save();
        throw err;
      }
    },
    dispose: () => client.close(),
  };
}
