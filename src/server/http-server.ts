// The node:http server around the app. Requests Node's own parser rejects (a malformed request
// line or header, an oversized header) get the same JSON error envelope and security headers as
// any other error, and are logged at debug: they are the client's problem, not ours.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.ts';
import { SECURITY_HEADERS, errorEnvelope } from './responses.ts';

export function createHttpServer(handle: (req: IncomingMessage, res: ServerResponse) => void, log: Logger): Server {
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 120_000 }, handle);
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    log.debug('malformed request or client error', { code: err.code, err: err.message });
    // A reply already under way on this connection (a pipelined request): nothing more may be written.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (!socket.writable || inFlight || (err.code === 'ECONNRESET' && socket.destroyed)) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify(errorEnvelope('BAD_REQUEST', tooLarge ? 'the request headers are too large' : status === 408 ? 'the request took too long to arrive' : 'the request is not valid HTTP'));
    const headers: string[] = [];
    for (let i = 0; i < SECURITY_HEADERS.length; i += 2) headers.push(`${SECURITY_HEADERS[i]}: ${SECURITY_HEADERS[i + 1]}`);
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers.join('\r\n')}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}
