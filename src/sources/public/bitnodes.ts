// Bitnodes: the latest snapshot of reachable nodes. Each node is a 13-value array (protocol,
// user agent, connected since, services, height, hostname, city, country, lat, lon, timezone,
// ASN, organisation); onion and I2P nodes report "TOR"/"I2P" as their ASN (SOURCES.md §5).
import { z } from 'zod';
import type { UpstreamClient } from '../http/upstream-client.ts';

const nodeRow = z.tuple([
  z.number(), z.string(), z.number(), z.number(), z.number(), z.string().nullable(), z.string().nullable(), z.string().nullable(),
  z.number().nullable(), z.number().nullable(), z.string().nullable(), z.string().nullable(), z.string().nullable(),
]);

function top(counts: Map<string, number>, limit: number): { name: string; count: number }[] {
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)).slice(0, limit);
}

function network(address: string): string {
  if (address.includes('.onion:')) return 'onion';
  if (address.includes('.i2p:')) return 'i2p';
  if (address.startsWith('[')) return 'ipv6';
  return 'ipv4';
}

/** Client name without the build details: "/Satoshi:29.0.0/" -> "Satoshi:29.0.0". */
function clientName(agent: string): string {
  return agent.replace(/^\/|\/$/g, '').split('/').join(' ') || 'unknown';
}

export const latestSnapshotSchema = z
  .object({ timestamp: z.number(), total_nodes: z.number(), latest_height: z.number(), nodes: z.record(nodeRow) })
  .transform((s) => {
    const clients = new Map<string, number>();
    const asns = new Map<string, number>();
    const networks = new Map<string, number>();
    const countries = new Map<string, number>();
    for (const [address, row] of Object.entries(s.nodes)) {
      const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
      inc(clients, clientName(row[1]));
      inc(asns, row[11] ? `${row[11]} ${row[12] ?? ''}`.trim() : 'unknown');
      inc(networks, network(address));
      if (row[7]) inc(countries, row[7]);
    }
    const sampled = Object.keys(s.nodes).length;
    return {
      tsSec: s.timestamp,
      totalNodes: s.total_nodes,
      height: s.latest_height,
      /** Breakdowns are over the nodes listed in the snapshot. */
      sampledNodes: sampled,
      clients: top(clients, 20),
      asns: top(asns, 20),
      networks: top(networks, 10),
      countries: top(countries, 20),
      // Concentration of nodes across ASNs, 0..10000, as the decentralisation score uses.
      asnHhi: Math.round([...asns.values()].reduce((sum, c) => sum + ((c / Math.max(1, sampled)) * 100) ** 2, 0)),
    };
  });

export function bitnodes(client: UpstreamClient, signal?: AbortSignal) {
  return { latest: () => client.getJson('/snapshots/latest/', latestSnapshotSchema, { signal }) };
}
