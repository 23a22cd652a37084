import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, BoundSocket, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Address } from '../config/schema.ts';

/** How long close() waits for busy connections before cutting them. */
const CLOSE_DEADLINE_MS = 5_000;

/**
 * After an error answer, how long a client gets to read it before its socket
 * is destroyed, whatever it still sends (nginx's lingering_time). Closing at
 * once could reset the connection before the answer is read; waiting for the
 * client to stop writing lets one that trickles a byte a second hold the
 * socket, and a thousand of them fill limits.max_connections.
 */
const LINGER_MS = 2_000;

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Listener {
  readonly server: Server;
  /** The bound address (the real port when the config asked for port 0). */
  readonly address: Address;
  close(): Promise<void>;
}

/**
 * A node:http server with timeouts set, so a slow or idle client cannot hold a
 * socket: the headers must arrive within `headerTimeoutMs` (default 10 s) and
 * the whole request within `requestTimeoutMs` (30 s); idle keep-alive sockets
 * close after 5 s.
 */
export async function listen(
  address: Address,
  options: { maxConnections?: number; headerTimeoutMs?: number; requestTimeoutMs?: number },
  handler: Handler,
): Promise<Listener> {
  const server = createServer(
    {
      headersTimeout: options.headerTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16_384,
      // How often the timeouts above are checked: a tenth of the shortest, so they hold closely.
      connectionsCheckingInterval: Math.min(options.headerTimeoutMs ?? 10_000, 30_000) / 10,
    },
    handler,
  );
  server.maxRequestsPerSocket = 0;
  // Past this many open connections new ones are closed at once: a flood of
  // idle or slow clients cannot exhaust file descriptors.
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    // An IP address is bound at once. listen(port, host) first looks the host up (dns.lookup, even
    // for an address) and tests the answer with Node's IPv6 pattern, whose first run compiles it:
    // 1.5-2 ms of every start. A name (localhost) still goes through the lookup.
    if (isIP(address.host) === 0) server.listen(address.port, address.host, listening);
    else server.listen(new BoundSocket({ host: address.host, port: address.port }), listening);
  });
  const bound = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    address: { host: address.host, port: bound.port },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        // Keep-alive clients may keep a socket busy with request after request:
        // sweep idle sockets until none is left, and cut the rest at the deadline.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const deadline = setTimeout(() => server.closeAllConnections(), CLOSE_DEADLINE_MS);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * Requests node:http cannot parse (oversized headers, garbage, timeouts) still
 * get the documented JSON error shape before the socket closes.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'RELAY_ERR_BAD_REQUEST', 'request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'RELAY_ERR_BAD_REQUEST', 'the request took too long to arrive']
        : [400, 'Bad Request', 'RELAY_ERR_BAD_REQUEST', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(cut));
}

/** `http://host:port` for an address, with IPv6 hosts bracketed. */
export function urlOf(address: Address): string {
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
