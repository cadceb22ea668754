// Result shapes of the RPC methods Satscope uses. Bitcoin Core v27–v29 is the target; fields that
// only some versions (or bcoin) send are optional, and variant types are normalised here:
// `warnings` string or array, `bits` hex string or number, fee rates `feerate` or `fee`.
import { z } from 'zod';

const warnings = z
  .union([z.string(), z.array(z.string())])
  .nullish()
  .transform((w) => (w === undefined ? [] : Array.isArray(w) ? w : w ? [w] : []));
const bits = z.union([z.string(), z.number()]);

export const blockchainInfoSchema = z.object({
  chain: z.string(),
  blocks: z.number().int(),
  headers: z.number().int(),
  bestblockhash: z.string(),
  difficulty: z.number(),
  time: z.number().nullish(),
  mediantime: z.number(),
  verificationprogress: z.number(),
  initialblockdownload: z.boolean().nullish(),
  chainwork: z.string(),
  size_on_disk: z.number().nullish(),
  pruned: z.boolean(),
  pruneheight: z.number().nullish(),
  bits: bits.nullish(),
  warnings,
});

export const miningInfoSchema = z.object({ networkhashps: z.number().nullish(), pooledtx: z.number().nullish() }).passthrough();

export const blockHeaderSchema = z.object({
  hash: z.string(),
  confirmations: z.number(),
  height: z.number().int(),
  time: z.number(),
  mediantime: z.number().nullish(),
  bits: bits,
  difficulty: z.number(),
  previousblockhash: z.string().nullish(),
  nextblockhash: z.string().nullable().nullish(),
});

const txSchema = z
  .object({
    txid: z.string(),
    vsize: z.number().nullish(),
    weight: z.number().nullish(),
    size: z.number().nullish(),
    /** Core verbosity 2/3 with undo data: the fee in BTC. */
    fee: z.number().nullish(),
    vin: z.array(z.object({ coinbase: z.string().nullish() }).passthrough()),
    vout: z.array(z.object({ value: z.number() }).passthrough()),
  })
  .passthrough();

export const blockSchema = blockHeaderSchema.extend({
  size: z.number(),
  strippedsize: z.number().nullish(),
  weight: z.number(),
  nTx: z.number().nullish(),
  /** bcoin puts the coinbase script on the block. */
  coinbase: z.string().nullish(),
  tx: z.array(z.union([z.string(), txSchema])),
});
export type RpcBlock = z.infer<typeof blockSchema>;
export type RpcTx = z.infer<typeof txSchema>;

export const blockStatsSchema = z.object({
  blockhash: z.string(),
  height: z.number().int(),
  txs: z.number().int(),
  total_size: z.number(),
  total_weight: z.number(),
  totalfee: z.number(),
  subsidy: z.number(),
  feerate_percentiles: z.array(z.number()).length(5),
  time: z.number(),
});

export const mempoolInfoSchema = z.object({
  size: z.number().int(),
  bytes: z.number(),
  usage: z.number(),
  total_fee: z.number().nullish(),
  maxmempool: z.number(),
  mempoolminfee: z.number(),
  minrelaytxfee: z.number().nullish(),
});

// Core: vsize + fees.{base,ancestor} in BTC. bcoin: size + fee (BTC), ancestorfees in sats.
export const rawMempoolSchema = z.record(
  z
    .object({
      vsize: z.number().nullish(),
      size: z.number().nullish(),
      fee: z.number().nullish(),
      fees: z.object({ base: z.number(), ancestor: z.number().nullish() }).nullish(),
      ancestorsize: z.number().nullish(),
      ancestorfees: z.number().nullish(),
      time: z.number(),
    })
    .passthrough(),
);

export const smartFeeSchema = z.object({
  feerate: z.number().nullish(),
  fee: z.number().nullish(),
  errors: z.array(z.string()).nullish(),
  blocks: z.number(),
});

export const networkInfoSchema = z.object({
  version: z.union([z.number(), z.string()]),
  subversion: z.string(),
  protocolversion: z.number(),
  connections: z.number(),
  connections_in: z.number().nullish(),
  connections_out: z.number().nullish(),
  networks: z.array(z.object({ name: z.string(), reachable: z.boolean() }).passthrough()),
  relayfee: z.number(),
  warnings,
});

export const peerInfoSchema = z.array(
  z
    .object({
      id: z.number(),
      addr: z.string(),
      network: z.string().nullish(),
      subver: z.string().nullish(),
      inbound: z.boolean(),
      bytessent: z.number().nullish(),
      bytesrecv: z.number().nullish(),
      pingtime: z.number().nullish(),
      connection_type: z.string().nullish(),
      synced_blocks: z.number().nullish(),
    })
    .passthrough(),
);

export const netTotalsSchema = z.object({ totalbytesrecv: z.number(), totalbytessent: z.number(), timemillis: z.number() });
export const uptimeSchema = z.number();
export const hashSchema = z.string().regex(/^[0-9a-f]{64}$/);
export const chainTxStatsSchema = z.object({ txcount: z.number().nullish(), txrate: z.number().nullish(), window_interval: z.number().nullish() }).passthrough();
