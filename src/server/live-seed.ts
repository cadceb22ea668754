// The live snapshot starts from the latest state in the store, so the first client after a restart
// gets values at once instead of waiting for the next event of each type.
import { keys } from '../store/keys.ts';
import type { AppContext } from './app.ts';

export async function seedLiveState(app: AppContext): Promise<void> {
  const [chain, mempool, fees, price, nodes] = await Promise.all([
    app.store.get(keys.chain),
    app.store.get(keys.mempool),
    app.store.get(keys.fees),
    app.store.get(keys.publicPiece('market.price')),
    Promise.all(app.nodes.map((n) => app.store.get(keys.nodeStatus(n.id)))),
  ]);
  const seed = (type: string, tsMs: number, data: unknown) => app.sse.seed({ type, id: `seed-${type}-${tsMs}`, tsMs, data });
  if (chain) seed('chain', chain.asOfMs, chain);
  if (mempool) seed('mempool', mempool.asOfMs, mempool);
  if (fees) seed('fees', fees.asOfMs, fees);
  if (price) seed('price', price.asOfMs, { source: price.source, asOfMs: price.asOfMs, ...(price.data as object) });
  const known = nodes.filter((n) => n !== undefined);
  if (known.length > 0) seed('nodes', Math.max(...known.map((n) => n.checkedAtMs ?? 0)), known);
}
