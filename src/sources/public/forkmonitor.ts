// ForkMonitor: chain tips seen by its nodes and stale-block candidates (SOURCES.md §6).
import { z } from 'zod';
import type { UpstreamClient } from '../http/upstream-client.ts';

const block = z.object({ height: z.number(), hash: z.string(), timestamp: z.number(), pool: z.string().nullish() }).passthrough();

export const chaintipsSchema = z.array(z.object({ block, nodes: z.array(z.object({ id: z.number() }).passthrough()) }).passthrough()).transform((tips) =>
  tips.map((t) => ({ height: t.block.height, hash: t.block.hash, timeSec: t.block.timestamp, pool: t.block.pool ?? null, nodes: t.nodes.length })),
);

export const staleCandidatesSchema = z.array(z.object({ height: z.number(), n_children: z.number() })).transform((rows) => rows.map((r) => ({ height: r.height, competingBlocks: r.n_children })));
export const maxHeightSchema = z.number().int();

export function forkmonitor(client: UpstreamClient, signal?: AbortSignal) {
  const o = { signal };
  return {
    maxHeight: () => client.getJson('/blocks/max_height', maxHeightSchema, o),
    chaintips: () => client.getJson('/chaintips', chaintipsSchema, o),
    staleCandidates: () => client.getJson('/stale_candidates', staleCandidatesSchema, o),
  };
}
