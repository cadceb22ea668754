// Captures a realistic store state once, for the golden comparison of every view: the production
// jobs run against the fixture server, a bcoin regtest node and the ElectrumX stand-in, then every
// state key and the blocks in history are written to test/golden/state.json.
// Run: node --import tsx test/golden/capture-state.ts   (not part of npm test)
import { writeFileSync } from 'node:fs';
import { startRegtestNode } from '../helpers/bcoin.ts';
import { ElectrumXOverBcoin } from '../helpers/electrumx-bcoin.ts';
import { startFixtureServer } from '../helpers/fixture-server.ts';
import { waitFor } from '../helpers/ports.ts';
import { testRuntime } from '../helpers/runtime.ts';

const fx = await startFixtureServer();
const node = await startRegtestNode({ blocks: 110 });
const electrumx = await new ElectrumXOverBcoin(node.rpcUrl).start();
const rt = await testRuntime({ ...fx.env, SOURCES_DISABLED: '', FIAT_CURRENCIES: 'USD,EUR', BITCOIN_RPC_URL: node.rpcUrl, ELECTRUM_URL: electrumx.url, BLOCKS_BACKFILL: '12' }, { jobs: 'production' });
const json = async (path: string) => (await (await fetch(rt.base + path)).json()) as Record<string, unknown>;
await waitFor('market', async () => ((await json('/api/v1/market')) as { kpis: { data: unknown } }).kpis.data ?? undefined, 60_000, 250);
await waitFor('electrum', async () => (await json('/api/v1/electrum')).data ?? undefined, 60_000, 250);
await waitFor('blocks', async () => (((await json('/api/v1/blocks?limit=12')) as { blocks: unknown[] }).blocks.length >= 12 ? true : undefined), 60_000, 250);
await waitFor('mempool', async () => (await json('/api/v1/mempool')).data ?? undefined, 60_000, 250);
await waitFor('EUR price', async () => ((await json('/api/bitcoin/latest')) as { data: { fiat?: { EUR?: unknown } } | null }).data?.fiat?.EUR, 60_000, 250);
await new Promise((r) => setTimeout(r, 3000));
const entries = (rt.store as unknown as { entries: Map<string, { value: string }> }).entries;
const state = Object.fromEntries([...entries].filter(([k]) => k.includes(':state:') || k.includes(':source:') || k.includes(':job:') && k.endsWith(':status')).map(([k, e]) => [k, JSON.parse(e.value)]));
const blocks = ((await json('/api/v1/blocks?limit=500&orphaned=true')) as { blocks: unknown[] }).blocks;
const times = Object.values(state).flatMap((v) => [(v as { asOfMs?: number }).asOfMs ?? 0, (v as { lastFinishedAtMs?: number }).lastFinishedAtMs ?? 0]);
writeFileSync(new URL('./state.json', import.meta.url), `${JSON.stringify({ capturedAtMs: Math.max(...times), env: { FIAT_CURRENCIES: 'USD,EUR', BITCOIN_RPC_URL: node.rpcUrl.replace(/:\d+/, ':1'), ELECTRUM_URL: electrumx.url.replace(/:\d+$/, ':1') }, state, blocks }, null, 1)}\n`);
await rt.close();
await electrumx.stop();
await node.stop();
await fx.stop();
console.log(`captured ${Object.keys(state).length} keys and ${blocks.length} blocks`);
