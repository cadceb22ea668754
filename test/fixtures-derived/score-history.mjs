// Writes the year-long history fixtures the health score's bootstrap reads (see README.md, "Score
// history"). The recorded fixtures are trimmed to a few days; these follow the same shapes (from
// ../fixtures/SOURCES.md and the upstream code named in README.md) over the year before the
// recordings, with synthetic values that end on the recorded ones. Deterministic: run it again
// and the files are byte for byte the same.
//   node test/fixtures-derived/score-history.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const recorded = (p) => JSON.parse(readFileSync(new URL(`../fixtures/${p}`, here), 'utf8'));
const write = (p, body) => writeFileSync(new URL(p, here), `${JSON.stringify(body, null, 1)}\n`);

// mulberry32: a small seeded generator, so the files never change between runs.
let seed = 0x5a75c0be;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const noise = (amp) => (rand() * 2 - 1) * amp;
const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

const DAY = 86_400;
const lastDay = 1780617600; // 2026-06-05, the last day of the recorded charts
const days = Array.from({ length: 365 }, (_, i) => lastDay - (364 - i) * DAY);
const progress = (i) => i / 364;

// ---- mempool.space /api/v1/mining/hashrate/1y ----
const h3d = recorded('mempool/v1_mining_hashrate_3d.json');
const lastHashrate = h3d.hashrates.at(-1).avgHashrate;
const hashrates = days.map((t, i) => ({ timestamp: t, avgHashrate: Number((lastHashrate * (0.78 + 0.22 * progress(i)) * (1 + noise(0.035))).toPrecision(5)) }));
for (const p of h3d.hashrates) {
  const same = hashrates.find((x) => x.timestamp === p.timestamp);
  if (same) same.avgHashrate = p.avgHashrate;
}
// Retargets every 2016 blocks back from the recorded one (height 951552 at previousTime).
const adj = recorded('mempool/v1_difficulty_adjustment.json');
const retargets = [{ time: adj.previousTime, height: adj.nextRetargetHeight - 2016 }];
while (retargets[0].time > days[0]) {
  const intervalSec = 600 * (1 + noise(0.05));
  retargets.unshift({ time: Math.round(retargets[0].time - 2016 * intervalSec), height: retargets[0].height - 2016 });
}
let difficulty = h3d.currentDifficulty;
const difficultyRows = [];
for (let i = retargets.length - 1; i >= 0; i--) {
  const r = retargets[i];
  const next = retargets[i + 1];
  const adjustment = next ? round((next.time - r.time) / 2016 / 600, 6) : round(1 + adj.previousRetarget / 100, 6);
  difficultyRows.unshift({ time: r.time, height: r.height, difficulty: round(difficulty, 1), adjustment });
  difficulty /= adjustment;
}
write('mempool/v1_mining_hashrate_1y.json', {
  hashrates,
  difficulty: difficultyRows.filter((d) => d.time >= days[0]),
  currentHashrate: h3d.currentHashrate,
  currentDifficulty: h3d.currentDifficulty,
});

// ---- mempool.space /api/v1/mining/hashrate/pools/1y: one row per pool per week ----
const pools1w = recorded('mempool/v1_mining_pools_1w.json');
const weeks = days.filter((_, i) => i % 7 === 364 % 7);
const poolRows = [];
for (const [w, t] of weeks.entries()) {
  const late = w / (weeks.length - 1);
  for (const p of pools1w.pools) {
    const shareNow = p.blockCount / pools1w.blockCount;
    // The biggest pool grew over the year: concentration rose a little, with weekly noise.
    const share = w === weeks.length - 1 ? shareNow : Math.max(0.001, shareNow * (p.rank === 1 ? 0.85 + 0.15 * late : 1.02) * (1 + noise(0.08)));
    poolRows.push({ timestamp: t, avgHashrate: Number((lastHashrate * share).toPrecision(6)), share: round(share, 4), poolName: p.name });
  }
}
write('mempool/v1_mining_hashrate_pools_1y.json', poolRows);

// ---- mempool.space /api/v1/lightning/statistics/1y: daily rows, newest first ----
const ln = recorded('mempool/v1_lightning_statistics_latest.json');
const lnRows = days.map((t, i) => {
  const k = 0.93 + 0.07 * progress(i) + noise(0.004);
  return {
    added: t + DAY, // the recorded "latest" is stamped the day after the charts end
    channel_count: Math.round(ln.latest.channel_count * (1.04 - 0.04 * progress(i)) + noise(60)),
    node_count: Math.round(ln.latest.node_count * (1.03 - 0.03 * progress(i)) + noise(25)),
    total_capacity: Math.round(ln.latest.total_capacity * k),
    tor_nodes: Math.round(ln.latest.tor_nodes + noise(40)),
    clearnet_nodes: Math.round(ln.latest.clearnet_nodes + noise(15)),
    unannounced_nodes: Math.round(ln.latest.unannounced_nodes + noise(8)),
    avg_capacity: Math.round(ln.latest.avg_capacity * k * (1 + noise(0.01))),
    avg_fee_rate: ln.latest.avg_fee_rate,
    avg_base_fee_mtokens: ln.latest.avg_base_fee_mtokens,
    med_capacity: rand() < 0.8 ? ln.latest.med_capacity : 1_500_000,
    med_fee_rate: ln.latest.med_fee_rate,
    med_base_fee_mtokens: ln.latest.med_base_fee_mtokens,
    clearnet_tor_nodes: Math.round(ln.latest.clearnet_tor_nodes + noise(20)),
  };
});
for (const row of [ln.latest, ln.previous]) {
  const t = Date.parse(row.added) / 1000;
  const i = lnRows.findIndex((r) => r.added === t);
  if (i >= 0) lnRows[i] = { ...Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'id')), added: t };
}
write('mempool/v1_lightning_statistics_1y.json', [...lnRows].reverse());

// ---- Blockchain.com charts over one year ----
const chart = (name, unit, description, values) => ({ status: 'ok', name, unit, period: 'day', description, values });
// A price path ending near the recorded close (60,823 USD).
const price = days.map((_, i) => 60_823 * (1.45 - 0.45 * progress(i)) * (1 + noise(0.03)));
const feesBtc = days.map((_, i) => 4 + 3 * Math.sin(i / 19) ** 2 + noise(1.2));
const subsidyBtc = 3.125;
const blocksPerDay = days.map(() => 144 * (1 + noise(0.06)));
write(
  'blockchain/charts_miners_revenue_1year.json',
  chart('Miners Revenue (USD)', 'USD', 'Total value of coinbase block rewards and transaction fees paid to miners.', days.map((t, i) => ({ x: t, y: round((blocksPerDay[i] * subsidyBtc + feesBtc[i]) * price[i], 2) }))),
);
write(
  'blockchain/charts_transaction_fees_usd_1year.json',
  chart('Total Transaction Fees (USD)', 'USD', 'The total USD value of all transaction fees paid to miners.', days.map((t, i) => ({ x: t, y: round(feesBtc[i] * price[i], 2) }))),
);
const utxo30 = recorded('blockchain/charts_utxo_count_30days.json');
const lastUtxo = utxo30.values.at(-1).y;
const utxoValues = days.map((t, i) => ({ x: t, y: Math.round(lastUtxo * (0.9 + 0.1 * progress(i)) + noise(150_000)) }));
for (const v of utxo30.values) {
  const same = utxoValues.find((x) => x.x === v.x);
  if (same) same.y = v.y;
}
write('blockchain/charts_utxo_count_1year.json', chart(utxo30.name, utxo30.unit, utxo30.description, utxoValues));
