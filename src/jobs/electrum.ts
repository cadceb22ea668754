// Your Electrum server: version, banner, features, tip (pushed by subscription), fee estimates,
// relay fee, fee histogram and peers, with the tip's lag behind your node. Each request stands
// alone: an error answer (bcoin behind ElectrumX has no estimate past 15 blocks) leaves that field
// null with its reason and the rest shows; only requests that get no answer count as failures.
import { z } from 'zod';
import { btcPerKvbToSatPerVb } from '../domain/bitcoin.ts';
import { withElectrumLag, type ElectrumSnapshot } from '../domain/snapshots.ts';
import { isSatscopeError } from '../errors.ts';
import { publishEvent } from '../events.ts';
import { currentSettings } from '../mining-settings.ts';
import { redactUrl } from '../config.ts';
import { ElectrumClient } from '../sources/electrum/client.ts';
import { electrumScripthash } from '../domain/address.ts';
import { explainError, rootFailure } from '../sources/explain.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export const ELECTRUM_TARGETS = [1, 3, 6, 144] as const;

function emptySnapshot(target: string): ElectrumSnapshot {
  return {
    target, state: 'connecting', message: null, checkedAtMs: Date.now(), lastOkAtMs: null, serverSoftware: null, protocol: null, banner: null, genesisHash: null,
    tipHeight: null, tipLagBlocks: null, relayFeeSatVb: null, estimateSatVb: {}, histogram: [], peerCount: null, notes: {},
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

export function electrumJob(deps: JobDeps, url: string): JobDefinition {
  const target = redactUrl(url) ?? url;
  const tracker = deps.sources.tracker('electrum');
  if (!tracker) throw new Error('the electrum source is not in the catalog');
  let snapshot = emptySnapshot(target);
  const save = async () => {
    const chain = await deps.store.get(keys.chain).catch(() => undefined);
    snapshot = withElectrumLag(snapshot, chain?.height ?? null);
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
    cooldownMs: 2_000,
    async run() {
      try {
        await client.start();
      } catch (err) {
        tracker.settle('electrum', 1, [err]);
        snapshot = { ...snapshot, state: 'down', message: explainError(err, 'electrum').summary, checkedAtMs: Date.now() };
        await save();
        throw err;
      }
      const num = z.number();
      // Your OCEAN payout address's balance, by its script hash, when one is set.
      const payoutAddress = currentSettings(await deps.store.get(keys.miningSettings).catch(() => undefined), deps.config).address;
      const payoutHash = payoutAddress ? electrumScripthash(payoutAddress) : null;
      const balanceAsked = payoutHash ? settle(client.request('blockchain.scripthash.get_balance', [payoutHash], z.object({ confirmed: num, unconfirmed: num }).passthrough())) : undefined;
      const [features, banner, relay, histogram, peers, ...estimates] = await Promise.all([
        settle(client.request('server.features', [], z.object({ genesis_hash: z.string(), server_version: z.string() }).passthrough())),
        settle(client.request('server.banner', [], z.string())),
        settle(client.request('blockchain.relayfee', [], num)), // removed in protocol 1.6
        settle(client.request('mempool.get_fee_histogram', [], z.array(z.tuple([num, num])))),
        settle(client.request('server.peers.subscribe', [], z.array(z.unknown()))),
        ...ELECTRUM_TARGETS.map((t) => settle(client.request('blockchain.estimatefee', [t], num))),
      ]);
      const all: [string, Settled<unknown>][] = [
        ['features', features], ['banner', banner], ['relayFee', relay], ['histogram', histogram], ['peers', peers],
        ...ELECTRUM_TARGETS.map((t, i) => [`estimate.${t}`, estimates[i] as Settled<number>] as [string, Settled<unknown>]),
      ];
      const balance = balanceAsked ? await balanceAsked : undefined;
      if (balance) all.push(['payoutBalance', balance]);
      // An error answer is the server's word on that field; no answer (timeout, lost connection) is a failure.
      const notes: Record<string, string> = {};
      const failures: unknown[] = [];
      for (const [field, r] of all) {
        if (r.ok) continue;
        // The server's own words, cut short: a server may send anything.
        if (isSatscopeError(r.error, 'ELECTRUM_ERROR')) notes[field] = `the server answered with an error: ${r.error.message.slice(0, 200)}`;
        else {
          failures.push(r.error);
          notes[field] = explainError(r.error, 'electrum').summary;
        }
      }
      const value = <T>(r: Settled<T>, previous: T | null): T | null => (r.ok ? r.value : isSatscopeError(r.error, 'ELECTRUM_ERROR') ? null : previous);
      const nowMs = Date.now();
      const answered = failures.length < all.length;
      const feats = value(features, null);
      snapshot = {
        ...snapshot,
        // A connection lost during the run is down, whatever answered before it went.
        state: answered && client.state === 'ok' ? 'ok' : 'down',
        message: failures.length === 0 ? null : `${explainError(rootFailure(failures), 'electrum').summary} (${failures.length} of ${all.length} requests)`,
        checkedAtMs: nowMs,
        lastOkAtMs: answered ? nowMs : snapshot.lastOkAtMs,
        serverSoftware: client.serverVersion?.[0] ?? feats?.server_version ?? snapshot.serverSoftware,
        protocol: client.serverVersion?.[1] ?? snapshot.protocol,
        banner: banner.ok ? banner.value.slice(0, 2000) : value(banner, snapshot.banner),
        genesisHash: feats?.genesis_hash ?? snapshot.genesisHash,
        tipHeight: client.tip?.height ?? snapshot.tipHeight,
        relayFeeSatVb: relay.ok ? btcPerKvbToSatPerVb(relay.value) : value(relay, snapshot.relayFeeSatVb),
        // -1 means the server has no estimate for that target.
        estimateSatVb: Object.fromEntries(
          ELECTRUM_TARGETS.map((t, i) => {
            const r = estimates[i] as Settled<number>;
            if (r.ok && r.value < 0) notes[`estimate.${t}`] = 'the server has no estimate for this target yet';
            const v = r.ok ? (r.value < 0 ? null : btcPerKvbToSatPerVb(r.value)) : value(r, snapshot.estimateSatVb[String(t)] ?? null);
            return [String(t), v];
          }),
        ),
        histogram: histogram.ok ? histogram.value.map(([feeRate, vsize]) => ({ feeRate, vsize })) : snapshot.histogram,
        peerCount: peers.ok ? peers.value.length : value(peers, snapshot.peerCount),
        notes,
        ...(balance && payoutAddress
          ? { payout: balance.ok ? { address: payoutAddress, confirmedSats: balance.value.confirmed, unconfirmedSats: balance.value.unconfirmed, asOfMs: nowMs } : value(balance, snapshot.payout?.address === payoutAddress ? snapshot.payout : null) }
          : {}),
      };
      tracker.settle('electrum', all.length, failures);
      await save();
      if (failures.length > 0) throw rootFailure(failures);
    },
    dispose: () => client.close(),
  };
}
