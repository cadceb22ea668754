// A Satscope process whose one job keeps writing history until it is aborted, for the shutdown
// test: built by the real startRuntime and stopped by the real signal handling.
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { exitOnSignals, startRuntime } from '../../src/main.ts';

const config = loadConfig();
const log = createLogger({ level: 'info', secrets: config.secrets });
const runtime = await startRuntime({
  role: 'start',
  config,
  log,
  schedulerTickMs: 50,
  jobs: (deps) => [
    {
      name: 'slow-writer',
      intervalMs: 60_000,
      timeoutMs: Number(process.env.SLOW_JOB_TIMEOUT_MS ?? 4000),
      cooldownMs: 0,
      async run(ctx) {
        let ts = 1_780_000_000;
        while (!ctx.signal.aborted) {
          await deps.history.upsertPoints(Array.from({ length: 50 }, () => ({ series: 'shutdown.probe', tsSec: ts++, value: ts })));
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    },
  ],
});
exitOnSignals(runtime, log);
