// Market KPIs from the sources' raw values. Pure.

export interface KpiInputs {
  priceUsd: number;
  coin: {
    marketCapUsd: number | null;
    volume24hUsd: number | null;
    high24hUsd: number | null;
    low24hUsd: number | null;
    athUsd: number | null;
    athDate: string | null;
    change24hPct: number;
    circulatingSupply: number;
  };
  dominancePct: number | null;
  chart: readonly { tsSec: number; usd: number }[];
  /** Completed daily closes (Coinbase candles), preferred for volatility over the chart. */
  dailyClosesUsd?: readonly number[];
  nowSec: number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The last price of each UTC day, oldest first. */
export function dailyCloses(points: readonly { tsSec: number; usd: number }[]): { daySec: number; usd: number }[] {
  const byDay = new Map<number, { tsSec: number; usd: number }>();
  for (const p of points) {
    const day = Math.floor(p.tsSec / 86_400) * 86_400;
    const cur = byDay.get(day);
    if (!cur || p.tsSec >= cur.tsSec) byDay.set(day, p);
  }
  return [...byDay].sort((a, b) => a[0] - b[0]).map(([daySec, p]) => ({ daySec, usd: p.usd }));
}

/** Annualised standard deviation of daily log returns, in percent; null with fewer than 2 returns. */
export function realizedVolatilityPct(closes: readonly number[]): number | null {
  const returns = closes.slice(1).map((c, i) => Math.log(c / (closes[i] as number)));
  if (returns.length < 2) return null;
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (returns.length - 1);
  return round(Math.sqrt(variance) * Math.sqrt(365) * 100);
}

export function computeKpis(i: KpiInputs) {
  const ath = i.coin.athUsd;
  const athSec = i.coin.athDate ? Math.floor(Date.parse(i.coin.athDate) / 1000) : null;
  return {
    priceUsd: i.priceUsd,
    marketCapUsd: i.coin.marketCapUsd,
    dominancePct: i.dominancePct === null ? null : round(i.dominancePct),
    volume24hUsd: i.coin.volume24hUsd,
    change24hPct: round(i.coin.change24hPct),
    high24hUsd: i.coin.high24hUsd,
    low24hUsd: i.coin.low24hUsd,
    athUsd: ath,
    athDate: i.coin.athDate,
    daysSinceAth: athSec === null ? null : Math.floor((i.nowSec - athSec) / 86_400),
    drawdownFromAthPct: ath ? round((i.priceUsd / ath - 1) * 100) : null,
    volatility30dPct: realizedVolatilityPct(i.dailyClosesUsd && i.dailyClosesUsd.length >= 3 ? i.dailyClosesUsd.slice(-31) : dailyCloses(i.chart).map((c) => c.usd)),
    circulatingSupply: i.coin.circulatingSupply,
    supplyPctOf21M: round((i.coin.circulatingSupply / 21_000_000) * 100, 3),
  };
}
