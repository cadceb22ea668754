// A scheduler process for the multi-process tests: one probe job on a real Redis. The job marks
// itself active in Redis while it runs and records any overlap it sees, plus each start and end.
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { Scheduler } from '../../src/scheduler.ts';
import { RedisStore } from '../../src/store/redis-store.ts';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const url = env('REDIS_URL');
const prefix = env('PROBE_PREFIX');
const jobMs = Number(env('JOB_MS'));
const log = createLogger({ level: 'warn', secrets: [] });
const store = new RedisStore({ url, log });
await store.start();
const probe = new Redis(url);
const holder = `${process.pid}`;

const scheduler = new Scheduler({
  store,
  metrics: createMetrics(),
  log,
  tickMs: 50,
  pollMs: 100,
  holderId: holder,
  leaseMs: Number(env('LEASE_MS')),
  jobs: [
    {
      name: `${prefix}-probe`,
      intervalMs: Number(env('INTERVAL_MS')),
      timeoutMs: Number(env('TIMEOUT_MS')),
      cooldownMs: 0,
      async run(ctx) {
        const active = await probe.incr(`${prefix}:active`);
        if (active > 1) await probe.rpush(`${prefix}:overlaps`, `${holder}@${Date.now()}`);
        await probe.rpush(`${prefix}:runs`, `start ${holder} ${Date.now()}`);
        try {
          await new Promise((resolve) => {
            const t = setTimeout(resolve, jobMs);
            ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve(undefined)), { once: true });
          });
        } finally {
          await probe.decr(`${prefix}:active`);
          await probe.rpush(`${prefix}:runs`, `end ${holder} ${Date.now()}`);
        }
      },
    },
  ],
});
scheduler.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void scheduler.stop().then(async () => {
    probe.disconnect();
    await store.close();
    process.exit(0);
  });
});
