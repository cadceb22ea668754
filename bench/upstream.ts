// One upstream for `npm run bench`, in its own process: `replay` is the loopback server replaying
// the recorded public-source replies (the one `satscope demo` uses); `regtest` is a bcoin regtest
// node with a few blocks mined. Prints one JSON line when ready ({ env } with the variables that
// point Satscope at it), then serves until SIGTERM or SIGINT.
import { startRegtestNode } from '../src/demo/regtest-node.ts';
import { startReplayServer } from '../src/demo/replay-server.ts';

const kind = process.argv[2];
const blocks = Number(process.argv[3] ?? 20);

let close: () => Promise<void>;
if (kind === 'replay') {
  const replay = await startReplayServer();
  close = replay.close;
  process.stdout.write(`${JSON.stringify({ env: replay.env })}\n`);
} else if (kind === 'regtest') {
  const node = await startRegtestNode({ blocks });
  close = node.stop;
  process.stdout.write(`${JSON.stringify({ env: { BITCOIN_RPC_URL: node.rpcUrl }, height: node.height() })}\n`);
} else {
  process.stderr.write('usage: upstream.ts replay | regtest [blocks]\n');
  process.exit(2);
}

const stop = () => {
  // A hung close must not keep the bench waiting: exit anyway after a second.
  setTimeout(() => process.exit(0), 1000).unref();
  close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
