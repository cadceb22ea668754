// The mempool and fee market from the first healthy node's own mempool: counts, a fee histogram,
// the projected next blocks, and estimatesmartfee for 1, 3, 6 and 144 blocks.
import { btcPerKvbToSatPerVb, btcToSats } from '../domain/bitcoin.ts';
import { feeHistogram, projectBlocks } from '../domain/mempool.ts';
import type { FeesSnapshot, MempoolSnapshot } from '../domain/snapshots.ts';
import { publishEvent } from '../events.ts';
import { withFirstHealthy } from '../sources/bitcoind/nodes.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

export const FEE_TARGETS = [1, 3, 6, 144] as const;

export function mempoolJob(deps: JobDeps): JobDefinition {
  return {
    name: 'mempool',
    intervalMs: 10_000,
    timeoutMs: 90_000,
    cooldownMs: 2_000,
    async run() {
      const { value } = await withFirstHealthy(deps.nodes, deps.store, async (node) => {
        const [{ info, txs }, estimates] = await Promise.all([node.mempool(), node.feeEstimates(FEE_TARGETS)]);
        const projected = projectBlocks(txs);
        const asOfMs = Date.now();
        const mempool: MempoolSnapshot = {
          source: node.id,
          asOfMs,
          txCount: info.size,
          vsize: info.bytes,
          totalFeeSats: info.total_fee != null ? btcToSats(info.total_fee) : txs.reduce((s, t) => s + t.feeSats, 0),
          usageBytes: info.usage,
          maxBytes: info.maxmempool,
          minFeeRateSatVb: btcPerKvbToSatPerVb(info.mempoolminfee),
          histogram: feeHistogram(txs),
          projectedBlocks: projected,
        };
        const fees: FeesSnapshot = {
          source: node.id,
          asOfMs,
          estimates,
          mempoolMinSatVb: mempool.minFeeRateSatVb,
          nextBlockMedianSatVb: projected[0]?.medianFeeRate ?? null,
        };
        return { mempool, fees };
      });
      const previousFees = await deps.store.get(keys.fees);
      await deps.store.set(keys.mempool, value.mempool);
      await deps.store.set(keys.fees, value.fees);
      // The live stream hears of the new state before history is written: a history outage must not hold it back.
      await publishEvent(deps.store, 'mempool', value.mempool).catch(() => undefined);
      if (JSON.stringify(previousFees?.estimates) !== JSON.stringify(value.fees.estimates)) await publishEvent(deps.store, 'fees', value.fees).catch(() => undefined);
      const minute = Math.floor(value.mempool.asOfMs / 60_000) * 60;
      const points = [
        { series: 'mempool.tx_count', tsSec: minute, value: value.mempool.txCount },
        { series: 'mempool.vsize', tsSec: minute, value: value.mempool.vsize },
        { series: 'mempool.total_fee_sats', tsSec: minute, value: value.mempool.totalFeeSats },
      ];
      for (const e of value.fees.estimates) if (e.feeRateSatVb !== null) points.push({ series: `fees.estimate_${e.targetBlocks}`, tsSec: minute, value: e.feeRateSatVb });
      if (value.fees.nextBlockMedianSatVb !== null) points.push({ series: 'fees.next_block_median', tsSec: minute, value: value.fees.nextBlockMedianSatVb });
      await deps.history.upsertPoints(points);
    },
  };
}
