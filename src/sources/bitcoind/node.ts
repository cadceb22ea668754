// One Bitcoin node: its RPC client, the optional methods it turned out to have (probed at first
// use, again after it comes back), and the fallbacks for the ones it lacks. Bitcoin Core is the
// target; bcoin (the regtest peer in tests) lacks getblockstats and uptime and takes getblock's
// detail flag as a second boolean.
import { z } from 'zod';
import { btcPerKvbToSatPerVb, btcToSats, halvingInterval, percentiles, subsidySats } from '../../domain/bitcoin.ts';
import type { MempoolTx } from '../../domain/mempool.ts';
import { identifyPool } from '../../domain/pools.ts';
import type { BlockRecord } from '../../domain/snapshots.ts';
import { SatscopeError, isSatscopeError } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import type { SourceTracker } from '../source-tracker.ts';
import { RpcClient } from './rpc-client.ts';
import {
  blockHeaderSchema,
  blockSchema,
  blockStatsSchema,
  blockchainInfoSchema,
  hashSchema,
  mempoolInfoSchema,
  miningInfoSchema,
  netTotalsSchema,
  networkInfoSchema,
  peerInfoSchema,
  rawMempoolSchema,
  smartFeeSchema,
  uptimeSchema,
  type RpcBlock,
  type RpcTx,
} from './schemas.ts';

/** Methods Satscope uses when present and works around when absent. */
export const OPTIONAL_METHODS = ['getblockstats', 'uptime', 'getchaintxstats', 'getmininginfo', 'getindexinfo', 'getdeploymentinfo'] as const;
export const PERCENTILES = [10, 25, 50, 75, 90] as const;

export interface Capabilities {
  missing: string[];
  getblockDetail: 'verbosity2' | 'boolean-pair' | undefined;
}

export type BlockData = Omit<BlockRecord, 'intervalSec' | 'orphaned'> & { previousHash: string | null };

/** One transaction of a block as the block page lists it. */
export interface BlockTx {
  txid: string;
  coinbase: boolean;
  vsize: number | null;
  /** Null where the node does not report it (bcoin; Core without undo data). */
  feeSats: number | null;
  feeRate: number | null;
  inputs: number;
  outputs: number;
  outputSats: number;
}

/** A block's transactions in the node's order (the coinbase first). */
export function blockTxs(block: RpcBlock): BlockTx[] {
  return block.tx.flatMap((t): BlockTx[] => {
    if (typeof t === 'string') return [];
    const vsize = t.vsize ?? (t.weight ? Math.ceil(t.weight / 4) : (t.size ?? null));
    const coinbase = t.vin.some((i) => i.coinbase != null);
    const feeSats = coinbase ? 0 : t.fee != null ? btcToSats(t.fee) : null;
    return [{ txid: t.txid, coinbase, vsize, feeSats, feeRate: feeSats !== null && vsize ? Math.round((feeSats / vsize) * 100) / 100 : null, inputs: t.vin.length, outputs: t.vout.length, outputSats: t.vout.reduce((sum, o) => sum + btcToSats(o.value), 0) }];
  });
}

export class BitcoinNode {
  readonly rpc: RpcClient;
  private caps: Capabilities | undefined;
  private chainName: string | undefined;

  constructor(
    readonly id: string,
    readonly target: string | null,
    opts: { url: string; cookieFile?: string; tracker: SourceTracker; metrics: Metrics; timeoutMs?: number },
  ) {
    this.rpc = new RpcClient({ url: opts.url, cookieFile: opts.cookieFile, tracker: opts.tracker, metrics: opts.metrics, timeoutMs: opts.timeoutMs });
  }

  /** Finds which optional methods the node has; a node that was unreachable is probed again next time. */
  async capabilities(): Promise<Capabilities> {
    if (this.caps) return this.caps;
    const results = await this.rpc.batch([
      { method: 'getblockstats', params: [0, ['height']] },
      { method: 'uptime' },
      { method: 'getchaintxstats' },
      { method: 'getmininginfo' },
      { method: 'getindexinfo' },
      { method: 'getdeploymentinfo' },
    ]);
    const missing = OPTIONAL_METHODS.filter((_, i) => {
      const r = results[i];
      return r && !r.ok && isSatscopeError(r.error, 'RPC_METHOD_NOT_FOUND');
    });
    this.caps = { missing, getblockDetail: undefined };
    return this.caps;
  }

  has(method: (typeof OPTIONAL_METHODS)[number]): boolean {
    return this.caps !== undefined && !this.caps.missing.includes(method);
  }

  /** Forget what was probed (after the node was down: it may have been upgraded). */
  forgetCapabilities(): void {
    this.caps = undefined;
  }

  async blockchainInfo() {
    const info = await this.rpc.call('getblockchaininfo', [], blockchainInfoSchema);
    this.chainName = info.chain;
    return info;
  }

  /** The subsidy schedule of this node's chain. */
  private async interval(): Promise<number> {
    if (!this.chainName) await this.blockchainInfo();
    return halvingInterval(this.chainName ?? 'main');
  }

  bestBlockHash() {
    return this.rpc.call('getbestblockhash', [], hashSchema);
  }

  blockHash(height: number) {
    return this.rpc.call('getblockhash', [height], hashSchema);
  }

  async networkHashps(): Promise<number | undefined> {
    await this.capabilities();
    if (!this.has('getmininginfo')) return undefined;
    return (await this.rpc.call('getmininginfo', [], miningInfoSchema)).networkhashps ?? undefined;
  }

  header(hash: string) {
    return this.rpc.call('getblockheader', [hash], blockHeaderSchema);
  }

  async blockTime(height: number): Promise<number> {
    const hash = await this.blockHash(height);
    return (await this.rpc.call('getblockheader', [hash], z.object({ time: z.number() }))).time;
  }

  /** A block with its stats: getblockstats where the node has it, else from the block's own transactions. */
  async block(hash: string): Promise<BlockData> {
    const caps = await this.capabilities();
    if (this.has('getblockstats')) {
      const [block, stats] = await Promise.all([
        this.rpc.call('getblock', [hash, 1], blockSchema),
        this.rpc.call('getblockstats', [hash, ['blockhash', 'height', 'txs', 'total_size', 'total_weight', 'totalfee', 'subsidy', 'feerate_percentiles', 'time']], blockStatsSchema.partial().required({ height: true })),
      ]);
      const coinbaseTxid = typeof block.tx[0] === 'string' ? block.tx[0] : block.tx[0]?.txid;
      const coinbase = coinbaseTxid ? await this.coinbaseScript(coinbaseTxid, hash) : undefined;
      const subsidy = stats.subsidy ?? subsidySats(block.height, await this.interval());
      const fee = stats.totalfee ?? null;
      return {
        ...this.base(block, coinbase),
        txCount: stats.txs ?? block.nTx ?? block.tx.length,
        totalFeeSats: fee,
        feeRatePercentiles: stats.feerate_percentiles ?? null,
        subsidySats: subsidy,
        rewardSats: fee === null ? null : subsidy + fee,
      };
    }
    const block = await this.detailedBlock(hash, caps);
    const txs = block.tx.filter((t): t is RpcTx => typeof t !== 'string');
    const coinbaseTx = txs[0];
    const subsidy = subsidySats(block.height, await this.interval());
    // Without per-input values, fees are what the coinbase claimed beyond the subsidy.
    const claimed = coinbaseTx ? coinbaseTx.vout.reduce((s, o) => s + btcToSats(o.value), 0) : null;
    const fee = claimed === null ? null : Math.max(0, claimed - subsidy);
    const rates = txs.slice(1).flatMap((t) => (t.fee != null && (t.vsize ?? t.size) ? [btcToSats(t.fee) / ((t.vsize ?? t.size) as number)] : []));
    return {
      ...this.base(block, block.coinbase ?? coinbaseTx?.vin[0]?.coinbase ?? undefined),
      txCount: block.nTx ?? block.tx.length,
      totalFeeSats: fee,
      feeRatePercentiles: rates.length === txs.length - 1 && rates.length > 0 ? percentiles(rates, PERCENTILES).map((x) => (x === null ? null : Math.round(x * 100) / 100)) : null,
      subsidySats: subsidy,
      rewardSats: claimed,
    };
  }

  private base(block: RpcBlock, coinbaseHex: string | undefined) {
    return {
      hash: block.hash,
      height: block.height,
      timeSec: block.time,
      sizeBytes: block.size,
      weight: block.weight,
      pool: identifyPool(coinbaseHex),
      previousHash: block.previousblockhash ?? null,
      source: this.id,
    };
  }

  private async coinbaseScript(txid: string, blockHash: string): Promise<string | undefined> {
    try {
      const tx = await this.rpc.call('getrawtransaction', [txid, true, blockHash], z.object({ vin: z.array(z.object({ coinbase: z.string().optional() }).passthrough()) }).passthrough());
      return tx.vin[0]?.coinbase;
    } catch {
      return undefined; // the pool stays unknown; the block itself is fine
    }
  }

  /** The block's transactions (for its page): one getblock with transactions, up to 64 MB of reply. */
  async blockTransactions(hash: string): Promise<BlockTx[]> {
    return blockTxs(await this.detailedBlock(hash, await this.capabilities(), { timeoutMs: 30_000, maxBytes: 64 * 1024 * 1024 }));
  }

  /** getblock with transactions: Core takes verbosity 2, bcoin a second boolean. */
  private async detailedBlock(hash: string, caps: Capabilities, limits: { timeoutMs?: number; maxBytes?: number } = {}): Promise<RpcBlock> {
    const styles: Capabilities['getblockDetail'][] = caps.getblockDetail ? [caps.getblockDetail] : ['verbosity2', 'boolean-pair'];
    let last: unknown;
    for (const style of styles) {
      try {
        const block = await this.rpc.call('getblock', style === 'verbosity2' ? [hash, 2] : [hash, true, true], blockSchema, { ...limits, probe: !caps.getblockDetail });
        if (block.tx.some((t) => typeof t === 'string')) throw new SatscopeError('RPC_ERROR', 'getblock returned txids only');
        caps.getblockDetail = style;
        return block;
      } catch (err) {
        last = err;
        if (!isSatscopeError(err, 'RPC_ERROR')) throw err;
      }
    }
    throw last;
  }

  async mempool(): Promise<{ info: z.infer<typeof mempoolInfoSchema>; txs: MempoolTx[] }> {
    const [info, raw] = await Promise.all([
      this.rpc.call('getmempoolinfo', [], mempoolInfoSchema),
      this.rpc.call('getrawmempool', [true], rawMempoolSchema, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 }),
    ]);
    const txs: MempoolTx[] = Object.entries(raw).map(([txid, e]) => {
      const vsize = e.vsize ?? e.size ?? 0;
      const feeSats = btcToSats(e.fees?.base ?? e.fee ?? 0);
      let ancestorFeeRate = vsize > 0 ? feeSats / vsize : 0;
      if (e.fees?.ancestor != null && e.ancestorsize) {
        ancestorFeeRate = btcToSats(e.fees.ancestor) / e.ancestorsize; // Core: the package includes the tx
      } else if (e.ancestorfees != null && e.ancestorsize) {
        ancestorFeeRate = (feeSats + e.ancestorfees) / (vsize + e.ancestorsize); // bcoin: ancestors only, in sats
      }
      return { txid, vsize, feeSats, ancestorFeeRate };
    });
    return { info, txs };
  }

  /** estimatesmartfee for each target; null where the node has no estimate yet. */
  async feeEstimates(targets: readonly number[]): Promise<{ targetBlocks: number; feeRateSatVb: number | null; blocksUsed: number | null; note: string | null }[]> {
    const results = await this.rpc.batch(targets.map((t) => ({ method: 'estimatesmartfee', params: [t] })));
    return targets.map((targetBlocks, i) => {
      const r = results[i];
      if (!r?.ok) return { targetBlocks, feeRateSatVb: null, blocksUsed: null, note: r?.error.message ?? 'no answer' };
      const parsed = smartFeeSchema.safeParse(r.result);
      if (!parsed.success) return { targetBlocks, feeRateSatVb: null, blocksUsed: null, note: 'unexpected reply' };
      const rate = parsed.data.feerate ?? parsed.data.fee; // Core: feerate; bcoin: fee (-1 = none)
      if (rate == null || rate < 0) return { targetBlocks, feeRateSatVb: null, blocksUsed: null, note: parsed.data.errors?.[0] ?? 'not enough data' };
      return { targetBlocks, feeRateSatVb: btcPerKvbToSatPerVb(rate), blocksUsed: parsed.data.blocks || null, note: null };
    });
  }

  async network() {
    await this.capabilities();
    const [info, peers, totals, uptime] = await Promise.all([
      this.rpc.call('getnetworkinfo', [], networkInfoSchema),
      this.rpc.call('getpeerinfo', [], peerInfoSchema),
      this.rpc.call('getnettotals', [], netTotalsSchema),
      this.has('uptime') ? this.rpc.call('uptime', [], uptimeSchema) : Promise.resolve(null),
    ]);
    return { info, peers, totals, uptime };
  }
}
