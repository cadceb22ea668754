// The mining views: your OCEAN account as the job stored it, with profitability worked out from the
// network it mines on (your node's chain when it is mainnet, else mempool.space), the average fees
// of recent blocks and the price. Every derived figure carries its inputs and their sources.
import { currentSettings } from '../mining-settings.ts';
import { powerPriceUsd } from '../domain/mining-settings.ts';
import { daysToPayout, headlineWindow, profitability, shareOfBlocks, type Profitability } from '../domain/mining.ts';
import type { MiningSnapshot, WorkersSnapshot } from '../domain/snapshots.ts';
import type { Loader, Reader } from '../read-model/views.ts';
import { keys } from '../store/keys.ts';
import type { AppContext } from './app.ts';
import { readPieces, type PieceOptions } from './routes/public-data.ts';
import type { BlockRecord } from '../domain/snapshots.ts';

export const NO_ADDRESS = 'Set OCEAN_ADDRESS to your OCEAN payout address, or enter it on the Settings page, to see your hashrate, workers, earnings and profitability here.';
/** The account is stale after three missed refreshes. */
export const MINING_STALE_MS = 3 * 60_000;

const recent144 = (app: AppContext): Loader<BlockRecord[]> => ({ key: 'blocks:144:false', triggers: [keys.blocksChanged], load: () => app.history.recentBlocks(144, false) });

export interface MiningReply {
  enabled: boolean;
  source: string | null;
  asOf: string | null;
  ageSec: number | null;
  stale: boolean;
  /** ok, unknown (OCEAN knows no worker for the address), or waiting (no answer yet). */
  account: 'ok' | 'unknown' | 'waiting' | 'disabled';
  reason?: string;
  data: MiningData | null;
}

/** The fiat figures in the mining currency (Settings), converted from USD with the market's rate; null without a rate. */
export interface FiatProfit {
  currency: string;
  revenuePerDay: number | null;
  powerCostPerDay: number | null;
  profitPerDay: number | null;
  profitPerMonth: number | null;
  breakEvenPerKwh: number | null;
  hashpricePerThDay: number | null;
}

export interface MiningData {
  address: string;
  snapTime: string | null;
  /** Flat figures for scripts: the 60 s hashrate (H/s), unpaid sats, workers online. */
  hashrate60sHs: number | null;
  unpaidSats: number | null;
  workersOnline: number;
  sharesInTides: number | null;
  hashrate: { windowsHs: Record<string, number>; headline: ReturnType<typeof headlineWindow>; lowHashrateThs: number };
  workers: { online: number; stale: number; offline: number; total: number };
  earnings: {
    unpaidSats: number | null;
    nextBlockSats: number | null;
    nextBlockBonusSats: number | null;
    payoutNextBlockSats: number | null;
    perDaySats: number | null;
    payoutThresholdSats: number;
    daysToPayout: number | null;
    /** Your payout address on chain, from your Electrum server (null without one). */
    onChain: { confirmedSats: number; unconfirmedSats: number; asOf: string; source: string } | null;
  };
  payouts: MiningSnapshot['payouts'];
  earningsByBlock: MiningSnapshot['earnings'];
  blocks: (MiningSnapshot['blocks'][number] & { yourEarnedSats: number | null; yourSharePct: number | null })[];
  pool: MiningSnapshot['pool'];
  profitability: (Profitability & { sources: { network: string; fees: string; price: string | null; hashrateWindowSec: number }; fiat: FiatProfit | null }) | null;
  /** Power use and its price as set (in `currency`), and that price in USD (null without a rate to convert it). */
  power: { watts: number; priceKwh: number; currency: string; priceKwhUsd: number | null; reason?: string };
  /** The settings these figures follow (environment, then what was saved on the Settings page). */
  settings: { timezone: string; currency: string; lowHashrateThs: number; saved: string[]; updatedAt: string | null };
  /** Why profitability is missing, when it is. */
  profitabilityReason?: string;
  notes: Record<string, string>;
}

/** The profitability inputs from what Satscope has: mainnet figures only (a test chain's hashrate says nothing about earnings). */
function networkInputs(r: Reader, app: AppContext, o: PieceOptions) {
  const chain = r.get(keys.chain);
  const mainnet = chain?.chain === 'main';
  const pub = readPieces(r, app, ['mempool.tip', 'mempool.hashrate', 'mempool.blocks', 'market.price'], o);
  const hr = pub['mempool.hashrate']?.data as { currentHashrateHs?: number } | null;
  const tip = pub['mempool.tip']?.data;
  const height = mainnet ? chain.height : typeof tip === 'number' ? tip : null;
  const networkHashrateHs = mainnet ? chain.hashrateHs : (hr?.currentHashrateHs ?? null);
  let avgFees: number | null = null;
  let feesSource = 'mempool.space (recent blocks)';
  if (mainnet) {
    const blocks = (r.load(recent144(app)) ?? []).filter((b) => b.totalFeeSats !== null);
    if (blocks.length > 0) {
      avgFees = blocks.reduce((n, b) => n + (b.totalFeeSats as number), 0) / blocks.length;
      feesSource = `your node (last ${blocks.length} blocks)`;
    }
  }
  if (avgFees === null) {
    const pubBlocks = ((pub['mempool.blocks']?.data as { totalFeeSats?: number }[] | null) ?? []).filter((b) => typeof b.totalFeeSats === 'number');
    if (pubBlocks.length > 0) {
      avgFees = pubBlocks.reduce((n, b) => n + (b.totalFeeSats as number), 0) / pubBlocks.length;
      feesSource = `mempool.space (last ${pubBlocks.length} blocks)`;
    }
  }
  const market = pub['market.price']?.data as { usd?: number; fiat?: Record<string, { value: number }> } | null;
  const price = market?.usd ?? null;
  /** USD → a currency, from the median price of each. */
  const rate = (currency: string): number | null => {
    if (currency === 'USD') return 1;
    const v = market?.fiat?.[currency]?.value;
    return price && v ? v / price : null;
  };
  return { height, networkHashrateHs, avgFees, feesSource, networkSource: mainnet ? (chain?.source ?? 'your node') : 'mempool.space', price, rate };
}

function onChain(r: Reader, address: string): MiningData['earnings']['onChain'] {
  const e = r.get(keys.electrum);
  const p = e?.payout;
  return p && p.address === address ? { confirmedSats: p.confirmedSats, unconfirmedSats: p.unconfirmedSats, asOf: new Date(p.asOfMs).toISOString(), source: `your Electrum server (${e.target})` } : null;
}

/** The mining settings in effect, as the pages read them. */
export const readSettings = (r: Reader, app: AppContext) => currentSettings(r.get(keys.miningSettings), app.config);

export function miningReply(r: Reader, app: AppContext, o: PieceOptions = {}): MiningReply {
  const settings = readSettings(r, app);
  const address = settings.address;
  if (!address) return { enabled: false, source: null, asOf: null, ageSec: null, stale: false, account: 'disabled', reason: NO_ADDRESS, data: null };
  const m = r.get(keys.mining);
  if (!m || m.address !== address) return { enabled: true, source: 'ocean', asOf: null, ageSec: null, stale: false, account: 'waiting', reason: 'waiting for the first answer from OCEAN', data: null };
  const pages = o.ages === false;
  const ageSec = pages ? null : Math.round((r.now() - m.asOfMs) / 1000);
  const stale = pages ? r.after(m.asOfMs + MINING_STALE_MS + 1) : r.now() - m.asOfMs > MINING_STALE_MS;
  const head = { enabled: true, source: m.source, asOf: new Date(m.asOfMs).toISOString(), ageSec, stale };
  if (m.account === 'unknown') return { ...head, account: 'unknown', reason: `OCEAN knows no worker for this address (OCEAN says: "${m.message ?? 'no such user'}"). Check the payout address (on the Settings page or OCEAN_ADDRESS), or start a miner on it.`, data: null };
  const cfg = app.config.mining;
  const net = networkInputs(r, app, o);
  const priceKwhUsd = powerPriceUsd(settings.powerPriceKwh, settings.currency, net.rate(settings.currency));
  const power: MiningData['power'] = { watts: settings.powerWatts, priceKwh: settings.powerPriceKwh, currency: settings.currency, priceKwhUsd, ...(priceKwhUsd === null ? { reason: `no ${settings.currency} price yet to convert the power price` } : {}) };
  const hashrateWindowSec = m.windowsHs['86400'] !== undefined ? 86400 : m.windowsHs['10800'] !== undefined ? 10800 : 60;
  const yourHs = m.windowsHs[String(hashrateWindowSec)] ?? null;
  let profit: MiningData['profitability'] = null;
  let profitabilityReason: string | undefined;
  if (net.height === null || net.networkHashrateHs === null || yourHs === null) profitabilityReason = 'waiting for the network hashrate and height (your mainnet node or mempool.space)';
  else {
    let p = profitability({ hashrateHs: yourHs, networkHashrateHs: net.networkHashrateHs, height: net.height + 1, avgFeesPerBlockSats: net.avgFees ?? 0, poolFeePct: cfg.poolFeePct, priceUsd: net.price, powerWatts: settings.powerWatts, powerPriceKwhUsd: priceKwhUsd ?? 0 });
    // A power price that cannot be converted yet leaves power cost and profit unknown, not zero.
    if (priceKwhUsd === null && settings.powerWatts > 0) p = { ...p, profitUsdPerDay: null, profitUsdPerMonth: null };
    const toFiat = net.rate(settings.currency);
    const conv = (usd: number | null) => (usd === null || toFiat === null ? null : usd * toFiat);
    const fiat: FiatProfit | null =
      toFiat === null
        ? null
        : {
            currency: settings.currency,
            revenuePerDay: conv(p.revenueUsdPerDay),
            powerCostPerDay: priceKwhUsd === null ? null : conv(p.powerCostUsdPerDay),
            profitPerDay: conv(p.profitUsdPerDay),
            profitPerMonth: conv(p.profitUsdPerMonth),
            breakEvenPerKwh: conv(p.breakEvenUsdPerKwh),
            hashpricePerThDay: conv(p.hashpriceUsdPerThDay),
          };
    profit = { ...p, fiat, sources: { network: net.networkSource, fees: net.avgFees === null ? 'none yet (subsidy only)' : net.feesSource, price: net.price === null ? null : 'market median', hashrateWindowSec } };
  }
  const shares = shareOfBlocks(m.blocks, m.earnings);
  const data: MiningData = {
    address: m.address,
    snapTime: m.snapSec === null ? null : new Date(m.snapSec * 1000).toISOString(),
    hashrate60sHs: m.windowsHs['60'] ?? null,
    unpaidSats: m.unpaidSats,
    workersOnline: m.workersOnline,
    sharesInTides: m.sharesInTides,
    hashrate: { windowsHs: m.windowsHs, headline: headlineWindow(m.windowsHs, settings.lowHashrateThs), lowHashrateThs: settings.lowHashrateThs },
    workers: { online: m.workersOnline, stale: m.workersStale, offline: m.workersOffline, total: m.workersOnline + m.workersStale + m.workersOffline },
    earnings: {
      unpaidSats: m.unpaidSats,
      nextBlockSats: m.estimatedEarnNextBlockSats,
      nextBlockBonusSats: m.estimatedBonusNextBlockSats,
      payoutNextBlockSats: m.estimatedPayoutNextBlockSats,
      perDaySats: profit ? profit.revenueSatsPerDay : null,
      payoutThresholdSats: cfg.payoutThresholdSats,
      daysToPayout: m.unpaidSats === null ? null : daysToPayout(m.unpaidSats, cfg.payoutThresholdSats, profit?.revenueSatsPerDay ?? 0),
      onChain: onChain(r, m.address),
    },
    payouts: m.payouts,
    earningsByBlock: m.earnings,
    blocks: m.blocks.map((b) => ({ ...b, yourEarnedSats: shares.get(b.hash)?.earnedSats ?? null, yourSharePct: shares.get(b.hash)?.sharePct ?? null })),
    pool: m.pool,
    profitability: profit,
    power,
    settings: { timezone: settings.timezone, currency: settings.currency, lowHashrateThs: settings.lowHashrateThs, saved: settings.saved, updatedAt: settings.updatedAtMs === null ? null : new Date(settings.updatedAtMs).toISOString() },
    ...(profitabilityReason ? { profitabilityReason } : {}),
    notes: m.notes,
  };
  return { ...head, account: 'ok', data };
}

export interface WorkersReply {
  enabled: boolean;
  source: string | null;
  asOf: string | null;
  ageSec: number | null;
  stale: boolean;
  account: MiningReply['account'];
  reason?: string;
  snapTime: string | null;
  counts: { online: number; stale: number; offline: number; total: number };
  workers: WorkersSnapshot['workers'];
}

export function workersReply(r: Reader, app: AppContext, o: PieceOptions = {}): WorkersReply {
  const empty = { online: 0, stale: 0, offline: 0, total: 0 };
  const m = miningReply(r, app, o);
  const w = r.get(keys.workers);
  if (m.account !== 'ok' || !w) return { enabled: m.enabled, source: m.source, asOf: m.asOf, ageSec: m.ageSec, stale: m.stale, account: m.account === 'ok' ? 'waiting' : m.account, reason: m.reason ?? 'waiting for the first answer from OCEAN', snapTime: null, counts: empty, workers: [] };
  const counts = { online: 0, stale: 0, offline: 0, total: w.workers.length };
  for (const x of w.workers) counts[x.state]++;
  return { enabled: true, source: w.source, asOf: new Date(w.asOfMs).toISOString(), ageSec: m.ageSec, stale: m.stale, account: 'ok', snapTime: w.snapSec === null ? null : new Date(w.snapSec * 1000).toISOString(), counts, workers: w.workers };
}
