// Your nodes' view of Bitcoin: chain, mempool, fees, blocks, nodes, Electrum, and history series.
// Every state reply says its source and age, and is marked stale when its job has fallen behind;
// with no node configured the reply says how to configure one instead of failing.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { withElectrumLag, type NodeStatus } from '../../domain/snapshots.ts';
import { SatscopeError } from '../../errors.ts';
import { keys, type JsonKey } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';
import { sendJson } from '../responses.ts';
import { defineRoute } from '../route.ts';

const NO_NODE = 'No Bitcoin node configured: set BITCOIN_RPC_URL (http://user:password@host:8332) or BITCOIN_RPC_COOKIE to show your node\'s chain, mempool and fees.';
const NO_ELECTRUM = 'No Electrum server configured: set ELECTRUM_URL (tcp://host:50001 or ssl://host:50002).';
const STALE_AFTER_MS = 60_000;

export function stateReply<T extends { asOfMs: number; source: string }>(res: ServerResponse, value: T | undefined, reason: string, nowMs = Date.now()): number {
  if (!value) return sendJson(res, 200, { source: null, asOf: null, ageSec: null, stale: false, data: null, reason });
  const ageMs = nowMs - value.asOfMs;
  const { asOfMs: _a, source, ...data } = value;
  return sendJson(res, 200, { source, asOf: new Date(value.asOfMs).toISOString(), ageSec: Math.round(ageMs / 1000), stale: ageMs > STALE_AFTER_MS, data });
}

export interface TipAgreement {
  agree: boolean | null;
  referenceNode: string | null;
  detail: string;
}

/** Do the nodes that answered see the same tip? Same height and hash agrees; anything else is reported. */
export function tipAgreement(statuses: readonly NodeStatus[]): TipAgreement {
  const live = statuses.filter((s) => s.state === 'ok' && s.height !== null && s.bestHash !== null);
  if (live.length < 2) return { agree: null, referenceNode: live[0]?.id ?? null, detail: live.length === 0 ? 'no node answered' : 'only one node to compare' };
  const ref = live.reduce((a, b) => ((b.height ?? 0) > (a.height ?? 0) ? b : a));
  const issues = live
    .filter((s) => s.id !== ref.id)
    .flatMap((s) => {
      if (s.height !== ref.height) return [`${s.id} is at ${s.height}, ${(ref.height ?? 0) - (s.height ?? 0)} blocks behind ${ref.id} at ${ref.height}`];
      return s.bestHash === ref.bestHash ? [] : [`${s.id} has a different block at height ${s.height} than ${ref.id}`];
    });
  return { agree: issues.length === 0, referenceNode: ref.id, detail: issues.length === 0 ? `all nodes at ${ref.height} with the same tip` : issues.join('; ') };
}

const stateRoute = <T extends { asOfMs: number; source: string }>(app: AppContext, path: string, key: JsonKey<T>, reason: string) =>
  defineRoute({ method: 'GET', path, handle: async ({ res }) => stateReply(res, await app.store.get(key), app.nodes.length > 0 ? 'waiting for the first reading from your node' : reason) });

export function bitcoinRoutes(app: AppContext) {
  return [
    stateRoute(app, '/api/v1/chain', keys.chain, NO_NODE),
    stateRoute(app, '/api/v1/mempool', keys.mempool, NO_NODE),
    stateRoute(app, '/api/v1/fees', keys.fees, NO_NODE),
    defineRoute({
      method: 'GET',
      path: '/api/v1/blocks',
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(10), orphaned: z.enum(['true', 'false']).default('false') }).strict(),
      handle: async ({ res, query }) => {
        if (app.nodes.length === 0) return sendJson(res, 200, { blocks: [], reason: NO_NODE });
        const blocks = await app.history.recentBlocks(query.limit, query.orphaned === 'true');
        return sendJson(res, 200, { blocks });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/blocks/:id',
      handle: async ({ res, params }) => {
        const id = params.id ?? '';
        if (!/^(\d{1,9}|[0-9a-fA-F]{64})$/.test(id)) throw new SatscopeError('BAD_REQUEST', 'a block is named by its height or its 64-character hash', { details: [{ field: 'id', message: 'height or hash' }] });
        const found = await app.history.findBlocks(/^\d+$/.test(id) ? Number(id) : id.toLowerCase());
        if (found.length === 0) throw new SatscopeError('NOT_FOUND', `no block ${id} in Satscope's history`);
        const [main, ...others] = found;
        return sendJson(res, 200, { block: main, orphanedAtSameHeight: others });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/nodes',
      handle: async ({ res }) => {
        if (app.nodes.length === 0) return sendJson(res, 200, { nodes: [], agreement: tipAgreement([]), reason: NO_NODE });
        const statuses = await Promise.all(app.nodes.map(async (n) => (await app.store.get(keys.nodeStatus(n.id))) ?? null));
        const known = statuses.filter((s): s is NodeStatus => s !== null);
        return sendJson(res, 200, {
          nodes: app.nodes.map((n, i) => statuses[i] ?? { id: n.id, target: n.target, state: 'pending', message: 'not checked yet' }),
          agreement: tipAgreement(known),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/electrum',
      handle: async ({ res }) => {
        if (!app.config.electrumUrl) return sendJson(res, 200, { data: null, reason: NO_ELECTRUM });
        const [stored, chain] = await Promise.all([app.store.get(keys.electrum), app.store.get(keys.chain)]);
        if (!stored) return sendJson(res, 200, { data: null, reason: 'waiting for the first answer from the Electrum server' });
        // The lag follows your node's tip too, not only the server's pushes.
        const snap = withElectrumLag(stored, chain?.height ?? null);
        const stale = snap.state !== 'ok' || Date.now() - snap.checkedAtMs > STALE_AFTER_MS;
        return sendJson(res, 200, { asOf: new Date(snap.checkedAtMs).toISOString(), stale, ...(stale && snap.message ? { reason: snap.message } : {}), data: snap });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/history/:series',
      query: z.object({ hours: z.coerce.number().int().min(1).max(24 * 365 * 20).default(24), resolution: z.enum(['raw', 'hour', 'day']).optional() }).strict(),
      handle: async ({ res, params, query }) => {
        const series = params.series ?? '';
        if (!/^[a-z0-9_.]{1,64}$/.test(series)) throw new SatscopeError('BAD_REQUEST', 'unknown series name', { details: [{ field: 'series', message: 'lowercase letters, digits, dot, underscore' }] });
        const toSec = Math.floor(Date.now() / 1000);
        const fromSec = toSec - query.hours * 3600;
        // Raw points are kept a week; longer spans come from the aggregates.
        const resolution = query.resolution ?? (query.hours <= 168 ? 'raw' : query.hours <= 24 * 730 ? 'hour' : 'day');
        const points =
          resolution === 'raw'
            ? (await app.history.rawPoints(series, fromSec, toSec)).map((p) => ({ t: p.tsSec, v: p.value }))
            : (await app.history.aggregates(resolution, series, fromSec, toSec)).map((p) => ({ t: p.tsSec, v: p.avg, min: p.min, max: p.max, n: p.count }));
        return sendJson(res, 200, { series, resolution, fromSec, toSec, points });
      },
    }),
  ];
}
