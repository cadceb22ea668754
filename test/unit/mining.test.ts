// OCEAN's replies parsed from the recorded fixtures (numbers as strings, BTC strings to sats, the
// error envelope with HTTP 200, zone-less UTC times) and the mining math against hand-computed cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { daysToPayout, headlineWindow, profitability, shareOfBlocks, workerKind, workerState } from '../../src/domain/mining.ts';
import { blocksSchema, btcToSatsExact, earnpaySchema, envelope, oceanTimeSec, poolHashrateSchema, poolStatSchema, statsnapSchema, userHashrateSchema, userinfoSchema, workerName, workersSchema } from '../../src/sources/public/ocean.ts';
import { workerSeries } from '../../src/jobs/ocean.ts';

const fixture = (name: string, dir = 'fixtures') => JSON.parse(readFileSync(new URL(`../${dir}/ocean/${name}.json`, import.meta.url), 'utf8')) as unknown;
const parse = <T>(schema: Parameters<typeof envelope<T>>[0], name: string, dir?: string) => {
  const r = envelope(schema).parse(fixture(name, dir));
  if (!r.ok) throw new Error(r.message);
  return r.data;
};

test('every OCEAN fixture parses, string numbers and BTC strings included', () => {
  const snap = parse(statsnapSchema, 'v1_statsnap');
  assert.equal(snap.hashrate60sHs, 30744573456384);
  assert.equal(snap.unpaidSats, 385090);
  assert.equal(snap.estimatedEarnNextBlockSats, 28745);
  assert.equal(snap.estimatedPayoutNextBlockSats, 413835);
  assert.equal(snap.snapSec, 1780730880);
  assert.equal(snap.lastShareSec, 1780730879, 'OCEAN spells it lastest_share_ts');
  const hr = parse(userHashrateSchema, 'v1_user_hashrate');
  assert.deepEqual(Object.keys(hr.windowsHs).map(Number).sort((a, b) => a - b), [60, 300, 600, 1800, 3600, 10800, 43200, 86400]);
  assert.equal(hr.activeWorkers, 2, 'active_worker_count is a JSON number');
  const workers = parse(workersSchema, 'v1_user_hashrate_full');
  assert.deepEqual(workers.workers.map((w) => w.name), ['s19kpro-01', 'bitaxe-gamma', 's9-garage']);
  assert.equal(workers.workers[2]?.windowsHs['60'], 0);
  const info = parse(userinfoSchema, 'v1_userinfo_full');
  assert.deepEqual(info.workers.map((w) => w.name), ['s19kpro-01', 'bitaxe-gamma']);
  assert.equal(info.unpaidSats, 385090);
  const pool = parse(poolStatSchema, 'v1_pool_stat');
  assert.equal(pool.activeUsers, 2410);
  assert.equal(pool.estimatedBlockRewardSats, 313312160);
  assert.equal(parse(poolHashrateSchema, 'v1_pool_hashrate').hashrate300sHs, Number('13123456789012345678'));
  const ep = parse(earnpaySchema, 'v1_earnpay');
  assert.equal(ep.earnings[0]?.feesSats, 576, 'fees_colected_satoshis (one l)');
  assert.equal(ep.earnings[0]?.timeSec, Date.UTC(2026, 5, 6, 7, 5, 44) / 1000, 'a zone-less time is UTC');
  assert.deepEqual(ep.payouts.map((p) => [p.paidSats, p.lightning]), [[65536, true], [1115700, false]], 'newest first; a null txid is a Lightning payout');
  const blocks = parse(blocksSchema, 'v1_blocks');
  assert.equal(blocks[0]?.height, 952581);
  assert.equal(blocks[0]?.rewardSats, 314498765);
});

test("OCEAN's error envelope with HTTP 200 is an answer, not a crash", () => {
  const r = envelope(statsnapSchema).parse(fixture('error_no_such_user', 'fixtures-derived'));
  assert.deepEqual(r, { ok: false, message: 'No such user or user has no active workers' });
  assert.equal(envelope(statsnapSchema).safeParse({ result: { hashrate_60s: 'lots' } }).success, false, 'a non-numeric string is a schema error');
  // A hostile or broken reply: a time past 2099, a negative or absurd balance, a txid that is not one.
  const snap = (fixture('v1_statsnap') as { result: Record<string, unknown> }).result;
  assert.equal(envelope(statsnapSchema).safeParse({ result: { ...snap, snap_ts: '99999999999999999999' } }).success, false);
  assert.equal(envelope(statsnapSchema).safeParse({ result: { ...snap, unpaid: '-0.1' } }).success, false);
  assert.equal(envelope(statsnapSchema).safeParse({ result: { ...snap, unpaid: '123456789.0' } }).success, false);
  const ep = (fixture('v1_earnpay') as { result: { payouts: Record<string, unknown>[] } }).result;
  const forged = envelope(earnpaySchema).parse({ result: { ...ep, payouts: [{ ...ep.payouts[0], on_chain_txid: '=HYPERLINK("http://x")' }] } });
  assert.equal(forged.ok && forged.data.payouts[0]?.txid, null, 'only a 64-hex txid is kept (it reaches the CSV)');
  const w = envelope(workersSchema).parse({ result: { snap_ts: '1780730880', workers: { rig: [{ hashrate_60s: '5', hashrate_7s: '9', lastest_share_ts: '1780730870' }] } } });
  assert.deepEqual(w.ok && w.data.workers[0]?.windowsHs, { '60': 5 }, 'unknown windows are ignored');
});

test('BTC strings to sats exactly, and OCEAN times to unix seconds', () => {
  assert.equal(btcToSatsExact('0.00385090'), 385090);
  assert.equal(btcToSatsExact('3.13312160'), 313312160);
  assert.equal(btcToSatsExact('0.1'), 10_000_000);
  assert.equal(btcToSatsExact('21000000'), 2_100_000_000_000_000);
  assert.equal(btcToSatsExact(0.00000001), 1);
  assert.throws(() => btcToSatsExact('1e-8'));
  assert.equal(oceanTimeSec('1780730880'), 1780730880);
  assert.equal(oceanTimeSec('2026-04-18T10:54:28.021400'), Date.UTC(2026, 3, 18, 10, 54, 28) / 1000);
  assert.equal(oceanTimeSec('2026-04-18T10:54:28Z'), Date.UTC(2026, 3, 18, 10, 54, 28) / 1000);
  assert.equal(workerName('bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj.s21-rack7'), 's21-rack7');
  assert.equal(workerName('bitaxe-gamma'), 'bitaxe-gamma');
});

test('worker state by last share at the snapshot time, and kind by name or hashrate', () => {
  const snap = 1_000_000;
  const on = { '60': 1e12, '300': 1e12, '10800': 1e12 };
  assert.equal(workerState({ windowsHs: on, lastShareSec: snap - 5 }, snap), 'online');
  assert.equal(workerState({ windowsHs: on, lastShareSec: snap - 15 * 60 }, snap), 'stale');
  assert.equal(workerState({ windowsHs: { ...on, '60': 0, '300': 0 }, lastShareSec: snap - 120 }, snap), 'stale', 'no recent hashrate but shares in the longer windows');
  assert.equal(workerState({ windowsHs: on, lastShareSec: snap - 3600 }, snap), 'offline');
  assert.equal(workerState({ windowsHs: { '60': 0, '10800': 0 }, lastShareSec: snap - 10 }, snap), 'offline', 'no hashrate in any window');
  assert.equal(workerState({ windowsHs: on, lastShareSec: null }, snap), 'offline');
  assert.equal(workerKind('s19kpro-01', 28e12), 'asic');
  assert.equal(workerKind('bitaxe-gamma', 2e12), 'small');
  assert.equal(workerKind('rig', 110e12), 'asic');
  assert.equal(workerKind('rig', 1.2e12), 'small');
  assert.equal(workerKind('rig', 0), 'unknown');
  assert.equal(workerKind('s9-garage', 0), 'asic');
});

test('the headline is the 60 s hashrate, or the 3 h one below the low-hashrate threshold', () => {
  assert.deepEqual(headlineWindow({ '60': 30e12, '10800': 29e12 }, 10), { windowSec: 60, hashrateHs: 30e12, lowHashrateMode: false });
  assert.deepEqual(headlineWindow({ '60': 2.5e12, '10800': 1.2e12 }, 10), { windowSec: 10800, hashrateHs: 1.2e12, lowHashrateMode: true });
  assert.deepEqual(headlineWindow({ '60': 2.5e12 }, 10), { windowSec: 60, hashrateHs: 2.5e12, lowHashrateMode: false }, 'no 3 h window: the 60 s one');
});

test('profitability by hand: revenue from the share of the network, power, profit, break-even, hashprice', () => {
  // 100 TH/s of a 1 ZH/s network at height 900,000 (3.125 BTC subsidy) with 0.02 BTC fees a block, 2 % pool fee.
  const p = profitability({ hashrateHs: 100e12, networkHashrateHs: 1e21, height: 900_000, avgFeesPerBlockSats: 2_000_000, poolFeePct: 2, priceUsd: 100_000, powerWatts: 3250, powerPriceKwhUsd: 0.1 });
  // share 1e-7 × 314,500,000 sats × 144 × 0.98 = 4,438.224 sats a day.
  assert.ok(Math.abs(p.revenueSatsPerDay - 4438.224) < 1e-6, String(p.revenueSatsPerDay));
  assert.ok(Math.abs((p.revenueUsdPerDay ?? 0) - 4.438224) < 1e-9);
  assert.equal(p.powerKwhPerDay, 78);
  assert.ok(Math.abs(p.powerCostUsdPerDay - 7.8) < 1e-9);
  assert.ok(Math.abs((p.profitUsdPerDay ?? 0) - (4.438224 - 7.8)) < 1e-9, 'a power price above break-even loses money');
  assert.ok((p.profitUsdPerMonth ?? 0) < 0);
  assert.ok(Math.abs((p.breakEvenUsdPerKwh ?? 0) - 4.438224 / 78) < 1e-12);
  assert.ok(Math.abs(p.hashpriceSatsPerThDay - 45.288) < 1e-9, 'hashprice: 1e-9 × 314,500,000 × 144, before the pool fee');
  assert.equal(p.inputs.subsidySats, 312_500_000);
});

test('the subsidy follows the height across a halving, and a zero-hashrate account earns nothing', () => {
  const base = { hashrateHs: 1e15, networkHashrateHs: 1e21, avgFeesPerBlockSats: 0, poolFeePct: 0, priceUsd: null, powerWatts: 0, powerPriceKwhUsd: 0 };
  const before = profitability({ ...base, height: 1_049_999 });
  const after = profitability({ ...base, height: 1_050_000 });
  assert.equal(before.inputs.subsidySats, 312_500_000);
  assert.equal(after.inputs.subsidySats, 156_250_000);
  assert.ok(Math.abs(after.revenueSatsPerDay * 2 - before.revenueSatsPerDay) < 1e-6, 'half the revenue after the halving');
  assert.equal(before.revenueUsdPerDay, null, 'no price: no fiat figures');
  assert.equal(before.breakEvenUsdPerKwh, null);
  const idle = profitability({ ...base, hashrateHs: 0, height: 900_000, priceUsd: 90_000, powerWatts: 100, powerPriceKwhUsd: 0.2 });
  assert.equal(idle.revenueSatsPerDay, 0);
  assert.ok(Math.abs((idle.profitUsdPerDay ?? 0) + 0.48) < 1e-9, 'power still costs');
  assert.equal(idle.breakEvenUsdPerKwh, 0);
  assert.equal(profitability({ ...base, networkHashrateHs: 0, height: 1 }).revenueSatsPerDay, 0, 'no network hashrate: no share');
});

test('days to the next payout, and your share of the blocks the pool found', () => {
  assert.equal(daysToPayout(385_090, 1_048_576, 4_000), (1_048_576 - 385_090) / 4_000);
  assert.equal(daysToPayout(2_000_000, 1_048_576, 4_000), 0);
  assert.equal(daysToPayout(0, 1_048_576, 0), null);
  const s = shareOfBlocks([{ hash: 'a', rewardSats: 314_498_765 }, { hash: 'b', rewardSats: 300_000_000 }], [{ blockHash: 'a', earnedSats: 28_169 }]);
  assert.equal(s.size, 1);
  assert.ok(Math.abs((s.get('a')?.sharePct ?? 0) - (28_169 / 314_498_765) * 100) < 1e-12);
});

test('addresses to their script and Electrum script hash (BIP173, BIP350, base58check vectors)', async () => {
  const { addressScript, electrumScripthash } = await import('../../src/domain/address.ts');
  const hex = (a: string) => addressScript(a)?.toString('hex') ?? null;
  assert.equal(hex('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'), '0014751e76e8199196d454941c45d1b3a323f1433bd6');
  assert.equal(hex('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'), '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  assert.equal(hex('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'), '76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac');
  assert.equal(hex('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'), 'a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87');
  // The Electrum protocol's own example: the genesis block's address.
  assert.equal(electrumScripthash('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'), '8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161');
  // A broken checksum, mixed case, a bech32 checksum on a v1 program, or no address at all: null.
  assert.equal(hex('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T5'), null);
  assert.equal(hex('bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'), null);
  assert.equal(hex('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd'), null);
  assert.equal(hex('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'), null);
  assert.equal(hex('not an address'), null);
  assert.ok(electrumScripthash('bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj')?.match(/^[0-9a-f]{64}$/), 'the fixture account decodes');
});

test('worker series: a clean name is kept, any other gets a hash of the whole name, so no two workers share one', () => {
  assert.equal(workerSeries('s19kpro-01'), 'mining.worker.s19kpro-01.hashrate_hs');
  const dotted = workerSeries('rig.1');
  const underscored = workerSeries('rig_1');
  assert.notEqual(dotted, underscored);
  assert.match(dotted, /^mining\.worker\.rig_1~[0-9a-f]{8}\.hashrate_hs$/);
  const long = 'a'.repeat(70);
  assert.notEqual(workerSeries(long), workerSeries(`${long}b`), 'names alike in their first 60 characters');
  assert.ok(workerSeries('矿机 #7').length <= 100);
  for (const n of ['rig.1', 'x'.repeat(200), '矿机 #7', 'a b']) assert.match(workerSeries(n), /^[A-Za-z0-9_.~-]{1,100}$/, 'a name /api/v1/history accepts');
});
