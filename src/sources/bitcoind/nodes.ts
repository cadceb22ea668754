// The configured nodes, and failover: chain data comes from the first node that answers, in the
// configured order (main, node2, node3), preferring nodes not known to be down.
import { readFileSync } from 'node:fs';
import type { Config } from '../../config.ts';
import { SatscopeError, describeError } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import { keys } from '../../store/keys.ts';
import type { Store } from '../../store/types.ts';
import type { SourceCatalog } from '../catalog.ts';
import { BitcoinNode } from './node.ts';

export function buildNodes(config: Config, catalog: SourceCatalog, metrics: Metrics): BitcoinNode[] {
  return config.nodes.flatMap((n) => {
    const tracker = catalog.tracker(n.id);
    if (!tracker?.def.enabled || !n.rpcUrl) return [];
    return [new BitcoinNode(n.id, tracker.def.target, { url: n.rpcUrl, cookieFile: n.cookieFile, tracker, metrics })];
  });
}

/** Whether a cookie file named in the config can be read (for `check`). */
export function cookieReadable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Failures of Satscope's own storage, passed through rather than blamed on a node. */
const LOCAL_FAILURES = new Set<string>(['HISTORY_UNAVAILABLE', 'STORE_UNAVAILABLE', 'JOB_TIMEOUT', 'SHUTTING_DOWN', 'LOCK_LOST']);

export async function withFirstHealthy<T>(nodes: readonly BitcoinNode[], store: Store, fn: (node: BitcoinNode) => Promise<T>): Promise<{ node: BitcoinNode; value: T }> {
  if (nodes.length === 0) throw new SatscopeError('NODE_UNAVAILABLE', 'no Bitcoin node is configured');
  const states = await Promise.all(nodes.map((n) => store.get(keys.nodeStatus(n.id)).catch(() => undefined)));
  const healthy = nodes.filter((_, i) => !states[i] || states[i]?.state === 'ok');
  const ordered = [...healthy, ...nodes.filter((n) => !healthy.includes(n))];
  const errors: string[] = [];
  for (const node of ordered) {
    try {
      return { node, value: await fn(node) };
    } catch (err) {
      // Our own storage failing is not the node's fault: trying the next node would not help, and
      // the error must name the component that failed.
      if (err instanceof SatscopeError && LOCAL_FAILURES.has(err.code)) throw err;
      errors.push(`${node.id}: ${describeError(err)}`);
    }
  }
  throw new SatscopeError('NODE_UNAVAILABLE', `no node answered (${errors.join('; ')})`);
}
