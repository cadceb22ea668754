// Fee market views computed from a node's own mempool: a fee histogram and the next blocks a
// miner would build (greedy by ancestor-package fee rate, 1,000,000 vB per block).

export interface MempoolTx {
  txid: string;
  vsize: number;
  feeSats: number;
  /** Fee rate of the tx with its unconfirmed ancestors, which is what miners select by. */
  ancestorFeeRate: number;
}

export interface FeeBucket {
  /** Lower bound of the bucket, sat/vB. */
  feeRate: number;
  vsize: number;
  count: number;
}

export interface ProjectedBlock {
  index: number;
  txCount: number;
  vsize: number;
  totalFeeSats: number;
  medianFeeRate: number;
  minFeeRate: number;
  maxFeeRate: number;
}

export const BLOCK_VSIZE = 1_000_000;
/** Fee bands in sat/vB (from 0: below the first bound). Sub-1 bands, since nodes relay down to 0.1 sat/vB. */
export const FEE_BUCKETS = [0.1, 0.2, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 40, 50, 60, 70, 80, 100, 125, 150, 200, 300, 500, 1000, 2000];

export function feeRate(tx: MempoolTx): number {
  return tx.vsize > 0 ? tx.feeSats / tx.vsize : 0;
}

/** vsize and count per fee-rate bucket, highest bucket first (as Electrum's histogram). Rates below the first bound fall in bucket 0. */
export function feeHistogram(txs: readonly MempoolTx[], bounds: readonly number[] = FEE_BUCKETS): FeeBucket[] {
  const edges = [0, ...bounds];
  const buckets = edges.map((b) => ({ feeRate: b, vsize: 0, count: 0 }));
  for (const tx of txs) {
    const rate = feeRate(tx);
    let i = edges.length - 1;
    while (i > 0 && rate < (edges[i] as number)) i--;
    const b = buckets[i] as FeeBucket;
    b.vsize += tx.vsize;
    b.count += 1;
  }
  return buckets.filter((b) => b.count > 0).reverse();
}

export function projectBlocks(txs: readonly MempoolTx[], maxBlocks = 8, blockVsize = BLOCK_VSIZE): ProjectedBlock[] {
  const order = [...txs].sort((a, b) => b.ancestorFeeRate - a.ancestorFeeRate || feeRate(b) - feeRate(a));
  const blocks: ProjectedBlock[] = [];
  let current: MempoolTx[] = [];
  let used = 0;
  const close = () => {
    if (current.length === 0) return;
    const rates = current.map(feeRate).sort((a, b) => a - b);
    blocks.push({
      index: blocks.length,
      txCount: current.length,
      vsize: used,
      totalFeeSats: current.reduce((s, t) => s + t.feeSats, 0),
      medianFeeRate: round2(rates[Math.floor(rates.length / 2)] ?? 0),
      minFeeRate: round2(rates[0] ?? 0),
      maxFeeRate: round2(rates[rates.length - 1] ?? 0),
    });
    current = [];
    used = 0;
  };
  for (const tx of order) {
    // The last projected block takes everything left, as mempool.space shows it.
    if (used + tx.vsize > blockVsize && blocks.length < maxBlocks - 1) close();
    current.push(tx);
    used += tx.vsize;
  }
  close();
  return blocks;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
