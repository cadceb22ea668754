// A loopback HTTP server that replays the recorded upstream responses (test/fixtures, copied from
// the shared fixtures so a clone passes on its own) under one path prefix per source, and injects
// faults on demand: delay, status codes, garbage, truncated bodies, oversized bodies, hung
// connections. `env` gives the *_API_URL variables that point Satscope at it.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const FIXTURES = new URL('../fixtures/', import.meta.url);

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

/** Request path (below the mount; `{x}` matches one segment) -> fixture file. From SOURCES.md. */
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
    '/charts/utxo-count': 'blockchain/charts_utxo_count_30days.json',
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
    '/pool_hashrate': 'ocean/v1_pool_hashrate.json',
    '/user_hashrate_full/{address}': 'ocean/v1_user_hashrate_full.json',
    '/userinfo_full/{address}': 'ocean/v1_userinfo_full.json',
  },
};

export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'garbage' }
  | { kind: 'truncate' }
  | { kind: 'oversize'; bytes: number }
  | { kind: 'hang' }
  | { kind: 'json'; body: unknown };

export interface Hit {
  method: string;
  path: string;
  atMs: number;
  headers: IncomingMessage['headers'];
}

export type CustomHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class FixtureServer {
  readonly hits: Hit[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly faults: { match: string; fault: Fault; times: number }[] = [];
  private readonly custom = new Map<string, CustomHandler>();
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The *_API_URL variables pointing every public source at this server. */
  get env(): Record<string, string> {
    return Object.fromEntries(Object.values(MOUNTS).map((m) => [m.variable, this.origin + m.prefix]));
  }

  url(mount: Mount): string {
    return this.origin + MOUNTS[mount].prefix;
  }

  /** Inject a fault for requests whose path starts with `match` (full path, with the mount), `times` times. */
  fault(match: string, fault: Fault, times = Infinity): void {
    this.faults.push({ match, fault, times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Serve a path (full, with the mount) with a handler of the test's own. */
  on(path: string, handler: CustomHandler): void {
    this.custom.set(path, handler);
  }

  hitsFor(pathPrefix: string): Hit[] {
    return this.hits.filter((h) => h.path.startsWith(pathPrefix));
  }

  private resolve(path: string): string | undefined {
    for (const [mount, { prefix }] of Object.entries(MOUNTS) as [Mount, { prefix: string }][]) {
      if (!path.startsWith(`${prefix}/`)) continue;
      const rest = path.slice(prefix.length);
      for (const [pattern, file] of Object.entries(ROUTES[mount])) {
        const re = new RegExp(`^${pattern.replace(/\{[a-z]+\}/g, '[^/]+')}$`);
        if (re.test(rest)) return file;
      }
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.hits.push({ method: req.method ?? 'GET', path, atMs: Date.now(), headers: req.headers });
    const f = this.faults.find((x) => path.startsWith(x.match) && x.times > 0);
    if (f) {
      f.times--;
      if (this.applyFault(f.fault, req, res, path)) return;
    }
    const custom = this.custom.get(path);
    if (custom) return custom(req, res);
    this.serveFixture(res, path);
  }

  private serveFixture(res: ServerResponse, path: string): void {
    const file = this.resolve(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `no fixture for ${path}` }));
      return;
    }
    const body = readFileSync(new URL(file, FIXTURES));
    // Blockchain.com's /q/ answers are plain text, not JSON.
    res.writeHead(200, { 'content-type': file.includes('/q_') ? 'text/plain' : 'application/json', 'content-length': body.length });
    res.end(body);
  }

  /** True when the fault produced the whole reply. */
  private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, path: string): boolean {
    switch (fault.kind) {
      case 'delay':
        setTimeout(() => {
          const custom = this.custom.get(path);
          if (custom) custom(req, res);
          else this.serveFixture(res, path);
        }, fault.ms);
        return true;
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/html', ...fault.headers });
        res.end(fault.body ?? `<html><body>${fault.status}</body></html>`);
        return true;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"fees": [1, 2,, garbage\u0000');
        return true;
      case 'json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fault.body));
        return true;
      case 'truncate': {
        // Declares 2000 bytes, sends 20, then drops the connection.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2000 });
        res.write('{"truncated": [1, 2, 3');
        setTimeout(() => res.socket?.destroy(), 20);
        return true;
      }
      case 'oversize': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < fault.bytes) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
        return true;
      }
      case 'hang':
        // Accept the request and never answer; the client's timeout must end it.
        return true;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export async function startFixtureServer(): Promise<FixtureServer> {
  return new FixtureServer().start();
}
