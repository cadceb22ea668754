// A raw HTTP/1.1 client over a socket: it sends exactly the bytes a test gives (paths with bad
// percent-escapes, odd methods, broken headers) that node:http's client would refuse to send.
import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/** Sends one request; resolves with the reply (the body up to content-length, or none for an event stream). */
export function rawRequest(port: number, r: RawRequest): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no reply to ${r.method} ${r.target} within ${r.timeoutMs ?? 10_000} ms`))), r.timeoutMs ?? 10_000);
    const parse = (final: boolean): RawReply | undefined => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end === -1) return undefined;
      const [statusLine = '', ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = all.subarray(end + 4);
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      const noBody = r.method === 'HEAD' || status === 204 || status === 304 || (headers['content-type'] ?? '').startsWith('text/event-stream');
      if (noBody) return { status, headers, body: '' };
      if (length !== undefined && body.length >= length) return { status, headers, body: body.subarray(0, length).toString('utf8') };
      if (final) return { status, headers, body: body.toString('utf8') };
      return undefined;
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const reply = parse(false);
      if (reply) finish(() => resolve(reply));
    });
    socket.on('end', () => {
      const reply = parse(true);
      finish(() => (reply ? resolve(reply) : reject(new Error(`connection closed without a reply to ${r.method} ${r.target}`))));
    });
    socket.on('error', (err) => finish(() => reject(err)));
    const body = r.body ?? '';
    const head = [`${r.method} ${r.target} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
    for (const [k, v] of Object.entries(r.headers ?? {})) head.push(`${k}: ${v}`);
    if (body.length > 0 || r.method === 'POST') head.push(`content-length: ${Buffer.byteLength(body)}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  });
}
