// The only reader of process.env. One table of variables, parsed once; every problem is reported
// together, with the variable's name, and the result is frozen.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { SatscopeError } from './errors.ts';
import { canonicalTimezone, isTimezone } from './domain/mining-settings.ts';

export const ENV_FILES = ['env/.env.api', 'env/.env.main', 'env/.env.node2', 'env/.env.node3'] as const;

export const PUBLIC_SOURCES = ['mempool', 'coingecko', 'coinbase', 'blockchain', 'bitnodes', 'forkmonitor', 'ocean'] as const;
export type PublicSourceName = (typeof PUBLIC_SOURCES)[number];
export const NODE_IDS = ['main', 'node2', 'node3'] as const;
export type NodeId = (typeof NODE_IDS)[number];
/** Every name SOURCES_DISABLED accepts. */
export const SOURCE_NAMES = [...PUBLIC_SOURCES, ...NODE_IDS, 'electrum'] as const;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://');
const urlWithScheme = (schemes: string[]) =>
  z.string().url().refine((u) => schemes.some((s) => u.startsWith(`${s}://`)), `must start with ${schemes.map((s) => `${s}://`).join(' or ')}`);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

interface VarSpec {
  schema: z.ZodTypeAny;
  default?: string;
  secret?: boolean;
  /** The whole URL is a secret (webhook URLs carry their token in the path or query), not only its credentials. */
  secretUrl?: boolean;
  doc: string;
}

/** Every variable Satscope reads. The README's configuration table is written from this. */
export const VARIABLES = {
  PORT: { schema: port, default: '8080', doc: 'HTTP port' },
  HOST: { schema: z.string().min(1), default: '0.0.0.0', doc: 'HTTP listen address' },
  METRICS_PORT: {
    schema: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]),
    default: '9464',
    doc: '`satscope worker` and `satscope stream`: the port of their `/health` and `/metrics` (on HOST; `0` picks a free one, `off` for none); `start` and `web` serve both on PORT',
  },
  DATA_DIR: { schema: z.string().min(1), default: './data', doc: 'folder of the embedded stores (SQLite file, lake)' },
  LOG_LEVEL: { schema: z.enum(['debug', 'info', 'warn', 'error']), default: 'info', doc: 'debug, info, warn or error' },
  REDIS_URL: { schema: urlWithScheme(['redis', 'rediss']), secret: true, doc: 'Redis for state, locks, counters and events (default: in-process memory)' },
  DATABASE_URL: { schema: urlWithScheme(['postgres', 'postgresql']), secret: true, doc: 'PostgreSQL for history (default: SQLite in DATA_DIR)' },
  ADMIN_TOKEN: { schema: z.string().min(16, 'must be at least 16 characters'), secret: true, doc: 'bearer token for /api/admin/*; without it admin endpoints are off' },
  RATE_LIMIT_PER_MIN: { schema: positiveInt, default: '600', doc: 'requests per minute per client IP' },
  TRUST_PROXY: { schema: bool, default: 'false', doc: 'take the client IP from X-Forwarded-For (only behind your own proxy)' },
  SSE_MAX_CLIENTS: { schema: positiveInt, default: '10000', doc: 'live (SSE) connections per web process; more are told to poll (each takes a file descriptor)' },
  SSE_MAX_PER_IP: { schema: positiveInt, default: '20', doc: 'live connections per client IP (one per browser, shared by its tabs)' },
  SSE_MAX_LIFETIME_MIN: { schema: positiveInt, default: '60', doc: 'minutes before a live connection is closed and the browser reconnects (spreads load after deploys)' },
  BITCOIN_RPC_URL: { schema: httpUrl, secret: true, doc: 'main node: http://user:pass@host:8332' },
  BITCOIN_RPC_COOKIE: { schema: z.string().min(1), doc: 'main node cookie file (instead of user:pass)' },
  NODE2_RPC_URL: { schema: httpUrl, secret: true, doc: 'second node' },
  NODE2_RPC_COOKIE: { schema: z.string().min(1), doc: 'second node cookie file' },
  NODE3_RPC_URL: { schema: httpUrl, secret: true, doc: 'third node' },
  NODE3_RPC_COOKIE: { schema: z.string().min(1), doc: 'third node cookie file' },
  BLOCKS_BACKFILL: { schema: z.coerce.number().int().min(0).max(2016), default: '144', doc: 'recent blocks to load from the node at start' },
  ELECTRUM_URL: { schema: urlWithScheme(['tcp', 'ssl']), doc: 'Electrum server: tcp://host:50001 or ssl://host:50002' },
  ELECTRUM_TLS_VERIFY: { schema: bool, default: 'false', doc: 'verify the Electrum server\'s TLS certificate (home servers are often self-signed)' },
  MEMPOOL_API_URL: { schema: httpUrl, default: 'https://mempool.space/api', secret: true, doc: 'mempool.space REST base (or your own instance)' },
  COINGECKO_API_URL: { schema: httpUrl, default: 'https://api.coingecko.com/api/v3', secret: true, doc: 'CoinGecko base (pro: https://pro-api.coingecko.com/api/v3)' },
  COINGECKO_API_KEY: { schema: z.string().min(1), secret: true, doc: 'CoinGecko demo or pro key' },
  COINGECKO_API_PLAN: { schema: z.enum(['demo', 'pro']), default: 'demo', doc: 'which header the key goes in' },
  COINBASE_API_URL: { schema: httpUrl, default: 'https://api.exchange.coinbase.com', secret: true, doc: 'Coinbase Exchange base' },
  BLOCKCHAIN_API_URL: { schema: httpUrl, default: 'https://api.blockchain.info', secret: true, doc: 'Blockchain.com stats and charts base' },
  BLOCKCHAIN_QUERY_API_URL: { schema: httpUrl, default: 'https://blockchain.info', secret: true, doc: 'Blockchain.com plain-text /q/ base' },
  BITNODES_API_URL: { schema: httpUrl, default: 'https://bitnodes.io/api/v1', secret: true, doc: 'Bitnodes base' },
  FORKMONITOR_API_URL: { schema: httpUrl, default: 'https://forkmonitor.info/api/v1', secret: true, doc: 'ForkMonitor base' },
  OCEAN_API_URL: { schema: httpUrl, default: 'https://api.ocean.xyz/v1', secret: true, doc: 'OCEAN base' },
  OCEAN_ADDRESS: { schema: z.string().regex(/^[a-zA-Z0-9]{14,90}$/, 'must be a Bitcoin address'), doc: 'your OCEAN payout address; enables the mining pages' },
  MINING_POWER_WATTS: { schema: z.coerce.number().min(0).max(100_000), default: '0', doc: 'power your miners draw, in watts, 0–100,000 (0: no power cost)' },
  MINING_POWER_PRICE_KWH: { schema: z.coerce.number().min(0).max(10), default: '0', doc: 'what a kWh costs you, 0–10, in MINING_CURRENCY' },
  MINING_CURRENCY: { schema: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'must be a three-letter currency code, e.g. EUR'), default: 'USD', doc: 'the currency of MINING_POWER_PRICE_KWH (one of FIAT_CURRENCIES)' },
  MINING_TIMEZONE: { schema: z.string().refine(isTimezone, 'must be an IANA timezone, e.g. UTC or Europe/Berlin').transform((zone) => canonicalTimezone(zone) as string), default: 'UTC', doc: 'the timezone of payout and earnings dates on the mining pages and in the payouts CSV' },
  MINING_POOL_FEE_PCT: { schema: z.coerce.number().min(0).max(100), default: '2', doc: 'the pool fee taken from your earnings, in percent (OCEAN: 2, or 1 with DATUM)' },
  MINING_LOW_HASHRATE_THS: { schema: z.coerce.number().finite().min(0).max(1_000_000), default: '10', doc: 'below this hashrate (TH/s) the 3-hour average is the headline (small miners jump around over 60 s)' },
  OCEAN_PAYOUT_THRESHOLD_SATS: { schema: z.coerce.number().int().min(1), default: '1048576', doc: 'your OCEAN payout threshold, in sats (default 0.01048576 BTC)' },
  ALERT_FEE_ABOVE_SATVB: { schema: z.coerce.number().finite().positive().max(100_000), doc: 'alert when the next-block fee is above this many sat/vB' },
  ALERT_SCORE_BELOW: { schema: z.coerce.number().finite().min(0).max(100), doc: 'alert when the health score falls below this (0–100)' },
  ALERT_MEMPOOL_ABOVE_VB: { schema: z.coerce.number().int().positive(), doc: 'alert when the mempool holds more than this many vB' },
  ALERT_COOLDOWN_MIN: { schema: z.coerce.number().int().min(0).max(10_080), default: '30', doc: 'minutes after an alert fires before the same rule may notify again' },
  ALERT_WEBHOOK_URL: { schema: httpUrl, secret: true, secretUrl: true, doc: 'POST each alert as JSON here (firing and resolved)' },
  ALERT_WEBHOOK_SECRET: { schema: z.string().min(8, 'must be at least 8 characters'), secret: true, doc: 'signs webhook bodies: X-Satscope-Signature: sha256=<hex HMAC-SHA256 of the body>' },
  NTFY_URL: { schema: httpUrl.refine((u) => /^https?:\/\/[^/]+\/[^/?#]+/.test(u), 'must name the topic, e.g. https://ntfy.sh/my-topic'), secret: true, secretUrl: true, doc: 'ntfy topic URL, e.g. https://ntfy.sh/my-topic' },
  NTFY_TOKEN: { schema: z.string().min(1), secret: true, doc: 'ntfy access token (Bearer)' },
  TELEGRAM_BOT_TOKEN: { schema: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must be a bot token like 123456:ABC-...'), secret: true, doc: 'Telegram bot token (with TELEGRAM_CHAT_ID)' },
  TELEGRAM_CHAT_ID: { schema: z.string().regex(/^(-?\d+|@[A-Za-z0-9_]{5,})$/, 'must be a numeric chat id or @channel'), doc: 'the chat the bot writes to' },
  TELEGRAM_API_URL: { schema: httpUrl, default: 'https://api.telegram.org', doc: 'Telegram Bot API base' },
  SMTP_URL: { schema: urlWithScheme(['smtp', 'smtps']), secret: true, doc: 'mail server for alert emails: smtps://user:pass@host:465' },
  ALERT_EMAIL_FROM: { schema: z.string().email(), doc: 'sender of alert emails' },
  ALERT_EMAIL_TO: { schema: z.string().transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.string().email()).min(1)), doc: 'comma-separated recipients of alert emails' },
  LAKE: { schema: z.enum(['on', 'off']), default: 'on', doc: 'the price-tick pipeline into the Parquet lake under DATA_DIR/lake, run by `satscope start` (and `satscope stream`)' },
  LAKE_FLUSH_SEC: { schema: z.coerce.number().int().min(1).max(3600), default: '60', doc: 'seconds the lake buffers rows before writing a Parquet file' },
  LAKE_FLUSH_ROWS: { schema: z.coerce.number().int().min(1).max(1_000_000), default: '5000', doc: 'rows that make the lake write a Parquet file before LAKE_FLUSH_SEC' },
  LAKE_MIN_CHANGE_PCT: { schema: z.coerce.number().finite().min(0).max(100), default: '0', doc: 'a price is written to the lake when it moved by more than this percent (0: any change)' },
  LAKE_RETENTION_DAYS: {
    schema: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean).map((x) => x.split('=')))
      .pipe(z.array(z.tuple([z.enum(['price_ticks', 'fee_levels', 'mempool', 'blocks']), z.coerce.number().int().min(1).max(36_500)])))
      .transform((pairs) => Object.fromEntries(pairs) as Record<string, number>),
    default: 'fee_levels=365,mempool=365',
    doc: 'days each lake table keeps its files, e.g. fee_levels=365,mempool=365 (a table not named keeps everything)',
  },
  LAKE_S3_URL: { schema: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, 'must be s3://bucket or s3://bucket/prefix'), doc: 'also upload every sealed lake file to this bucket and prefix' },
  LAKE_S3_ENDPOINT: { schema: httpUrl, secret: true, doc: 'an S3-compatible endpoint (MinIO, R2, …); default: AWS' },
  AWS_ACCESS_KEY_ID: { schema: z.string().min(1), secret: true, doc: 'key id for LAKE_S3_URL' },
  AWS_SECRET_ACCESS_KEY: { schema: z.string().min(1), secret: true, doc: 'secret key for LAKE_S3_URL' },
  AWS_REGION: { schema: z.string().regex(/^[a-z0-9-]{2,32}$/, 'e.g. us-east-1'), default: 'us-east-1', doc: 'region for LAKE_S3_URL' },
  GOLD_STOCK_TONNES: { schema: z.coerce.number().positive(), default: '216265', doc: 'above-ground gold, tonnes (default: World Gold Council, end of 2024)' },
  GOLD_STOCK_AS_OF: { schema: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), default: '2024-12-31', doc: 'date of the gold figure' },
  SILVER_STOCK_TONNES: { schema: z.coerce.number().positive(), doc: 'above-ground silver, tonnes; without it the silver row says so' },
  SILVER_STOCK_AS_OF: { schema: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), doc: 'date of the silver figure' },
  COMPANY_MARKET_CAPS_FILE: {
    schema: z.string().min(1),
    doc: 'JSON list of {name, ticker, marketCapUsd, asOf, source} to compare BTC with public companies; re-read hourly',
  },
  FIAT_CURRENCIES: {
    schema: z
      .string()
      .transform((s) => [...new Set(['USD', ...s.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean)])])
      .pipe(z.array(z.string().regex(/^[A-Z]{3}$/, 'currency codes are three letters, e.g. USD,EUR'))),
    default: 'USD',
    doc: 'currencies to price BTC in (USD always included), e.g. USD,EUR,GBP',
  },
  SOURCES_DISABLED: {
    schema: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.enum(SOURCE_NAMES))),
    default: '',
    doc: `comma-separated sources to switch off: ${SOURCE_NAMES.join(', ')}`,
  },
} as const satisfies Record<string, VarSpec>;

export type VariableName = keyof typeof VARIABLES;

export type { AlertConfig, Config, ConfigProblem, LakeConfig, NodeConfig } from './config-types.ts';
import type { Config, ConfigProblem } from './config-types.ts';

/** Minimal dotenv: KEY=VALUE lines, # comments, optional `export`, single or double quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? '';
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    out[m[1] as string] = value;
  }
  return out;
}

/** The environment as Satscope sees it: the env files in order, then the real environment on top. */
export function readEnvironment(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  for (const file of ENV_FILES) {
    const path = join(cwd, file);
    if (existsSync(path)) Object.assign(merged, parseEnvFile(readFileSync(path, 'utf8')));
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}

function secretsOf(values: Record<string, unknown>): string[] {
  const secrets: string[] = [];
  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, VarSpec][]) {
    const v = values[name];
    if (!spec.secret || typeof v !== 'string' || !v) continue;
    if (spec.secretUrl) {
      secrets.push(v);
      try {
        const u = new URL(v);
        if (u.pathname.length > 1) secrets.push(u.pathname.slice(1));
        if (u.search) secrets.push(u.search.slice(1));
      } catch {
        // unparseable: the whole value above is enough
      }
    }
    if (/^[a-z]+:\/\//.test(v)) {
      // A URL is a secret for its credentials; the host alone may be shown.
      try {
        const u = new URL(v);
        if (u.password) secrets.push(decodeURIComponent(u.password), u.password);
        if (u.username && u.password) secrets.push(`${u.username}:${u.password}`);
      } catch {
        secrets.push(v);
      }
    } else {
      secrets.push(v);
    }
  }
  return [...new Set(secrets.filter((s) => s.length >= 3))];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parse the environment. Throws one CONFIG_INVALID error listing every problem (details: ConfigProblem[]). */
export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, VarSpec][]) {
    const raw = env[name];
    const input = raw === undefined || raw === '' ? spec.default : raw;
    if (input === undefined) continue;
    const parsed = spec.schema.safeParse(input);
    if (parsed.success) values[name] = parsed.data;
    else problems.push({ variable: name, message: parsed.error.issues.map((i) => i.message).join('; ') });
  }
  for (const id of NODE_IDS) {
    const prefix = id === 'main' ? 'BITCOIN' : id.toUpperCase();
    if (values[`${prefix}_RPC_COOKIE`] !== undefined && values[`${prefix}_RPC_URL`] === undefined) {
      problems.push({ variable: `${prefix}_RPC_URL`, message: `is required when ${prefix}_RPC_COOKIE is set (the cookie gives only the credentials)` });
    }
  }
  const currencies = values.FIAT_CURRENCIES as string[] | undefined;
  if (currencies && typeof values.MINING_CURRENCY === 'string' && !currencies.includes(values.MINING_CURRENCY)) {
    problems.push({ variable: 'MINING_CURRENCY', message: `must be one of FIAT_CURRENCIES (${currencies.join(', ')}): add it there to price power in it` });
  }
  if ((values.TELEGRAM_BOT_TOKEN === undefined) !== (values.TELEGRAM_CHAT_ID === undefined)) {
    problems.push({ variable: values.TELEGRAM_BOT_TOKEN === undefined ? 'TELEGRAM_BOT_TOKEN' : 'TELEGRAM_CHAT_ID', message: 'TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID go together' });
  }
  if (values.SMTP_URL !== undefined && (values.ALERT_EMAIL_FROM === undefined || values.ALERT_EMAIL_TO === undefined)) {
    problems.push({ variable: values.ALERT_EMAIL_FROM === undefined ? 'ALERT_EMAIL_FROM' : 'ALERT_EMAIL_TO', message: 'is required with SMTP_URL' });
  }
  if ((values.AWS_ACCESS_KEY_ID === undefined) !== (values.AWS_SECRET_ACCESS_KEY === undefined)) {
    problems.push({ variable: values.AWS_ACCESS_KEY_ID === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY', message: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together' });
  }
  if (values.LAKE_S3_ENDPOINT !== undefined && values.LAKE_S3_URL === undefined) {
    problems.push({ variable: 'LAKE_S3_URL', message: 'is required with LAKE_S3_ENDPOINT (the bucket and prefix to upload to)' });
  }
  if (problems.length > 0) {
    throw new SatscopeError('CONFIG_INVALID', `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`, {
      details: problems,
    });
  }
  const str = (n: VariableName) => values[n] as string | undefined;
  const config: Config = {
    port: values.PORT as number,
    host: values.HOST as string,
    metricsPort: values.METRICS_PORT as number | 'off',
    dataDir: resolve(values.DATA_DIR as string),
    logLevel: values.LOG_LEVEL as Config['logLevel'],
    redisUrl: str('REDIS_URL'),
    databaseUrl: str('DATABASE_URL'),
    adminToken: str('ADMIN_TOKEN'),
    rateLimitPerMin: values.RATE_LIMIT_PER_MIN as number,
    trustProxy: values.TRUST_PROXY as boolean,
    sse: { maxClients: values.SSE_MAX_CLIENTS as number, maxPerIp: values.SSE_MAX_PER_IP as number, maxLifetimeMs: (values.SSE_MAX_LIFETIME_MIN as number) * 60_000 },
    nodes: NODE_IDS.map((id) => {
      const prefix = id === 'main' ? 'BITCOIN' : id.toUpperCase();
      return { id, rpcUrl: str(`${prefix}_RPC_URL` as VariableName), cookieFile: str(`${prefix}_RPC_COOKIE` as VariableName) };
    }),
    blocksBackfill: values.BLOCKS_BACKFILL as number,
    electrumUrl: str('ELECTRUM_URL'),
    electrumTlsVerify: values.ELECTRUM_TLS_VERIFY as boolean,
    apiUrls: {
      mempool: str('MEMPOOL_API_URL') as string,
      coingecko: str('COINGECKO_API_URL') as string,
      coinbase: str('COINBASE_API_URL') as string,
      blockchain: str('BLOCKCHAIN_API_URL') as string,
      blockchainQuery: str('BLOCKCHAIN_QUERY_API_URL') as string,
      bitnodes: str('BITNODES_API_URL') as string,
      forkmonitor: str('FORKMONITOR_API_URL') as string,
      ocean: str('OCEAN_API_URL') as string,
    },
    coingecko: { apiKey: str('COINGECKO_API_KEY'), plan: values.COINGECKO_API_PLAN as 'demo' | 'pro' },
    oceanAddress: str('OCEAN_ADDRESS'),
    mining: {
      powerWatts: values.MINING_POWER_WATTS as number,
      powerPriceKwh: values.MINING_POWER_PRICE_KWH as number,
      currency: values.MINING_CURRENCY as string,
      timezone: values.MINING_TIMEZONE as string,
      poolFeePct: values.MINING_POOL_FEE_PCT as number,
      lowHashrateThs: values.MINING_LOW_HASHRATE_THS as number,
      payoutThresholdSats: values.OCEAN_PAYOUT_THRESHOLD_SATS as number,
    },
    alerts: {
      feeAboveSatVb: values.ALERT_FEE_ABOVE_SATVB as number | undefined,
      scoreBelow: values.ALERT_SCORE_BELOW as number | undefined,
      mempoolAboveVb: values.ALERT_MEMPOOL_ABOVE_VB as number | undefined,
      cooldownMin: values.ALERT_COOLDOWN_MIN as number,
      webhook: str('ALERT_WEBHOOK_URL') ? { url: str('ALERT_WEBHOOK_URL') as string, secret: str('ALERT_WEBHOOK_SECRET') } : undefined,
      ntfy: str('NTFY_URL') ? { url: str('NTFY_URL') as string, token: str('NTFY_TOKEN') } : undefined,
      telegram: str('TELEGRAM_BOT_TOKEN') ? { botToken: str('TELEGRAM_BOT_TOKEN') as string, chatId: str('TELEGRAM_CHAT_ID') as string, apiUrl: str('TELEGRAM_API_URL') as string } : undefined,
      email: str('SMTP_URL') ? { smtpUrl: str('SMTP_URL') as string, from: str('ALERT_EMAIL_FROM') as string, to: values.ALERT_EMAIL_TO as string[] } : undefined,
    },
    sourcesDisabled: values.SOURCES_DISABLED as string[],
    fiatCurrencies: values.FIAT_CURRENCIES as string[],
    lake: {
      enabled: values.LAKE === 'on',
      dir: join(resolve(values.DATA_DIR as string), 'lake'),
      flushMs: (values.LAKE_FLUSH_SEC as number) * 1000,
      flushRows: values.LAKE_FLUSH_ROWS as number,
      minChangePct: values.LAKE_MIN_CHANGE_PCT as number,
      retentionDays: values.LAKE_RETENTION_DAYS as Record<string, number>,
      s3: str('LAKE_S3_URL')
        ? {
            bucket: (str('LAKE_S3_URL') as string).slice(5).split('/')[0] as string,
            prefix: (str('LAKE_S3_URL') as string).slice(5).split('/').slice(1).join('/').replace(/\/+$/, ''),
            endpoint: str('LAKE_S3_ENDPOINT'),
            region: values.AWS_REGION as string,
            accessKeyId: str('AWS_ACCESS_KEY_ID'),
            secretAccessKey: str('AWS_SECRET_ACCESS_KEY'),
          }
        : undefined,
    },
    companyMarketCapsFile: str('COMPANY_MARKET_CAPS_FILE') === undefined ? undefined : resolve(str('COMPANY_MARKET_CAPS_FILE') as string),
    commodityStocks: {
      gold: { tonnes: values.GOLD_STOCK_TONNES as number, asOf: values.GOLD_STOCK_AS_OF as string },
      silver: values.SILVER_STOCK_TONNES === undefined ? null : { tonnes: values.SILVER_STOCK_TONNES as number, asOf: str('SILVER_STOCK_AS_OF') ?? null },
    },
    secrets: secretsOf(values),
  };
  return deepFreeze(config);
}

/**
 * The environment of a helper process (the lake engine): only what Node itself needs, never the
 * dashboard's settings or secrets.
 */
export function helperProcessEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, LANG, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TMPDIR, LANG, NODE_OPTIONS, SATSCOPE_NET_GUARD_LOG }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

/** A URL with its credentials masked, for logs and pages. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const u = new URL(url);
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '***';
  }
}
