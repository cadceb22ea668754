// Each node's health, version, sync state, peers and traffic, side by side. A node that fails
// keeps its last good values with the state and reason of the failure.
import { isSatscopeError } from '../errors.ts';
import { explainError, isConsequence } from '../sources/explain.ts';
import { publishEvent } from '../events.ts';
import type { NodeStatus } from '../domain/snapshots.ts';
import type { BitcoinNode } from '../sources/bitcoind/node.ts';
import type { SourceTracker } from '../sources/source-tracker.ts';
import { keys } from '../store/keys.ts';
import type { JobDefinition, JobDeps } from './types.ts';

function failureState(err: unknown): NodeStatus['state'] {
  if (isSatscopeError(err, 'RPC_AUTH_FAILED')) return 'auth-failed';
  if (isSatscopeError(err, 'RPC_WARMING_UP')) return 'starting';
  if (isSatscopeError(err) && ['UPSTREAM_NETWORK', 'UPSTREAM_TIMEOUT', 'UPSTREAM_CIRCUIT_OPEN'].includes(err.code)) return 'down';
  return 'error';
}

function empty(node: BitcoinNode, nowMs: number): NodeStatus {
  return {
    id: node.id, target: node.target, state: 'error', message: null, checkedAtMs: nowMs, lastOkAtMs: null, version: null, subversion: null, chain: null,
    height: null, headers: null, bestHash: null, initialBlockDownload: null, verificationProgress: null, peers: null, networks: [], clients: [],
    bytesRecv: null, bytesSent: null, recvRateBps: null, sentRateBps: null, uptimeSec: null, warnings: [], missingMethods: [],
  };
}

export async function readNodeStatus(node: BitcoinNode, previous: NodeStatus | undefined, nowMs: number): Promise<NodeStatus> {
  return (await checkNode(node, previous, nowMs)).status;
}

/** The node's status, and the error behind it when it failed. */
async function checkNode(node: BitcoinNode, previous: NodeStatus | undefined, nowMs: number, tracker?: SourceTracker): Promise<{ status: NodeStatus; error?: unknown }> {
  const base = previous ?? empty(node, nowMs);
  try {
    const [chain, net, caps] = await Promise.all([node.blockchainInfo(), node.network(), node.capabilities()]);
    const rate = (bytes: number, prev: number | null) =>
      previous && prev !== null && previous.lastOkAtMs !== null && net.totals.timemillis > previous.lastOkAtMs && bytes >= prev
        ? Math.round(((bytes - prev) * 1000) / (net.totals.timemillis - previous.lastOkAtMs))
        : null;
    const byNetwork = new Map<string, number>();
    const byClient = new Map<string, number>();
    for (const p of net.peers) {
      byNetwork.set(p.network ?? 'unknown', (byNetwork.get(p.network ?? 'unknown') ?? 0) + 1);
      byClient.set(p.subver || 'unknown', (byClient.get(p.subver || 'unknown') ?? 0) + 1);
    }
    const inbound = net.peers.filter((p) => p.inbound).length;
    return { status: {
      id: node.id,
      target: node.target,
      state: 'ok',
      message: chain.initialblockdownload ? `initial block download: ${(chain.verificationprogress * 100).toFixed(2)}%` : null,
      checkedAtMs: nowMs,
      lastOkAtMs: net.totals.timemillis,
      version: String(net.info.version),
      subversion: net.info.subversion,
      chain: chain.chain,
      height: chain.blocks,
      headers: chain.headers,
      bestHash: chain.bestblockhash,
      initialBlockDownload: chain.initialblockdownload ?? chain.verificationprogress < 0.9999,
      verificationProgress: chain.verificationprogress,
      peers: { total: net.peers.length, inbound, outbound: net.peers.length - inbound },
      networks: net.info.networks.map((n) => ({ name: n.name, reachable: n.reachable, peers: byNetwork.get(n.name) ?? 0 })),
      clients: [...byClient].map(([subversion, count]) => ({ subversion, count })).sort((a, b) => b.count - a.count),
      bytesRecv: net.totals.totalbytesrecv,
      bytesSent: net.totals.totalbytessent,
      recvRateBps: rate(net.totals.totalbytesrecv, previous?.bytesRecv ?? null),
      sentRateBps: rate(net.totals.totalbytessent, previous?.bytesSent ?? null),
      uptimeSec: net.uptime,
      warnings: [...new Set([...chain.warnings, ...net.info.warnings])],
      missingMethods: caps.missing,
    } };
  } catch (err) {
    const state = failureState(err);
    if (state === 'down') node.forgetCapabilities();
    // While the breaker pauses calls, the cause that opened it is still the news.
    const cause = isConsequence(err) ? tracker?.snapshot().lastError?.summary : undefined;
    const message = cause ?? explainError(err, node.id).summary;
    return { status: { ...base, state, message, checkedAtMs: nowMs }, error: err };
  }
}

export function nodeStatusJob(deps: JobDeps): JobDefinition {
  return {
    name: 'node-status',
    intervalMs: 15_000,
    timeoutMs: 20_000,
    cooldownMs: 1_000,
    async run() {
      const nowMs = Date.now();
      const statuses = await Promise.all(
        deps.nodes.map(async (node) => {
          const previous = await deps.store.get(keys.nodeStatus(node.id));
          const { status, error } = await checkNode(node, previous, nowMs, deps.sources.tracker(node.id));
          // The node's health everywhere (/health, /api/v1/sources, Status) is this check's verdict.
          deps.sources.tracker(node.id)?.settle('node-status', 1, error === undefined ? [] : [error]);
          await deps.store.set(keys.nodeStatus(node.id), status);
          return status;
        }),
      );
      await publishEvent(deps.store, 'nodes', statuses).catch(() => undefined);
    },
  };
}
