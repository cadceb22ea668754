// Every new block once, from the first healthy node. At start the last BLOCKS_BACKFILL blocks are
// loaded. Reorg-safe: when the node's block at our tip height differs, we walk back to the fork,
// mark our blocks above it orphaned, and load the node's chain from there.
import type { BlockRecord } from '../domain/snapshots.ts';
import { publishEvent } from '../events.ts';
import type { BitcoinNode } from '../sources/bitcoind/node.ts';
import { withFirstHealthy } from '../sources/bitcoind/nodes.ts';
import { keys } from '../store/keys.ts';
import type { JobContext, JobDefinition, JobDeps } from './types.ts';

const MAX_REORG_DEPTH = 100;

async function forkPoint(deps: JobDeps, node: BitcoinNode, tip: BlockRecord, nodeHeight: number): Promise<number> {
  // The node may be below our tip (a block was invalidated, the new branch not yet longer): it has
  // no block to compare above its own tip, so the search starts there.
  for (let h = Math.min(tip.height, nodeHeight); h > tip.height - MAX_REORG_DEPTH && h >= 0; h--) {
    const ours = (await deps.history.findBlocks(h)).find((b) => !b.orphaned);
    if (!ours) return h; // nothing of ours below here to disagree with
    if ((await node.blockHash(h)) === ours.hash) return h;
  }
  return tip.height - MAX_REORG_DEPTH;
}

async function ingest(deps: JobDeps, node: BitcoinNode, ctx: JobContext): Promise<number> {
  const info = await node.blockchainInfo();
  const ours = await deps.history.tipBlock();
  // A block saved while the store was down was not announced then: announce it now.
  if (ours && (await deps.store.get(keys.blocksChanged).catch(() => undefined))?.hash !== ours.hash) await markChanged(deps, ours);
  if (ours?.hash === info.bestblockhash) return 0;
  let start: number;
  let initial = false;
  if (!ours) {
    start = Math.max(0, info.blocks - deps.config.blocksBackfill + 1);
    initial = true;
  } else {
    const same = ours.height <= info.blocks && (await node.blockHash(ours.height)) === ours.hash;
    if (same) start = ours.height + 1;
    else {
      const fork = await forkPoint(deps, node, ours, info.blocks);
      const orphaned = await deps.history.orphanBlocksAbove(fork);
      await markChanged(deps, ours);
      ctx.log.warn('reorg: blocks above the fork marked orphaned', { fork, orphaned, node: node.id });
      start = fork + 1;
    }
    // After a long outage, load the recent window rather than everything since.
    if (info.blocks - start + 1 > Math.max(deps.config.blocksBackfill, 1)) start = info.blocks - Math.max(deps.config.blocksBackfill, 1) + 1;
  }
  let previousTime: number | null = null;
  if (start > 0) {
    const below = (await deps.history.findBlocks(start - 1)).find((b) => !b.orphaned);
    previousTime = below?.timeSec ?? (await node.blockTime(start - 1));
  }
  const total = info.blocks - start + 1;
  for (let h = start; h <= info.blocks; h++) {
    if (ctx.signal.aborted) break;
    const data = await node.block(await node.blockHash(h));
    const { previousHash: _p, ...rest } = data;
    const record: BlockRecord = { ...rest, intervalSec: previousTime === null ? null : data.timeSec - previousTime, orphaned: false };
    await deps.history.saveBlock(record);
    await markChanged(deps, record);
    if (record.intervalSec !== null) await deps.history.upsertPoints([{ series: 'blocks.interval_sec', tsSec: record.timeSec, value: record.intervalSec }]);
    previousTime = data.timeSec;
    ctx.progress(h - start + 1, total, initial ? 'backfill' : undefined);
    // During the first backfill only the tip is news.
    if (!initial || h === info.blocks) await publishEvent(deps.store, 'block', record).catch(() => undefined);
  }
  return total;
}

/** The read models of blocks (pages, /api/v1/blocks) reload when this state key moves. */
function markChanged(deps: JobDeps, b: { height: number; hash: string }): Promise<void> {
  // History is the record; while the store is down the announcement waits for the next run (above).
  return deps.store.set(keys.blocksChanged, { height: b.height, hash: b.hash, atMs: Date.now() }).catch(() => undefined);
}

export function blocksJob(deps: JobDeps): JobDefinition {
  return {
    name: 'blocks',
    // Cheap when nothing changed (one getblockchaininfo), so a new block shows within seconds.
    intervalMs: 2_000,
    timeoutMs: 120_000,
    cooldownMs: 500,
    async run(ctx) {
      const { value: loaded } = await withFirstHealthy(deps.nodes, deps.store, (node) => ingest(deps, node, ctx));
      if (loaded > 0) ctx.log.debug('blocks loaded', { loaded });
    },
  };
}
