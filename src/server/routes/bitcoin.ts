// Your nodes' view of Bitcoin: chain, mempool, fees, blocks, nodes, Electrum, and history series.
// Every state reply says its source and age, and is marked stale when its job has fallen behind;
// with no node configured the reply says how to configure one instead of failing.
import { z } from 'zod';
import { withElectrumLag, type BlockRecord, type NodeStatus } from '../../domain/snapshots.ts';
import type { Loader } from '../../read-model/views.ts';
import { SatscopeError } from '../../errors.ts';
import { keys, type JsonKey } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';
import { withFirstHealthy } from '../../sources/bitcoind/nodes.ts';
import type { BlockTx } from '../../sources/bitcoind/node.ts';
import { errorEnvelope } from '../responses.ts';
import { defineRoute, HISTORY_ERRORS } from '../route.ts';

const NO_NODE = 'No Bitcoin node configured: set BITCOIN_RPC_URL (http://user:password@host:8332) or BITCOIN_RPC_COOKIE to show your node\'s chain, mempool and fees.';
const NO_ELECTRUM = 'No Electrum server configured: set ELECTRUM_URL (tcp://host:50001 or ssl://host:50002).';
const STALE_AFTER_MS = 60_000;
export const HISTORY_MAX_AGE_MS = 5_000;

/** A state snapshot as {source, asOf, ageSec, stale, data}, or {data: null, reason}. */
export function stateReply<T extends { asOfMs: number; source: string }>(value: T | undefined, reason: string, nowMs: number) {
  if (!value) return { source: null, asOf: null, ageSec: null, stale: false, data: null, reason };
  const ageMs = nowMs - value.asOfMs;
  const { asOfMs: _a, source, ...data } = value;
  return { source, asOf: new Date(value.asOfMs).toISOString(), ageSec: Math.round(ageMs / 1000), stale: ageMs > STALE_AFTER_MS, data };
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

const stateRoute = <T extends { asOfMs: number; source: string }>(app: AppContext, path: string, key: JsonKey<T>, reason: string, summary: string) =>
  app.jsonView(path, (r) => ({ json: stateReply(r.get(key), app.nodes.length > 0 ? 'waiting for the first reading from your node' : reason, r.now()) }), summary);

export const BLOCK_ID = /^(\d{1,9}|[0-9a-fA-F]{64})$/;
export const BLOCK_PARAM = { id: 'a block height, or its 64-character hash' };

/** Blocks from history, reloaded when the blocks job saved or orphaned one. */
export const recentBlocksLoader = (app: AppContext, limit: number, orphaned: boolean): Loader<BlockRecord[]> => ({
  key: `blocks:${limit}:${orphaned}`,
  triggers: [keys.blocksChanged],
  load: () => app.history.recentBlocks(limit, orphaned),
});

export const blockLoader = (app: AppContext, id: string): Loader<BlockRecord[]> => ({
  key: `block:${id}`,
  triggers: [keys.blocksChanged],
  load: () => app.history.findBlocks(/^\d+$/.test(id) ? Number(id) : id.toLowerCase()),
});

/**
 * A block's transactions, asked of your nodes (the first that answers). A block's transactions
 * never change, so they are loaded once per hash; a failed load is tried again later.
 */
export const blockTxsLoader = (app: AppContext, hash: string): Loader<BlockTx[]> => ({
  key: `block-txs:${hash.toLowerCase()}`,
  // A txid, a few numbers and the object around them: about 300 bytes a transaction in memory.
  bytes: (txs) => txs.length * 300,
  load: async () => (await withFirstHealthy(app.nodes, app.store, (n) => n.blockTransactions(hash.toLowerCase()))).value,
});

export const TX_PAGE_SIZE = 25;

/** No block has more pages: 4,000,000 weight units hold at most about 16,700 of the smallest transactions. */
export const MAX_TX_PAGES = 700;

/**
 * The page of a block's transactions asked for (`?page=`, from 1); anything else is page 1, and
 * anything past the most a block can have is one page (MAX_TX_PAGES + 1) that says there is no
 * such page: a client's numbers never make more than that many views of a block.
 */
export function txPageOf(query: URLSearchParams): number {
  const raw = query.get('page') ?? '';
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : 1;
  return Math.min(n >= 1 ? n : 1, MAX_TX_PAGES + 1);
}

export function bitcoinRoutes(app: AppContext) {
  const blocksQuery = z
    .object({
      limit: z.coerce.number().int().min(1).max(500).default(10).describe('at most this many blocks'),
      orphaned: z.enum(['true', 'false']).default('false').describe('include orphaned blocks'),
    })
    .strict();
  const historyQuery = z
    .object({
      hours: z.coerce.number().int().min(1).max(24 * 365 * 20).default(24).describe('how far back'),
      resolution: z.enum(['raw', 'hour', 'day']).optional().describe('raw points (kept a week), or hourly or daily aggregates; by default raw up to 168 hours'),
    })
    .strict();
  return [
    stateRoute(app, '/api/v1/chain', keys.chain, NO_NODE, 'Chain: tip, difficulty, hashrate, next retarget and halving, supply'),
    stateRoute(app, '/api/v1/mempool', keys.mempool, NO_NODE, 'Mempool: transactions, size, fees, histogram, projected blocks'),
    stateRoute(app, '/api/v1/fees', keys.fees, NO_NODE, "Fee estimates for 1, 3, 6 and 144 blocks, and the next block's median"),
    defineRoute({
      method: 'GET',
      path: '/api/v1/blocks',
      summary: 'Recent blocks, newest first',
      doc: { errors: HISTORY_ERRORS },
      query: blocksQuery,
      handle: ({ req, res, query }) => {
        if (app.nodes.length === 0) return app.views.serve(req, res, '/api/v1/blocks (no node)', () => ({ json: { blocks: [], reason: NO_NODE } }));
        const orphaned = query.orphaned === 'true';
        return app.views.serve(req, res, `/api/v1/blocks?${query.limit}:${orphaned}`, (r) => ({ json: { blocks: r.load(recentBlocksLoader(app, query.limit, orphaned)) ?? [] } }));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/blocks/:id',
      summary: 'One block, and any orphaned block seen at the same height',
      doc: { params: BLOCK_PARAM, errors: { 400: 'not a block height or hash', 404: "not in Satscope's history", ...HISTORY_ERRORS } },
      handle: ({ req, res, params }) => {
        const id = params.id ?? '';
        if (!BLOCK_ID.test(id)) throw new SatscopeError('BAD_REQUEST', 'a block is named by its height or its 64-character hash', { details: [{ field: 'id', message: 'height or hash' }] });
        return app.views.serve(req, res, `/api/v1/blocks/${id.toLowerCase()}`, (r) => {
          const [main, ...others] = r.load(blockLoader(app, id)) ?? [];
          if (!main) return { json: errorEnvelope('NOT_FOUND', `no block ${id} in Satscope's history`), status: 404 };
          return { json: { block: main, orphanedAtSameHeight: others } };
        });
      },
    }),
    app.jsonView('/api/v1/nodes', (r) => {
      if (app.nodes.length === 0) return { json: { nodes: [], agreement: tipAgreement([]), reason: NO_NODE } };
      const statuses = app.nodes.map((n) => r.get(keys.nodeStatus(n.id)) ?? null);
      const known = statuses.filter((s): s is NodeStatus => s !== null);
      return {
        json: {
          nodes: app.nodes.map((n, i) => statuses[i] ?? { id: n.id, target: n.target, state: 'pending', message: 'not checked yet' }),
          agreement: tipAgreement(known),
        },
      };
    }, 'Each node: state, version, sync, peers, traffic; whether they agree on the tip'),
    app.jsonView('/api/v1/electrum', (r) => {
      if (!app.config.electrumUrl) return { json: { data: null, reason: NO_ELECTRUM } };
      const stored = r.get(keys.electrum);
      const chain = r.get(keys.chain);
      if (!stored) return { json: { data: null, reason: 'waiting for the first answer from the Electrum server' } };
      // The lag follows your node's tip too, not only the server's pushes.
      const snap = withElectrumLag(stored, chain?.height ?? null);
      const stale = snap.state !== 'ok' || r.now() - snap.checkedAtMs > STALE_AFTER_MS;
      return { json: { asOf: new Date(snap.checkedAtMs).toISOString(), stale, ...(stale && snap.message ? { reason: snap.message } : {}), data: snap } };
    }, 'Your Electrum server: software, tip and lag, estimates, peers'),
    defineRoute({
      method: 'GET',
      path: '/api/v1/history/:series',
      summary: 'A recorded series: raw points, or hourly or daily aggregates',
      doc: { params: { series: 'the series, e.g. chain.difficulty, mempool.vsize, fees.estimate_6, mining.hashrate_10m_hs' }, errors: { 400: 'not a series name', ...HISTORY_ERRORS } },
      query: historyQuery,
      handle: ({ req, res, params, query }) => {
        const series = params.series ?? '';
        if (!/^[A-Za-z0-9_.~-]{1,100}$/.test(series)) throw new SatscopeError('BAD_REQUEST', 'unknown series name', { details: [{ field: 'series', message: 'letters, digits, dot, underscore, hyphen, tilde; at most 100' }] });
        // Raw points are kept a week; longer spans come from the aggregates.
        const resolution = query.resolution ?? (query.hours <= 168 ? 'raw' : query.hours <= 24 * 730 ? 'hour' : 'day');
        const name = `/api/v1/history/${series}?${query.hours}:${resolution}`;
        // Series gain a point a minute: the window is read again when it is 5 s old.
        const loader: Loader<unknown> = {
          key: name,
          maxAgeMs: HISTORY_MAX_AGE_MS,
          load: async () => {
            const toSec = Math.floor(Date.now() / 1000);
            const fromSec = toSec - query.hours * 3600;
            const points =
              resolution === 'raw'
                ? (await app.history.rawPoints(series, fromSec, toSec)).map((p) => ({ t: p.tsSec, v: p.value }))
                : (await app.history.aggregates(resolution, series, fromSec, toSec)).map((p) => ({ t: p.tsSec, v: p.avg, min: p.min, max: p.max, n: p.count }));
            return { series, resolution, fromSec, toSec, points };
          },
        };
        return app.views.serve(req, res, name, (r) => ({ json: r.load(loader) }));
      },
    }),
  ];
}
