// Which sources exist, whether each is on (and if not, why), and the HTTP client of each public one.
import type { Config, PublicSourceName } from '../config.ts';
import { PUBLIC_SOURCES, redactUrl } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import { TokenBucket, type BucketOptions } from './http/token-bucket.ts';
import { UpstreamClient } from './http/upstream-client.ts';
import { SourceTracker, type SourceDefinition } from './source-tracker.ts';

// Polite budgets per upstream, from each provider's published limits (see test/fixtures/SOURCES.md).
const BUDGETS: Record<PublicSourceName, BucketOptions> = {
  mempool: { capacity: 10, refillPerSec: 5 },
  coingecko: { capacity: 5, refillPerSec: 0.4 }, // demo plan: ~30 calls/min
  coinbase: { capacity: 10, refillPerSec: 5 },
  blockchain: { capacity: 5, refillPerSec: 1 },
  bitnodes: { capacity: 3, refillPerSec: 50 / 86_400 }, // 50 requests/day anonymous
  forkmonitor: { capacity: 3, refillPerSec: 0.5 },
  ocean: { capacity: 5, refillPerSec: 1 },
};

/** A cheap request that shows a source answers, for `satscope check`. */
export const PROBE_PATHS: Record<PublicSourceName, string> = {
  mempool: '/blocks/tip/height',
  coingecko: '/ping',
  coinbase: '/products/BTC-USD/ticker',
  blockchain: '/stats',
  bitnodes: '/snapshots/latest/',
  forkmonitor: '/blocks/max_height',
  ocean: '/pool_stat',
};

function definitions(config: Config): SourceDefinition[] {
  const off = new Set(config.sourcesDisabled);
  const defs: SourceDefinition[] = [];
  for (const name of PUBLIC_SOURCES) {
    const reason: string | null = off.has(name) ? 'switched off by SOURCES_DISABLED' : null;
    defs.push({ name, kind: 'http', enabled: reason === null, disabledReason: reason, target: redactUrl(config.apiUrls[name]) ?? null });
  }
  for (const node of config.nodes) {
    const variable = node.id === 'main' ? 'BITCOIN_RPC_URL' : `${node.id.toUpperCase()}_RPC_URL`;
    let reason: string | null = node.rpcUrl ? null : `set ${variable} to watch this node`;
    if (!reason && off.has(node.id)) reason = 'switched off by SOURCES_DISABLED';
    defs.push({ name: node.id, kind: 'rpc', enabled: reason === null, disabledReason: reason, target: redactUrl(node.rpcUrl) ?? null });
  }
  let electrumReason: string | null = config.electrumUrl ? null : 'set ELECTRUM_URL (tcp://host:port or ssl://host:port) to watch your Electrum server';
  if (!electrumReason && off.has('electrum')) electrumReason = 'switched off by SOURCES_DISABLED';
  defs.push({ name: 'electrum', kind: 'electrum', enabled: electrumReason === null, disabledReason: electrumReason, target: config.electrumUrl ?? null });
  return defs;
}

const decodeOr = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export interface SourceCatalog {
  trackers: SourceTracker[];
  tracker(name: string): SourceTracker | undefined;
  /** The client of an enabled public source; undefined when it is off. */
  http: Partial<Record<PublicSourceName, UpstreamClient>>;
}

export function buildSourceCatalog(config: Config, deps: { store: Store; metrics: Metrics; log: Logger }): SourceCatalog {
  const trackers = definitions(config).map((d) => new SourceTracker(d, deps));
  const byName = new Map(trackers.map((t) => [t.def.name, t]));
  const buckets = new Map<string, TokenBucket>(); // one per host: sources sharing a host share its budget
  const http: SourceCatalog['http'] = {};
  for (const name of PUBLIC_SOURCES) {
    const tracker = byName.get(name);
    if (!tracker?.def.enabled) continue;
    // Credentials in a URL (a self-hosted instance behind basic auth) go in a header, never in a URL that may be logged.
    const parsed = new URL(config.apiUrls[name]);
    const basic = parsed.username || parsed.password ? Buffer.from(`${decodeOr(parsed.username)}:${decodeOr(parsed.password)}`).toString('base64') : undefined;
    parsed.username = '';
    parsed.password = '';
    const baseUrl = parsed.toString().replace(/\/+$/, '');
    const host = parsed.host;
    let bucket = buckets.get(host);
    if (!bucket) {
      bucket = new TokenBucket(BUDGETS[name]);
      buckets.set(host, bucket);
    }
    const headers: Record<string, string> = basic ? { authorization: `Basic ${basic}` } : {};
    if (name === 'coingecko' && config.coingecko.apiKey) headers[config.coingecko.plan === 'pro' ? 'x-cg-pro-api-key' : 'x-cg-demo-api-key'] = config.coingecko.apiKey;
    http[name] = new UpstreamClient({ source: tracker, baseUrl, bucket, metrics: deps.metrics, headers });
  }
  return { trackers, tracker: (n) => byName.get(n), http };
}
