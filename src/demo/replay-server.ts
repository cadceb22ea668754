// A loopback HTTP server replaying the recorded upstream replies (test/fixtures, the same files the
// tests use) under one path prefix per source. `satscope demo` points every *_API_URL at it, so the
// dashboard runs with no network; the tests add fault injection on top (test/helpers).
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../paths.ts';

export const FIXTURES_DIR = pathToFileURL(packagePath('test/fixtures/'));

/** Where each source is mounted, and the variable that points Satscope at it. */
export const MOUNTS = {
  mempool: { prefix: '/mempool/api', variable: 'MEMPOOL_API_URL' },
  coingecko: { prefix: '/coingecko/api/v3', variable: 'COINGECKO_API_URL' },
  coinbase: { prefix: '/coinbase', variable: 'COINBASE_API_URL' },
  blockchain: { prefix: '/blockchain', variable: 'BLOCKCHAIN_API_URL' },
  blockchainQuery: { prefix: '/blockchain-q', variable: 'BLOCKCHAIN_QUERY_API_URL' },
  bitnodes: { prefix: '/bitnodes/api/v1', variable: 'BITNODES_API_URL' },
  forkmonitor: { prefix: '/forkmonitor/api/v1', variable: 'FORKMONITOR_API_URL' },
  ocean: { prefix: '/ocean/v1', variable: 'OCEAN_API_URL' },
} as const;

type Mount = keyof typeof MOUNTS;

/**
 * Request path (below the mount; `{x}` matches one segment; `?k=v` must also be in the query) ->
 * fixture file, relative to test/fixtures. From SOURCES.md; the year-long histories are derived
 * (test/fixtures-derived/README.md).
 */
export const ROUTES: Record<Mount, Record<string, string>> = {
  mempool: {
    '/v1/fees/recommended': 'mempool/v1_fees_recommended.json',
    '/v1/fees/precise': 'mempool/v1_fees_precise.json',
    '/v1/fees/mempool-blocks': 'mempool/v1_fees_mempool_blocks.json',
    '/mempool': 'mempool/mempool.json',
    '/blocks/tip/height': 'mempool/blocks_tip_height.json',
    '/v1/blocks': 'mempool/v1_blocks.json',
    '/v1/blocks/730000': 'mempool/v1_blocks_730000.json',
    '/v1/difficulty-adjustment': 'mempool/v1_difficulty_adjustment.json',
    '/v1/mining/hashrate/3d': 'mempool/v1_mining_hashrate_3d.json',
    '/v1/mining/pools/1w': 'mempool/v1_mining_pools_1w.json',
    '/v1/mining/hashrate/1y': '../fixtures-derived/mempool/v1_mining_hashrate_1y.json',
    '/v1/mining/hashrate/pools/1y': '../fixtures-derived/mempool/v1_mining_hashrate_pools_1y.json',
    '/v1/lightning/statistics/1y': '../fixtures-derived/mempool/v1_lightning_statistics_1y.json',
    '/v1/lightning/statistics/latest': 'mempool/v1_lightning_statistics_latest.json',
    '/v1/prices': 'mempool/v1_prices.json',
    '/v1/historical-price': 'mempool/v1_historical_price.json',
  },
  coingecko: {
    '/simple/price': 'coingecko/simple_price.json',
    '/coins/markets': 'coingecko/coins_markets.json',
    '/coins/bitcoin': 'coingecko/coins_bitcoin.json',
    '/global': 'coingecko/global.json',
    '/coins/bitcoin/market_chart': 'coingecko/coins_bitcoin_market_chart_30d.json',
    '/companies/public_treasury/bitcoin': 'coingecko/companies_public_treasury_bitcoin.json',
  },
  coinbase: { '/products/BTC-USD/candles': 'coinbase/products_btc_usd_candles_86400.json' },
  blockchain: {
    '/stats': 'blockchain/stats.json',
    '/charts/hash-rate': 'blockchain/charts_hash_rate_1year.json',
    '/charts/utxo-count?timespan=1year': '../fixtures-derived/blockchain/charts_utxo_count_1year.json',
    '/charts/utxo-count': 'blockchain/charts_utxo_count_30days.json',
    '/charts/miners-revenue': '../fixtures-derived/blockchain/charts_miners_revenue_1year.json',
    '/charts/transaction-fees-usd': '../fixtures-derived/blockchain/charts_transaction_fees_usd_1year.json',
  },
  blockchainQuery: {
    '/q/getblockcount': 'blockchain/q_getblockcount.json',
    '/q/getdifficulty': 'blockchain/q_getdifficulty.json',
    '/q/hashrate': 'blockchain/q_hashrate.json',
    '/q/totalbc': 'blockchain/q_totalbc.json',
    '/q/unconfirmedcount': 'blockchain/q_unconfirmedcount.json',
  },
  bitnodes: { '/snapshots/': 'bitnodes/snapshots.json', '/snapshots/latest/': 'bitnodes/snapshots_latest.json' },
  forkmonitor: {
    '/chaintips': 'forkmonitor/v1_chaintips.json',
    '/stale_candidates': 'forkmonitor/v1_stale_candidates.json',
    '/stale_candidates/{height}': 'forkmonitor/v1_stale_candidates_951977.json',
    '/blocks/max_height': 'forkmonitor/v1_blocks_max_height.json',
  },
  ocean: {
    '/statsnap/{address}': 'ocean/v1_statsnap.json',
    '/user_hashrate/{address}': 'ocean/v1_user_hashrate.json',
    '/pool_stat': 'ocean/v1_pool_stat.json',
    '/earnpay/{address}/{start}/{end}': 'ocean/v1_earnpay.json',
    '/blocks': 'ocean/v1_blocks.json',
    '/blocks/{page}/{size}/{legacy}': 'ocean/v1_blocks.json',
    '/pool_hashrate': 'ocean/v1_pool_hashrate.json',
    '/user_hashrate_full/{address}': 'ocean/v1_user_hashrate_full.json',
    '/userinfo_full/{address}': 'ocean/v1_userinfo_full.json',
  },
};


/** The fixture file (relative to the fixtures folder) for a request path, if any. */
/** The payout address of the recorded OCEAN replies (test/fixtures/ocean). */
export const DEMO_OCEAN_ADDRESS = 'bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj';

export function resolveFixture(url: string): string | undefined {
  const [path = '/', search = ''] = url.split('?', 2);
  const query = new URLSearchParams(search);
  for (const [mount, { prefix }] of Object.entries(MOUNTS) as [Mount, { prefix: string }][]) {
    if (!path.startsWith(`${prefix}/`)) continue;
    const rest = path.slice(prefix.length);
    for (const [route, file] of Object.entries(ROUTES[mount])) {
      const [pattern = '', needs = ''] = route.split('?', 2);
      const re = new RegExp(`^${pattern.replace(/\{[a-z]+\}/g, '[^/]+')}$`);
      if (re.test(rest) && [...new URLSearchParams(needs)].every(([k, v]) => query.get(k) === v)) return file;
    }
  }
  return undefined;
}

/** The day the derived year-long histories end on (the recorded charts' last day, 2026-06-05). */
export const HISTORY_LAST_DAY_SEC = 1_780_617_600;
/** The timestamp fields of each derived history, all in unix seconds. */
const HISTORY_TIME_FIELDS: Record<string, readonly string[]> = {
  'v1_mining_hashrate_1y.json': ['timestamp', 'time'],
  'v1_mining_hashrate_pools_1y.json': ['timestamp'],
  'v1_lightning_statistics_1y.json': ['added'],
  'charts_miners_revenue_1year.json': ['x'],
  'charts_transaction_fees_usd_1year.json': ['x'],
  'charts_utxo_count_1year.json': ['x'],
};

/** Adds `deltaSec` to every number under one of `fields`, at any depth. */
export function shiftTimes(value: unknown, fields: readonly string[], deltaSec: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, fields, deltaSec));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fields.includes(k) && typeof v === 'number' ? v + deltaSec : shiftTimes(v, fields, deltaSec)]));
}

/** Whole days from the histories' last day to yesterday: a live API's year ends yesterday, and so do these. */
export const historyShiftSec = (nowMs = Date.now()) => Math.floor(nowMs / 86_400_000) * 86_400 - 86_400 - HISTORY_LAST_DAY_SEC;

/** Writes the fixture for `url`, or a 404 naming the path. */
export async function serveFixture(res: ServerResponse, url: string, dir: URL = FIXTURES_DIR): Promise<void> {
  const file = resolveFixture(url);
  const path = url.split('?')[0] ?? '/';
  if (!file) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `no fixture for ${path}` }));
    return;
  }
  let body = await readFile(new URL(file, dir));
  const timeFields = HISTORY_TIME_FIELDS[file.slice(file.lastIndexOf('/') + 1)];
  if (timeFields) body = Buffer.from(JSON.stringify(shiftTimes(JSON.parse(body.toString('utf8')), timeFields, historyShiftSec())));
  // Blockchain.com's /q/ answers are plain text, not JSON.
  res.writeHead(200, { 'content-type': file.includes('/q_') ? 'text/plain' : 'application/json', 'content-length': body.length });
  res.end(body);
}

export interface ReplayServer {
  origin: string;
  /** The *_API_URL variables pointing every public source here. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startReplayServer(host = '127.0.0.1', port = 0): Promise<ReplayServer> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    serveFixture(res, req.url ?? '/').catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    env: Object.fromEntries(Object.values(MOUNTS).map((m) => [m.variable, origin + m.prefix])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
