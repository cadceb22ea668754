// The SSE clients of the fan-out benchmark, in their own process: N raw TCP connections that send
// one GET and read the stream. Each event carries the server's send time; a client's delivery time
// is when it has the event, on the same machine clock.
import { connect, type Socket } from 'node:net';

type Command = { cmd: 'connect'; port: number; path: string; n: number } | { cmd: 'expect'; seq: number; timeoutMs: number } | { cmd: 'close' };
const send = (m: unknown) => process.send?.(m);
const sockets: Socket[] = [];
let waiting: { seq: number; got: Map<number, number>; done: () => void } | undefined;
const MARK = /"seq":(\d+),"t":(\d+)/g;

function open(port: number, path: string, index: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let tail = '';
    let headed = false;
    s.setEncoding('latin1');
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
    s.on('data', (chunk: string) => {
      const text = tail + chunk;
      if (!headed) {
        headed = true;
        resolve(text.startsWith('HTTP/1.1 200'));
      }
      if (waiting) {
        for (const m of text.matchAll(MARK)) {
          if (Number(m[1]) === waiting.seq && !waiting.got.has(index)) {
            waiting.got.set(index, Date.now() - Number(m[2]));
            if (waiting.got.size === sockets.length) waiting.done();
          }
        }
      }
      tail = text.slice(-48);
    });
    s.on('error', () => resolve(false));
    sockets.push(s);
  });
}

process.on('message', async (m: Command) => {
  if (m.cmd === 'connect') {
    let ok = 0;
    // In batches, so the listen backlog is never overrun.
    for (let i = 0; i < m.n; i += 250) {
      const batch = await Promise.all(Array.from({ length: Math.min(250, m.n - i) }, (_, j) => open(m.port, m.path, i + j)));
      ok += batch.filter(Boolean).length;
    }
    send({ connected: ok });
  } else if (m.cmd === 'expect') {
    const got = new Map<number, number>();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, m.timeoutMs);
      waiting = { seq: m.seq, got, done: () => (clearTimeout(timer), resolve()) };
      send({ expecting: m.seq });
    });
    waiting = undefined;
    send({ seq: m.seq, latencies: [...got.values()], missing: sockets.length - got.size });
  } else if (m.cmd === 'close') {
    for (const s of sockets) s.destroy();
    send({ closed: true });
  }
});
send({ ready: true });
