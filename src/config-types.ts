// The shape of the parsed configuration (src/config.ts builds it, frozen, from the environment).
import type { NodeId, PublicSourceName } from './config.ts';

export interface NodeConfig {
  readonly id: NodeId;
  readonly rpcUrl: string | undefined;
  readonly cookieFile: string | undefined;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Roles worker and stream: the port of /health and /metrics, or off. */
  readonly metricsPort: number | 'off';
  readonly dataDir: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly redisUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly adminToken: string | undefined;
  readonly rateLimitPerMin: number;
  readonly trustProxy: boolean;
  readonly sse: { readonly maxClients: number; readonly maxPerIp: number; readonly maxLifetimeMs: number };
  readonly nodes: readonly NodeConfig[];
  readonly blocksBackfill: number;
  readonly electrumUrl: string | undefined;
  readonly electrumTlsVerify: boolean;
  readonly apiUrls: Readonly<Record<PublicSourceName | 'blockchainQuery', string>>;
  readonly coingecko: { readonly apiKey: string | undefined; readonly plan: 'demo' | 'pro' };
  readonly oceanAddress: string | undefined;
  readonly mining: { readonly powerWatts: number; readonly powerPriceKwh: number; readonly currency: string; readonly timezone: string; readonly poolFeePct: number; readonly lowHashrateThs: number; readonly payoutThresholdSats: number };
  readonly alerts: AlertConfig;
  readonly sourcesDisabled: readonly string[];
  readonly fiatCurrencies: readonly string[];
  readonly companyMarketCapsFile: string | undefined;
  readonly lake: LakeConfig;
  /** Above-ground stocks for the commodity comparison, each with the date of its figure. */
  readonly commodityStocks: { readonly gold: { readonly tonnes: number; readonly asOf: string }; readonly silver: { readonly tonnes: number; readonly asOf: string | null } | null };
  /** Values that must never reach a log, a page or an endpoint. */
  readonly secrets: readonly string[];
}

export interface AlertConfig {
  readonly feeAboveSatVb: number | undefined;
  readonly scoreBelow: number | undefined;
  readonly mempoolAboveVb: number | undefined;
  readonly cooldownMin: number;
  readonly webhook: { readonly url: string; readonly secret: string | undefined } | undefined;
  readonly ntfy: { readonly url: string; readonly token: string | undefined } | undefined;
  readonly telegram: { readonly botToken: string; readonly chatId: string; readonly apiUrl: string } | undefined;
  readonly email: { readonly smtpUrl: string; readonly from: string; readonly to: readonly string[] } | undefined;
}

export interface LakeConfig {
  readonly enabled: boolean;
  readonly dir: string;
  readonly flushMs: number;
  readonly flushRows: number;
  readonly minChangePct: number;
  /** Days per table; a table not named keeps its files. */
  readonly retentionDays: Readonly<Record<string, number>>;
  readonly s3: { readonly bucket: string; readonly prefix: string; readonly endpoint: string | undefined; readonly region: string; readonly accessKeyId: string | undefined; readonly secretAccessKey: string | undefined } | undefined;
}

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}
