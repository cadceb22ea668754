// `satscope backfill btc-closes --from 2015-01-01 [--to 2026-01-01]`: the same backfill the job
// runs, in the foreground, with a progress bar on a terminal (plain lines otherwise).
import { z } from 'zod';
import { bitcoinDaySchema } from './domain/dates.ts';
import type { Config } from './config.ts';
import { describeError } from './errors.ts';
import { BACKFILL_FROM_SETTING, backfillCloses, dayIso, type Progress } from './jobs/backfill-closes.ts';
import { backfillScoreHistory, scoreClients, type ScoreBackfillClients } from './jobs/backfill-score.ts';
import type { History } from './store/history/history.ts';
import { silentLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { openStore } from './main.ts';
import { buildSourceCatalog } from './sources/catalog.ts';
import { openHistory } from './store/history/history.ts';

const SERIES = ['btc-closes', 'score-history'] as const;
const date = bitcoinDaySchema();

export function parseBackfillArgs(argv: readonly string[]): { series: (typeof SERIES)[number]; fromSec: number; toSec: number | undefined } {
  const [series, ...rest] = argv;
  if (!SERIES.includes(series as (typeof SERIES)[number])) throw new Error(`unknown series ${series ?? '(none)'}; one of: ${SERIES.join(', ')}`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) flags.set(rest[i] ?? '', rest[i + 1] ?? '');
  for (const f of flags.keys()) if ((f !== '--from' && f !== '--to') || series === 'score-history') throw new Error(`unknown option ${f}`);
  const from = date.safeParse(flags.get('--from') ?? '2015-01-01');
  if (!from.success) throw new Error(`--from ${from.error.issues[0]?.message}`);
  const to = flags.has('--to') ? date.safeParse(flags.get('--to')) : undefined;
  if (to && !to.success) throw new Error(`--to ${to.error.issues[0]?.message}`);
  return { series: series as (typeof SERIES)[number], fromSec: from.data, toSec: to?.success ? to.data : undefined };
}

function bar(done: number, total: number, note: string): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${note}`;
}

export async function runBackfill(config: Config, argv: readonly string[], out: NodeJS.WriteStream): Promise<number> {
  let args;
  try {
    args = parseBackfillArgs(argv);
  } catch (err) {
    out.write(`satscope backfill: ${(err as Error).message}\nusage: satscope backfill btc-closes [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n       satscope backfill score-history\n`);
    return 2;
  }
  const metrics = createMetrics();
  const store = await openStore(config, silentLogger);
  const history = await openHistory({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: silentLogger });
  try {
    const tty = out.isTTY === true;
    const onProgress = (done: number, total: number, note: string) => out.write(tty ? `\r${bar(done, total, note)}\x1b[K` : `${bar(done, total, note)}\n`);
    const http = buildSourceCatalog(config, { store, metrics, log: silentLogger }).http;
    if (args.series === 'score-history') return await scoreHistory(history, scoreClients(http), onProgress, tty, out);
    const client = http.coinbase;
    if (!client) {
      out.write('satscope backfill: the coinbase source is switched off (SOURCES_DISABLED)\n');
      return 1;
    }
    // The scheduled job keeps the range the user asked for from now on.
    const current = await history.getSetting(BACKFILL_FROM_SETTING, z.number());
    if (current === undefined || args.fromSec < current) await history.setSetting(BACKFILL_FROM_SETTING, args.fromSec);
    const r = await backfillCloses(history, client, { fromSec: args.fromSec, toSec: args.toSec, onProgress });
    if (tty) out.write('\n');
    out.write(`${r.daysInRange} days from ${dayIso(args.fromSec)}: ${r.alreadyHeld} already held, ${r.saved} saved in ${r.requests} requests, ${r.gaps.length} without a candle`);
    out.write(r.gaps.length ? ` (${r.gaps.slice(0, 5).join(', ')}${r.gaps.length > 5 ? ', …' : ''})\n` : '\n');
    return 0;
  } catch (err) {
    out.write(`\nsatscope backfill: stopped: ${describeError(err)} (run it again to resume)\n`);
    return 1;
  } finally {
    await history.close();
    await store.close();
  }
}

/** A year of the health score's daily values; one line per step, 1 when every step that ran failed. */
async function scoreHistory(history: History, clients: ScoreBackfillClients, onProgress: Progress, tty: boolean, out: NodeJS.WriteStream): Promise<number> {
  if (!clients.mempool && !clients.blockchain) {
    out.write('satscope backfill: the mempool and blockchain sources are switched off (SOURCES_DISABLED)\n');
    return 1;
  }
  const results = await backfillScoreHistory(history, clients, { onProgress });
  if (tty) out.write('\n');
  for (const r of results) {
    const days = Object.entries(r.series).map(([s, n]) => `${s} ${n} d`).join(', ');
    out.write(r.error ? `  ${r.step}: ${r.error}\n` : `  ${r.step}: ${r.saved} new daily values (${days || 'nothing'})\n`);
  }
  const ran = results.filter((r) => !r.error?.startsWith('skipped'));
  const failed = ran.filter((r) => r.error);
  out.write(`${ran.length - failed.length} of ${results.length} steps done; the score job uses the history on its next run\n`);
  return ran.length > 0 && failed.length === ran.length ? 1 : 0;
}
