// Live events on the bus: `block`, `mempool`, `fees`, `nodes`, ... each with a unique id.
import { randomBytes } from 'node:crypto';
import { keys } from './store/keys.ts';
import type { Store } from './store/types.ts';

export const PUBLIC_EVENT_TYPES = ['public-mempool', 'public-coingecko', 'public-coinbase', 'public-blockchain', 'public-bitnodes', 'public-forkmonitor', 'public-ocean'] as const;
export type EventType = 'block' | 'mempool' | 'fees' | 'nodes' | 'electrum' | 'chain' | 'price' | 'market' | 'mining' | 'workers' | 'score' | 'alert' | (typeof PUBLIC_EVENT_TYPES)[number];

const processTag = randomBytes(3).toString('hex');
let sequence = 0;

/** Publishes an event; a bus failure is logged by the caller, never fatal to the job. */
export function publishEvent(store: Store, type: EventType, data: unknown, nowMs: number = Date.now()): Promise<void> {
  return store.publish(keys.events, { type, id: `${nowMs}-${processTag}-${++sequence}`, tsMs: nowMs, data });
}
