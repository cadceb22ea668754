// The lake's tables: their columns (DuckDB types), the time column that places a row in its hour
// partition, and the file layout DATA_DIR/lake/<table>/year=YYYY/month=MM/day=DD/hour=HH/<file>.
// Pure: no I/O.
import { createHash } from 'node:crypto';

/** Written into every row (column schema_version) and every file's key-value metadata; a new column raises it. */
export const SCHEMA_VERSION = 1;

export interface Column {
  name: string;
  /** DuckDB type. */
  type: 'TIMESTAMP_MS' | 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'UTINYINT';
  doc: string;
}

export interface TableDef {
  name: TableName;
  doc: string;
  columns: readonly Column[];
}

/** Column names a table must not use: the partition columns readers derive from the folder names. */
export const PARTITION_COLUMNS = ['year', 'month', 'day', 'hour'] as const;

export const TABLE_NAMES = ['price_ticks', 'fee_levels', 'mempool', 'blocks'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

const common: Column[] = [
  { name: 'event_id', type: 'VARCHAR', doc: 'unique per row: replays of a row carry the same id, and queries count it once' },
  { name: 'schema_version', type: 'UTINYINT', doc: 'the layout the row was written with' },
];

export const TABLES: Record<TableName, TableDef> = {
  price_ticks: {
    name: 'price_ticks',
    doc: 'BTC price: the median of the sources and each source\'s quote, per currency, written when it changed',
    columns: [
      { name: 'ts', type: 'TIMESTAMP_MS', doc: 'when the price was seen (UTC)' },
      { name: 'currency', type: 'VARCHAR', doc: 'ISO code, e.g. USD' },
      { name: 'source', type: 'VARCHAR', doc: '"median" or the source (coingecko, coinbase, mempool)' },
      { name: 'price', type: 'DOUBLE', doc: 'price of one BTC in the currency' },
      ...common,
    ],
  },
  fee_levels: {
    name: 'fee_levels',
    doc: 'recommended fee rates, sat/vB, written when one changed',
    columns: [
      { name: 'ts', type: 'TIMESTAMP_MS', doc: 'when the rates were fetched (UTC)' },
      { name: 'source', type: 'VARCHAR', doc: 'where the rates came from' },
      { name: 'fastest_sat_vb', type: 'DOUBLE', doc: 'next block' },
      { name: 'half_hour_sat_vb', type: 'DOUBLE', doc: 'within 3 blocks' },
      { name: 'hour_sat_vb', type: 'DOUBLE', doc: 'within 6 blocks' },
      { name: 'economy_sat_vb', type: 'DOUBLE', doc: 'economy' },
      { name: 'minimum_sat_vb', type: 'DOUBLE', doc: 'minimum relay' },
      ...common,
    ],
  },
  mempool: {
    name: 'mempool',
    doc: 'mempool size, written when it changed',
    columns: [
      { name: 'ts', type: 'TIMESTAMP_MS', doc: 'when it was fetched (UTC)' },
      { name: 'source', type: 'VARCHAR', doc: 'where it came from' },
      { name: 'tx_count', type: 'BIGINT', doc: 'transactions' },
      { name: 'vsize', type: 'BIGINT', doc: 'virtual bytes' },
      { name: 'total_fee_sats', type: 'BIGINT', doc: 'fees of all its transactions, sats' },
      ...common,
    ],
  },
  blocks: {
    name: 'blocks',
    doc: 'mined blocks, once each, placed in the hour of their timestamp',
    columns: [
      { name: 'ts', type: 'TIMESTAMP_MS', doc: 'block time (UTC)' },
      { name: 'height', type: 'INTEGER', doc: 'height' },
      { name: 'hash', type: 'VARCHAR', doc: 'block hash' },
      { name: 'tx_count', type: 'INTEGER', doc: 'transactions' },
      { name: 'size_bytes', type: 'INTEGER', doc: 'size' },
      { name: 'weight', type: 'INTEGER', doc: 'weight units' },
      { name: 'total_fee_sats', type: 'BIGINT', doc: 'fees, sats' },
      { name: 'reward_sats', type: 'BIGINT', doc: 'subsidy plus fees, sats' },
      { name: 'median_fee_rate', type: 'DOUBLE', doc: 'sat/vB' },
      { name: 'pool', type: 'VARCHAR', doc: 'mining pool, when known' },
      ...common,
    ],
  },
};

/** One row as the buffer keeps it: the table, its time and its column values (without event_id and schema_version). */
export interface LakeRow {
  table: TableName;
  eventId: string;
  tsMs: number;
  values: Record<string, string | number | null>;
}

export const HOUR_MS = 3_600_000;
export const hourOf = (tsMs: number): number => Math.floor(tsMs / HOUR_MS) * HOUR_MS;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `<table>/year=YYYY/month=MM/day=DD/hour=HH`, relative to the lake's folder (also the S3 key prefix). */
export function partitionDir(table: TableName, hourMs: number): string {
  const d = new Date(hourMs);
  return `${table}/year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}/hour=${pad(d.getUTCHours())}`;
}

const PARTITION_RE = /^([a-z_]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})$/;

/** The table and hour of a partition folder (relative path), or undefined when it is not one. */
export function parsePartitionDir(rel: string): { table: TableName; hourMs: number } | undefined {
  const m = PARTITION_RE.exec(rel);
  if (!m || !(TABLE_NAMES as readonly string[]).includes(m[1] as string)) return undefined;
  const hourMs = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]), Number(m[5]));
  return Number.isFinite(hourMs) && partitionDir(m[1] as TableName, hourMs) === rel ? { table: m[1] as TableName, hourMs } : undefined;
}

/** The file a flush writes: named after the flush, so a flush that is redone after a crash writes the same file again. */
export const partFileName = (writer: string, flushId: number): string => `part-${writer}-${String(flushId).padStart(10, '0')}.parquet`;
/**
 * The one file of a closed, merged hour, named after its writer: two hosts that each ran the
 * stream for a while upload different keys for the same hour, and neither overwrites the other.
 */
export const sealedFileName = (writer: string): string => `data-${writer}.parquet`;
/** Whether a file name is a sealed hour's (data.parquet, as other tools write it, or data-<writer>.parquet). */
export const isSealedName = (name: string): boolean => /^data(-[0-9a-z]+)?\.parquet$/.test(name);

/** A short stable id from the parts that make a row unique (a tick's table, source, currency and time). */
export function eventId(...parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}

/** The columns of a table in order, as the buffer's values and the Parquet file hold them. */
export const columnNames = (table: TableName): string[] => TABLES[table].columns.map((c) => c.name);
