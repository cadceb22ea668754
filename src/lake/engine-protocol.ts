// Messages between the lake engine (engine.ts, a child process) and its client (engine-client.ts).
import type { TableName } from './tables.ts';

export interface WriteFile {
  /** Absolute path of the Parquet file. */
  path: string;
  table: TableName;
  /** Values in the table's column order; times as epoch milliseconds. */
  rows: (string | number | null)[][];
}

export type EngineRequest = { id: number } & (
  | { op: 'write'; files: WriteFile[] }
  | { op: 'compact'; table: TableName; inputs: string[]; output: string }
  | { op: 'count'; files: string[] }
  | { op: 'hourly'; files: string[]; currency: string; source: string; fromMs: number; toMs: number }
  | { op: 'stats'; files: string[]; currency: string; source: string; fromMs: number; toMs: number }
  /** Read-only SQL built by Satscope itself (stream --test, lake figures); never text from a request. */
  | { op: 'sql'; sql: string }
);

export type EngineReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EngineCall = DistributiveOmit<EngineRequest, 'id'>;
