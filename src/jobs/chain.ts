// The chain as the first healthy node sees it: tip, difficulty, retarget and halving estimates,
// supply from the height, and the network hashrate.
import { halvingInterval, hashrateFromDifficulty, nextHalving, nextRetarget, normalizeBits, RETARGET_INTERVAL, supplySats } from '../domain/bitcoin.ts';
import type { ChainSnapshot } from '../domain/snapshots.ts';
import { publishEvent } from '../events.ts';
import { withFirstHealthy } from '../sources/bitcoind/nodes.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

const MAX_SUPPLY_SATS = 21_000_000 * 100_000_000;

export function chainJob(deps: JobDeps): JobDefinition {
  // The first block of the epoch does not change within the epoch: fetched once per node and epoch.
  const epochStart = new Map<string, number>();
  return {
    name: 'chain',
    intervalMs: 10_000,
    timeoutMs: 20_000,
    cooldownMs: 1_000,
    async run() {
      const { value: snapshot } = await withFirstHealthy(deps.nodes, deps.store, async (n) => {
        const info = await n.blockchainInfo();
        const nowSec = Math.floor(Date.now() / 1000);
        const epochHeight = Math.floor(info.blocks / RETARGET_INTERVAL) * RETARGET_INTERVAL;
        const cacheKey = `${n.id}:${epochHeight}`;
        // Regtest never retargets (Core's fPowNoRetargeting): there is no adjustment to estimate.
        const retargets = info.chain !== 'regtest';
        let epochTime = epochStart.get(cacheKey);
        if (epochTime === undefined && retargets) {
          epochTime = await n.blockTime(epochHeight);
          epochStart.set(cacheKey, epochTime);
        }
        const tipTime = info.time ?? (await n.blockTime(info.blocks));
        const nodeHashps = await n.networkHashps().catch(() => undefined);
        const fromNode = nodeHashps !== undefined && nodeHashps > 0;
        const interval = halvingInterval(info.chain);
        const supply = supplySats(info.blocks, interval);
        const snap: ChainSnapshot = {
          source: n.id,
          asOfMs: Date.now(),
          chain: info.chain,
          height: info.blocks,
          headers: info.headers,
          bestHash: info.bestblockhash,
          tipTimeSec: tipTime,
          medianTimeSec: info.mediantime,
          difficulty: info.difficulty,
          // v29 reports bits here; older Core and bcoin only in the header (bcoin as a number).
          bits: normalizeBits(info.bits ?? (await n.header(info.bestblockhash)).bits),
          chainwork: info.chainwork,
          verificationProgress: info.verificationprogress,
          initialBlockDownload: info.initialblockdownload ?? info.verificationprogress < 0.9999,
          sizeOnDiskBytes: info.size_on_disk ?? null,
          pruned: info.pruned,
          pruneHeight: info.pruneheight ?? null,
          warnings: info.warnings,
          hashrateHs: fromNode ? (nodeHashps as number) : hashrateFromDifficulty(info.difficulty),
          hashrateFrom: fromNode ? 'node' : 'difficulty',
          retarget: retargets && epochTime !== undefined ? nextRetarget(info.blocks, tipTime, epochTime, nowSec) : null,
          halving: nextHalving(info.blocks, nowSec, undefined, interval),
          supplySats: supply,
          supplyPctOf21M: Math.round((supply / MAX_SUPPLY_SATS) * 1e6) / 1e4,
        };
        return snap;
      });
      const previous = await deps.store.get(keys.chain);
      await deps.store.set(keys.chain, snapshot);
      // The live stream hears of a new tip before history is written: a history outage must not hold it back.
      if (previous?.bestHash !== snapshot.bestHash) {
        await publishEvent(deps.store, 'chain', snapshot).catch(() => undefined);
      }
      const minute = Math.floor(snapshot.asOfMs / 60_000) * 60;
      await deps.history.upsertPoints([
        { series: 'chain.difficulty', tsSec: minute, value: snapshot.difficulty },
        { series: 'chain.hashrate_hs', tsSec: minute, value: snapshot.hashrateHs },
        { series: 'chain.height', tsSec: minute, value: snapshot.height },
      ]);
    },
  };
}
