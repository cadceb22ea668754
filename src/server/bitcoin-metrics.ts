// The Bitcoin values themselves on /metrics, read from the shared state at scrape time, so any
// web process exports what the workers saw (no separate exporter needed).
import { keys, type LakeStatus } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

type Sample = [labels: Record<string, string>, value: number | null | undefined];

function family(name: string, help: string, samples: Sample[]): string[] {
  const present = samples.filter((s): s is [Record<string, string>, number] => typeof s[1] === 'number' && Number.isFinite(s[1]));
  if (present.length === 0) return [];
  const fmt = (labels: Record<string, string>) => {
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
    return parts.length ? `{${parts.join(',')}}` : '';
  };
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...present.map(([l, v]) => `${name}${fmt(l)} ${v}`)];
}

export async function renderBitcoinMetrics(store: Store, nodeIds: readonly string[]): Promise<string> {
  const [lake, chain, mempool, fees, score, ...nodes] = await Promise.all([
    store.get(keys.lakeStatus).catch(() => undefined),
    store.get(keys.chain).catch(() => undefined),
    store.get(keys.mempool).catch(() => undefined),
    store.get(keys.fees).catch(() => undefined),
    store.get(keys.score).catch(() => undefined),
    ...nodeIds.map((id) => store.get(keys.nodeStatus(id)).catch(() => undefined)),
  ]);
  const live = nodes.filter((n) => n !== undefined);
  const lines = [
    ...family('satscope_bitcoin_block_height', 'Tip height of the chain source', [[{ source: chain?.source ?? '' }, chain?.height]]),
    ...family('satscope_bitcoin_difficulty', 'Current difficulty', [[{}, chain?.difficulty]]),
    ...family('satscope_bitcoin_network_hashrate_hashes_per_second', 'Network hashrate estimate', [[{ from: chain?.hashrateFrom ?? '' }, chain?.hashrateHs]]),
    ...family('satscope_bitcoin_retarget_blocks_left', 'Blocks to the next difficulty adjustment', [[{}, chain?.retarget?.blocksLeft]]),
    ...family('satscope_bitcoin_supply_btc', 'Coins issued', [[{}, chain ? chain.supplySats / 1e8 : undefined]]),
    ...family('satscope_bitcoin_mempool_transactions', 'Transactions in the mempool', [[{}, mempool?.txCount]]),
    ...family('satscope_bitcoin_mempool_vsize_vbytes', 'Mempool size in virtual bytes', [[{}, mempool?.vsize]]),
    ...family('satscope_bitcoin_mempool_usage_bytes', 'Mempool memory use', [[{}, mempool?.usageBytes]]),
    ...family('satscope_bitcoin_mempool_fees_btc', 'Total fees waiting in the mempool', [[{}, mempool ? mempool.totalFeeSats / 1e8 : undefined]]),
    ...family('satscope_bitcoin_fee_estimate_sat_per_vbyte', 'estimatesmartfee by confirmation target', (fees?.estimates ?? []).map((e) => [{ target_blocks: String(e.targetBlocks) }, e.feeRateSatVb])),
    ...family('satscope_bitcoin_node_up', '1 when the node answered its last check', live.map((n) => [{ node: n.id }, n.state === 'ok' ? 1 : 0])),
    ...family('satscope_bitcoin_node_block_height', 'Tip height per node', live.map((n) => [{ node: n.id }, n.height])),
    ...family('satscope_bitcoin_node_peers', 'Peers per node and direction', live.flatMap((n): Sample[] => [[{ node: n.id, direction: 'in' }, n.peers?.inbound], [{ node: n.id, direction: 'out' }, n.peers?.outbound]])),
    ...family('satscope_bitcoin_node_received_bytes', 'Bytes received since the node started', live.map((n) => [{ node: n.id }, n.bytesRecv])),
    ...family('satscope_bitcoin_node_sent_bytes', 'Bytes sent since the node started', live.map((n) => [{ node: n.id }, n.bytesSent])),
    ...family('satscope_bitcoin_node_uptime_seconds', 'Node uptime', live.map((n) => [{ node: n.id }, n.uptimeSec])),
    ...family('satscope_health_score', 'Network health score, 0-100', [[{}, score?.overall]]),
    ...family('satscope_health_pillar_score', 'Network health score of each pillar, 0-100', Object.entries(score?.pillars ?? {}).map(([p, v]) => [{ pillar: p }, v.score])),
    ...lakeMetricLines(lake),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The lake's figures, from the status its pipeline publishes (also on the stream process's own /metrics). */
export function renderLakeMetrics(lake: LakeStatus | undefined): string {
  const lines = lakeMetricLines(lake);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function lakeMetricLines(lake: LakeStatus | undefined): string[] {
  return [
    ...family('satscope_lake_rows', 'Rows in the data lake per table', (lake?.tables ?? []).map((t) => [{ table: t.table }, t.rows])),
    ...family('satscope_lake_files', 'Parquet files in the data lake per table', (lake?.tables ?? []).map((t) => [{ table: t.table }, t.files])),
    ...family('satscope_lake_bytes', 'Bytes of Parquet in the data lake per table', (lake?.tables ?? []).map((t) => [{ table: t.table }, t.bytes])),
    ...family('satscope_lake_buffer_rows', 'Rows accepted by the lake and not yet flushed to Parquet', [[{}, lake?.buffer.rows]]),
    ...family('satscope_lake_last_flush_timestamp_seconds', 'When the lake last flushed its buffer', [[{}, lake?.lastFlush ? lake.lastFlush.atMs / 1000 : undefined]]),
    ...family('satscope_lake_upload_pending_files', 'Sealed lake files waiting for their upload (LAKE_S3_URL)', [[{}, lake?.s3?.pending]]),
  ];
}
