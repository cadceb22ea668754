// The loopback guard: loaded into every test process (and the processes the tests spawn) through
// NODE_OPTIONS by test/run.js. A connection to anything but 127.0.0.0/8, ::1, localhost or a unix
// socket is refused on the spot and written to SATSCOPE_NET_GUARD_LOG; the runner fails the whole
// run when that file is not empty, so a source a test forgot to point at its fixture server shows
// at once instead of reaching the internet.
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import process from 'node:process';

const LOG = process.env.SATSCOPE_NET_GUARD_LOG;

export function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '' || host === 'localhost') return true;
  const h = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '::1' || h === '0:0:0:0:0:0:0:1' || h.endsWith('.localhost')) return true;
  if (/^::ffff:127\.\d+\.\d+\.\d+$/.test(h)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function target(args) {
  const [first, second] = args;
  if (Array.isArray(first)) return target(first); // internal normalized form
  if (first !== null && typeof first === 'object') {
    if (first.path) return { loopback: true };
    return { host: first.host ?? first.hostname, port: first.port, loopback: isLoopbackHost(first.host ?? first.hostname) };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { loopback: true }; // a unix socket path
  return { host: typeof second === 'string' ? second : undefined, port: first, loopback: isLoopbackHost(typeof second === 'string' ? second : undefined) };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = target(args);
  if (!t.loopback) {
    const line = `${new Date().toISOString()} pid ${process.pid} ${process.argv.slice(1).join(' ').slice(0, 160)}: connection to ${t.host}:${t.port} refused by the loopback guard\n${new Error().stack?.split('\n').slice(2, 8).join('\n')}\n`;
    if (LOG) appendFileSync(LOG, line);
    const err = Object.assign(new Error(`loopback guard: tests may not connect to ${t.host}:${t.port}`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
