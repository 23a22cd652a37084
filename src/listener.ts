import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Address } from './config/schema.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Listener {
  readonly server: Server;
  /** The bound address (the real port when the config asked for port 0). */
  readonly address: Address;
  close(): Promise<void>;
}

/**
 * A node:http server with timeouts set, so a slow or idle client cannot hold a
 * socket: the headers must arrive within 10 s and the whole request within
 * 30 s; idle keep-alive sockets close after 5 s.
 */
export async function listen(address: Address, handler: Handler): Promise<Listener> {
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, maxHeaderSize: 16_384 },
    handler,
  );
  server.maxRequestsPerSocket = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    address: { host: address.host, port: bound.port },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** `http://host:port` for an address, with IPv6 hosts bracketed. */
export function urlOf(address: Address): string {
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
