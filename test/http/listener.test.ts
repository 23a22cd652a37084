import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type Handler, listen, urlOf } from '../../src/http/listener.ts';
import { startTestRelay, testConfig } from '../helpers/relay.ts';

const REQUEST_TIMEOUT_MS = 1_000;
/** How long relay may keep the socket after the request timeout: its linger time plus slack. */
const BOUND_MS = 4_000;

/**
 * A client that promises a 100,000-byte body, sends a byte every 50 ms and
 * never reads what comes back; fails unless relay closes the socket within the
 * bound after the request timeout, though the client is still writing.
 */
async function expectCutOff(url: string, path: string): Promise<void> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.pause();
  socket.on('error', () => {});
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
  );
  const trickle = setInterval(() => {
    if (!socket.destroyed) socket.write('x');
  }, 50);
  let deadline: NodeJS.Timeout | undefined;
  const expired = new Promise<string>((resolve) => {
    deadline = setTimeout(() => resolve('still open past the bound'), REQUEST_TIMEOUT_MS + BOUND_MS);
  });
  // Not events.once: the write that finds the socket gone errors, and once() would reject on it.
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve('closed')));
  try {
    expect(await Promise.race([closed, expired])).toBe('closed');
  } finally {
    clearInterval(trickle);
    clearTimeout(deadline);
    socket.destroy();
  }
}

describe('listen', () => {
  const options = { maxConnections: 10 };
  const ok: Handler = (_req, res) => res.writeHead(204).end();

  // An address is bound directly, a name through the lookup: both must end up serving.
  for (const host of ['127.0.0.1', '::1', 'localhost']) {
    it(`serves on ${host}, on the port the system gave`, async () => {
      const listener = await listen({ host, port: 0 }, options, ok);
      try {
        expect(listener.address.port).toBeGreaterThan(0);
        expect((await fetch(`${urlOf(listener.address)}/`)).status).toBe(204);
      } finally {
        await listener.close();
      }
    });
  }

  for (const host of ['127.0.0.1', 'localhost']) {
    it(`rejects a port already in use on ${host} with EADDRINUSE`, async () => {
      const first = await listen({ host, port: 0 }, options, ok);
      try {
        await expect(listen({ host, port: first.address.port }, options, ok)).rejects.toMatchObject({
          code: 'EADDRINUSE',
        });
      } finally {
        await first.close();
      }
    });
  }
});

describe('a client that never reads its error answer', () => {
  const config = () =>
    testConfig(`
limits: { header_timeout: 500ms, request_timeout: ${REQUEST_TIMEOUT_MS}ms }
sources: { app: {} }
endpoints: { x: { url: "http://127.0.0.1:9/x" } }
`);

  it('loses its ingest socket within seconds of the request timeout, however long it keeps writing', async () => {
    const relay = await startTestRelay(config());
    await expectCutOff(relay.ingestUrl, '/in/app');
  });

  it('loses its admin socket the same way', async () => {
    const relay = await startTestRelay(config());
    await expectCutOff(relay.adminUrl, '/admin/endpoints/x/test');
  });
});
