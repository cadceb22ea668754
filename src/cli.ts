// The `satscope` command. Parses the command line and the configuration, starts a role, and
// turns SIGTERM/SIGINT into a graceful shutdown.
import { loadConfig, type Config } from './config.ts';
import { isSatscopeError, describeError } from './errors.ts';
import { createLogger } from './log.ts';
import { exitOnFatal, exitOnSignals, startRuntime, type Role } from './main.ts';
import { VERSION } from './server/routes/health.ts';

const USAGE = `usage: satscope <command>
  start    everything in one process: scheduler, jobs and web server (npm start)
  web      HTTP API and pages only
  worker   the job scheduler only
  stream   the price-tick pipeline into the Parquet lake (DATA_DIR/lake); reads the state a worker keeps (REDIS_URL)
  stream --test
           one pass: fetch each source once, write and flush Parquet, read it back with DuckDB; exits 0 or 1
  lake sync  upload the sealed lake files the bucket lacks (LAKE_S3_URL)
  lake ddl   print Athena/Trino tables (partition projection) and DuckDB views over the lake
  check    validate the configuration and probe every configured source
  backfill btc-closes [--from YYYY-MM-DD] [--to YYYY-MM-DD]
           load daily BTC closes from Coinbase (resumable; skips days already held)
  backfill score-history
           a year of the health score's daily values from public history (skips days already held)
  demo     an offline demo: a local regtest node that keeps mining, recorded market data, DEMO on every page
  --version  print the version`;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (isSatscopeError(err, 'CONFIG_INVALID')) {
      process.stderr.write(`satscope: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`satscope ${VERSION}\n`);
    return;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!['start', 'web', 'worker', 'stream', 'lake', 'check', 'backfill', 'demo'].includes(command)) {
    process.stderr.write(`satscope: unknown command ${command}\n${USAGE}\n`);
    process.exit(2);
  }
  const config = configOrExit();
  // The other commands' modules are loaded only for them (in the bundle, separate chunks).
  if (command === 'backfill') {
    const { runBackfill } = await import('./backfill-cli.ts');
    process.exitCode = await runBackfill(config, argv.slice(1), process.stdout);
    return;
  }
  if (command === 'stream' && argv.includes('--test')) {
    const { runStreamTest } = await import('./lake/cli.ts');
    process.exitCode = await runStreamTest(config, (line) => process.stdout.write(`${line}\n`));
    return;
  }
  if (command === 'lake') {
    const { runLakeCommand } = await import('./lake/cli.ts');
    process.exitCode = await runLakeCommand(config, argv.slice(1), (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    return;
  }
  if (command === 'check') {
    const { runCheck } = await import('./check.ts');
    process.exitCode = await runCheck(config, (line) => process.stdout.write(`${line}\n`));
    return;
  }
  const log = createLogger({ level: config.logLevel, secrets: config.secrets });
  // Registered before anything starts; closes whatever runtime is up by then.
  let closeRuntime: () => Promise<void> = () => Promise.resolve();
  exitOnFatal({ close: () => closeRuntime() }, log);
  if (command === 'demo') {
    try {
      const { startDemo } = await import('./demo/index.ts');
      const demo = await startDemo({ log });
      closeRuntime = demo.close;
      exitOnSignals({ ...demo.runtime, close: demo.close }, log);
    } catch (err) {
      log.error('the demo could not start', { err: describeError(err) });
      process.exit(1);
    }
    return;
  }
  let runtime;
  try {
    runtime = await startRuntime({ role: command as Role, config, log, jobsThread: command === 'start' });
  } catch (err) {
    log.error('satscope could not start', { err: describeError(err) });
    process.exit(1);
  }
  closeRuntime = runtime.close;
  exitOnSignals(runtime, log);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`satscope: ${describeError(err)}\n`);
  process.exit(1);
});
