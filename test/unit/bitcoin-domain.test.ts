import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  btcPerKvbToSatPerVb, btcToSats, halvingInterval, hashrateFromDifficulty, nextHalving, nextRetarget, normalizeBits, percentiles, subsidySats, supplySats,
} from '../../src/domain/bitcoin.ts';
import { feeHistogram, projectBlocks, type MempoolTx } from '../../src/domain/mempool.ts';
import { coinbaseText, identifyPool } from '../../src/domain/pools.ts';

const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8').trim();

test('subsidySats() halves every 210,000 blocks and ends at 0', () => {
  const cases: [number, number][] = [
    [0, 5_000_000_000], [209_999, 5_000_000_000], [210_000, 2_500_000_000], [630_000, 625_000_000],
    [840_000, 312_500_000], [952_583, 312_500_000], [1_050_000, 156_250_000], [6_930_000, 0], [13_440_000, 0],
  ];
  for (const [h, sats] of cases) assert.equal(subsidySats(h), sats, `height ${h}`);
  assert.equal(halvingInterval('regtest'), 150);
  assert.equal(subsidySats(150, 150), 2_500_000_000);
});

test('supplySats() at the fixtures\' tip equals Blockchain.com totalbc', () => {
  assert.equal(supplySats(952_583), Number(fixture('blockchain/q_totalbc.json')));
  assert.equal(supplySats(840_000), 1_968_750_000_000_000, '19,687,500 BTC at the fourth halving');
  assert.equal(supplySats(0), 0);
  assert.equal(supplySats(1), 5_000_000_000);
  assert.equal(supplySats(20_000_000), 2_099_999_997_690_000, 'the 21M cap, less the rounding');
});

test('nextHalving() and nextRetarget() from the fixtures\' tip', () => {
  const now = 1_780_730_885;
  const h = nextHalving(952_583, now);
  assert.deepEqual([h.nextHeight, h.blocksLeft, h.subsidyAfterSats], [1_050_000, 97_417, 156_250_000]);
  // 1031 blocks of the epoch took 1031 × 590 s: blocks 1.7% fast.
  const r = nextRetarget(952_583, 1_780_730_712, 1_780_730_712 - 1031 * 590, now);
  assert.equal(r.epochStartHeight, 951_552);
  assert.equal(r.nextHeight, 953_568);
  assert.equal(r.blocksLeft, 985);
  assert.equal(r.avgBlockSec, 590);
  assert.equal(r.estimatedChangePct, 1.69);
  assert.equal(r.estimatedAtSec, now + 985 * 590);
  assert.equal(nextRetarget(100, 10_000, 0, 0).estimatedChangePct, 300, 'clamped at ×4');
});

test('hashrateFromDifficulty() agrees with the node\'s networkhashps within 0.1%', () => {
  const hs = hashrateFromDifficulty(138_966_872_071_213.2);
  assert.ok(Math.abs(hs / 9.947636179554595e20 - 1) < 0.001, String(hs));
});

test('unit conversions', () => {
  assert.equal(btcToSats(0.05012345), 5_012_345);
  assert.equal(btcToSats(0.1 + 0.2), 30_000_000);
  assert.equal(btcPerKvbToSatPerVb(0.00001), 1);
  assert.equal(btcPerKvbToSatPerVb(2.345e-5), 2.345);
  assert.equal(normalizeBits(545_259_519), '207fffff');
  assert.equal(normalizeBits('17020684'), '17020684');
  assert.deepEqual(percentiles([5, 1, 4, 2, 3], [10, 50, 90]), [1, 3, 5]);
  assert.deepEqual(percentiles([], [50]), [null]);
});

const tx = (txid: string, vsize: number, rate: number, ancestorRate = rate): MempoolTx => ({ txid, vsize, feeSats: Math.round(vsize * rate), ancestorFeeRate: ancestorRate });

test('feeHistogram() buckets vsize by fee rate, highest first', () => {
  const hist = feeHistogram([tx('a', 100, 1.5), tx('b', 200, 1.9), tx('c', 300, 25), tx('d', 50, 0.5), tx('e', 40, 0.12), tx('f', 100, 0.05)]);
  assert.deepEqual(hist, [
    { feeRate: 20, vsize: 300, count: 1 },
    { feeRate: 1, vsize: 300, count: 2 },
    { feeRate: 0.5, vsize: 50, count: 1 },
    { feeRate: 0.1, vsize: 40, count: 1 },
    { feeRate: 0, vsize: 100, count: 1 },
  ]);
});

test('projectBlocks() fills blocks by ancestor fee rate, the last one taking the rest', () => {
  const txs = [tx('low', 600_000, 2), tx('high', 600_000, 50), tx('mid', 500_000, 10), tx('child-pays', 300_000, 1, 40)];
  const blocks = projectBlocks(txs, 2);
  assert.equal(blocks.length, 2);
  assert.deepEqual([blocks[0]?.txCount, blocks[0]?.vsize, blocks[0]?.maxFeeRate], [2, 900_000, 50]);
  assert.deepEqual([blocks[1]?.txCount, blocks[1]?.vsize, blocks[1]?.minFeeRate], [2, 1_100_000, 2]);
  assert.deepEqual(projectBlocks([]), []);
});

test('identifyPool() reads the pool from the coinbase text', () => {
  const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
  assert.equal(identifyPool(`03b7880e${hex('/Foundry USA Pool #dropgold/')}00`), 'Foundry USA');
  assert.equal(identifyPool(hex('Mined by AntPool 937')), 'AntPool');
  assert.equal(identifyPool(hex('七彩神仙鱼')), 'F2Pool');
  assert.equal(identifyPool(hex('nothing known')), null);
  assert.equal(identifyPool(undefined), null);
  assert.match(coinbaseText(hex('/ViaBTC/')), /\/ViaBTC\//);
});
