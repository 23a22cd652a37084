import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { tempDir } from '../helpers/temp.ts';

function config(extra: string): string {
  const dir = tempDir();
  const file = writeDaemonConfig(
    dir,
    `limits: { ${extra} }
sources: { app: {} }
`,
  );
  return file;
}

/** Opens a raw connection; resolves with everything received once the server closes it. */
function openSocket(port: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk));
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(answer));
    socket.on('error', () => {});
  });
  return { socket, closed };
}

/** Sends one keep-alive request on a raw socket and resolves once its answer's status line arrives. */
function answeredOnce(held: { socket: Socket }): Promise<void> {
  return new Promise((resolve) => {
    held.socket.on('data', function onData(chunk: Buffer) {
      if (chunk.toString().startsWith('HTTP/1.1 ')) {
        held.socket.off('data', onData);
        resolve();
      }
    });
    held.socket.write('POST /in/app HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
  });
}

/** POSTs until a connection is served (not closed unanswered), within `deadlineMs`; returns the status. */
async function postUntilServed(url: string, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return (await fetch(url, { method: 'POST', body: '{}' })).status;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('slow and greedy clients', () => {
  it('cuts off a client that trickles its headers, and one that never finishes its body', async () => {
    const relay = await spawnRelay(['--config', config('header_timeout: 1s, request_timeout: 2s')]);
    const port = Number(new URL(relay.ingestUrl).port);

    const trickle = openSocket(port);
    const request = 'POST /in/app HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
    let i = 0;
    const timer = setInterval(() => {
      if (i < request.length && !trickle.socket.destroyed) trickle.socket.write(request[i++]!);
    }, 300);
    const trickled = await trickle.closed;
    clearInterval(timer);
    expect(i).toBeLessThan(request.length);
    expect(trickled).toMatch(/^HTTP\/1\.1 408/);

    const unfinished = openSocket(port);
    unfinished.socket.write('POST /in/app HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"partial":');
    const cut = await unfinished.closed;
    expect(cut).toMatch(/^HTTP\/1\.1 408/);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
  });

  it('closes connections past limits.max_connections at once, and serves again when they go', async () => {
    const relay = await spawnRelay(['--config', config('max_connections: 4')]);
    const port = Number(new URL(relay.ingestUrl).port);
    // Each held connection carries one answered request, so the server has
    // surely accepted all four (and counts them) before the fifth arrives.
    const held = Array.from({ length: 4 }, () => openSocket(port));
    await Promise.all(held.map((h) => answeredOnce(h)));
    const extra = openSocket(port);
    extra.socket.write('POST /in/app HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    expect(await extra.closed).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    // The client sees its sockets closed before the server has counted them
    // gone, so the first attempts may still be turned away.
    expect(await postUntilServed(`${relay.ingestUrl}/in/app`, 5_000)).toBe(200);
  });
});
