import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { BitcoinNode } from '../sources/bitcoind/node.ts';
import type { SourceCatalog } from '../sources/catalog.ts';
import type { History } from '../store/history/history.ts';
import type { Store } from '../store/types.ts';

/** What a job may use; main builds it, tests build their own. */
export interface JobDeps {
  config: Config;
  store: Store;
  history: History;
  sources: SourceCatalog;
  /** Enabled Bitcoin nodes in failover order (main, node2, node3). */
  nodes: readonly BitcoinNode[];
  log: Logger;
}

export interface JobContext {
  /** Aborted at the job's timeout and at shutdown; pass it to every await that can take long. */
  signal: AbortSignal;
  log: Logger;
  /** Reports progress, shown in /api/v1/jobs. */
  progress(done: number, total: number | null, note?: string): void;
}

export interface JobDefinition {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  /** Minimum pause after a run ends before the next may start, even when triggered by hand. */
  cooldownMs: number;
  /** Upper bound of the exponential backoff after failures. */
  maxBackoffMs?: number;
  run(ctx: JobContext): Promise<void>;
  /** Releases what the job holds between runs (a connection), at shutdown. */
  dispose?(): Promise<void>;
}
