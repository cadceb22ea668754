// The shapes Satscope keeps as latest state and serves from the API. Schemas, so that a value read
// back from a shared store is checked like any other input.
import { z } from 'zod';

const num = z.number();
const nullableNum = z.number().nullable();

export const retargetSchema = z.object({
  epochStartHeight: num,
  nextHeight: num,
  blocksLeft: num,
  progressPct: num,
  avgBlockSec: num,
  estimatedAtSec: num,
  estimatedChangePct: num,
});

export const chainSnapshotSchema = z.object({
  source: z.string(),
  asOfMs: num,
  chain: z.string(),
  height: num,
  headers: num,
  bestHash: z.string(),
  tipTimeSec: num,
  medianTimeSec: num,
  difficulty: num,
  bits: z.string().nullable(),
  chainwork: z.string(),
  verificationProgress: num,
  initialBlockDownload: z.boolean(),
  sizeOnDiskBytes: nullableNum,
  pruned: z.boolean(),
  pruneHeight: nullableNum,
  warnings: z.array(z.string()),
  hashrateHs: num,
  hashrateFrom: z.enum(['node', 'difficulty']),
  retarget: retargetSchema.nullable(),
  halving: z.object({ nextHeight: num, blocksLeft: num, estimatedAtSec: num, subsidyNowSats: num, subsidyAfterSats: num }),
  supplySats: num,
  supplyPctOf21M: num,
});
export type ChainSnapshot = z.infer<typeof chainSnapshotSchema>;

export const feeBucketSchema = z.object({ feeRate: num, vsize: num, count: num });
export const projectedBlockSchema = z.object({ index: num, txCount: num, vsize: num, totalFeeSats: num, medianFeeRate: num, minFeeRate: num, maxFeeRate: num });

export const mempoolSnapshotSchema = z.object({
  source: z.string(),
  asOfMs: num,
  txCount: num,
  vsize: num,
  totalFeeSats: num,
  usageBytes: num,
  maxBytes: num,
  minFeeRateSatVb: num,
  histogram: z.array(feeBucketSchema),
  projectedBlocks: z.array(projectedBlockSchema),
});
export type MempoolSnapshot = z.infer<typeof mempoolSnapshotSchema>;

export const feeEstimateSchema = z.object({
  targetBlocks: num,
  feeRateSatVb: nullableNum,
  /** The target the node actually used (Core clamps it). */
  blocksUsed: nullableNum,
  note: z.string().nullable(),
});

export const feesSnapshotSchema = z.object({
  source: z.string(),
  asOfMs: num,
  estimates: z.array(feeEstimateSchema),
  mempoolMinSatVb: nullableNum,
  nextBlockMedianSatVb: nullableNum,
});
export type FeesSnapshot = z.infer<typeof feesSnapshotSchema>;

export const nodeStatusSchema = z.object({
  id: z.string(),
  target: z.string().nullable(),
  state: z.enum(['ok', 'starting', 'auth-failed', 'down', 'error']),
  message: z.string().nullable(),
  checkedAtMs: num,
  lastOkAtMs: nullableNum,
  version: z.string().nullable(),
  subversion: z.string().nullable(),
  chain: z.string().nullable(),
  height: nullableNum,
  headers: nullableNum,
  bestHash: z.string().nullable(),
  initialBlockDownload: z.boolean().nullable(),
  verificationProgress: nullableNum,
  peers: z.object({ total: num, inbound: num, outbound: num }).nullable(),
  networks: z.array(z.object({ name: z.string(), reachable: z.boolean(), peers: num })),
  clients: z.array(z.object({ subversion: z.string(), count: num })),
  bytesRecv: nullableNum,
  bytesSent: nullableNum,
  recvRateBps: nullableNum,
  sentRateBps: nullableNum,
  uptimeSec: nullableNum,
  warnings: z.array(z.string()),
  missingMethods: z.array(z.string()),
});
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

export const blockRecordSchema = z.object({
  hash: z.string(),
  height: num,
  timeSec: num,
  txCount: num,
  sizeBytes: num,
  weight: num,
  totalFeeSats: nullableNum,
  /** Fee rates at the 10/25/50/75/90th percentiles, sat/vB; null when the node cannot tell. */
  feeRatePercentiles: z.array(nullableNum).nullable(),
  subsidySats: num,
  rewardSats: nullableNum,
  intervalSec: nullableNum,
  pool: z.string().nullable(),
  orphaned: z.boolean(),
  source: z.string(),
});
export type BlockRecord = z.infer<typeof blockRecordSchema>;

export const electrumSnapshotSchema = z.object({
  target: z.string(),
  state: z.enum(['connecting', 'ok', 'down']),
  message: z.string().nullable(),
  checkedAtMs: num,
  lastOkAtMs: nullableNum,
  serverSoftware: z.string().nullable(),
  protocol: z.string().nullable(),
  banner: z.string().nullable(),
  genesisHash: z.string().nullable(),
  tipHeight: nullableNum,
  tipLagBlocks: nullableNum,
  relayFeeSatVb: nullableNum,
  estimateSatVb: z.record(nullableNum),
  histogram: z.array(z.object({ feeRate: num, vsize: num })),
  peerCount: nullableNum,
  /** Why a field is empty (the server's error answer, no estimate, no answer), by field name. */
  notes: z.record(z.string()).optional(),
  /** Your OCEAN payout address's balance on chain, when OCEAN_ADDRESS is set. */
  payout: z.object({ address: z.string(), confirmedSats: num, unconfirmedSats: num, asOfMs: num }).nullable().optional(),
});
export type ElectrumSnapshot = z.infer<typeof electrumSnapshotSchema>;

/** The Electrum tip's lag behind your node's tip, from whichever moved last. */
export function withElectrumLag(snap: ElectrumSnapshot, nodeHeight: number | null): ElectrumSnapshot {
  const lag = nodeHeight !== null && snap.tipHeight !== null ? Math.max(0, nodeHeight - snap.tipHeight) : null;
  return lag === snap.tipLagBlocks ? snap : { ...snap, tipLagBlocks: lag };
}

/** One OCEAN worker as the job saw it: its windows (H/s by seconds), last share, state and kind. */
export const minerWorkerSchema = z.object({
  name: z.string(),
  state: z.enum(['online', 'stale', 'offline']),
  kind: z.enum(['asic', 'small', 'unknown']),
  windowsHs: z.record(num),
  lastShareSec: num.nullable(),
  /** Its share of your total (10-minute window, else 60 s), percent. */
  sharePct: num.nullable(),
  /** When it last changed state (for "offline since"). */
  sinceMs: num,
  /** The history series of its hashrate, for its mini chart. */
  series: z.string(),
});
export type MinerWorker = z.infer<typeof minerWorkerSchema>;

/** Your OCEAN account: `account` says whether OCEAN knows the address (its own words when not). */
export const miningSnapshotSchema = z.object({
  source: z.string(),
  asOfMs: num,
  address: z.string(),
  account: z.enum(['ok', 'unknown']),
  message: z.string().nullable(),
  snapSec: num.nullable(),
  windowsHs: z.record(num),
  lastShareSec: num.nullable(),
  unpaidSats: num.nullable(),
  estimatedEarnNextBlockSats: num.nullable(),
  estimatedBonusNextBlockSats: num.nullable(),
  estimatedPayoutNextBlockSats: num.nullable(),
  sharesInTides: num.nullable(),
  workersOnline: num,
  workersStale: num,
  workersOffline: num,
  earnings: z.array(z.object({ blockHash: z.string(), timeSec: num, sharesInWindow: num.nullable(), feesSats: num.nullable(), earnedSats: num })),
  payouts: z.array(z.object({ timeSec: num, txid: z.string().nullable(), lightning: z.boolean(), paidSats: num, generation: z.boolean() })),
  pool: z
    .object({ activeUsers: num, activeWorkers: num, networkDifficulty: num, tidesShares: num.nullable(), estimatedBlockRewardSats: num.nullable(), hashrate60sHs: num.nullable(), hashrate300sHs: num.nullable() })
    .nullable(),
  blocks: z.array(z.object({ hash: z.string(), height: num, timeSec: num, rewardSats: num.nullable(), subsidySats: num.nullable(), feesSats: num.nullable(), finder: z.string().nullable() })),
  /** Parts OCEAN did not give this time (their last good values are kept), by part. */
  notes: z.record(z.string()),
});
export type MiningSnapshot = z.infer<typeof miningSnapshotSchema>;

export const workersSnapshotSchema = z.object({ source: z.string(), asOfMs: num, snapSec: num.nullable(), address: z.string().optional(), workers: z.array(minerWorkerSchema) });
export type WorkersSnapshot = z.infer<typeof workersSnapshotSchema>;
