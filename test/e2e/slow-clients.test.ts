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
    const held = Array.from({ length: 4 }, () => openSocket(port));
    await Promise.all(held.map((h) => new Promise((r) => h.socket.once('connect', r))));
    // Give the server a moment to accept the four before the fifth arrives.
    await new Promise((r) => setTimeout(r, 100));
    const extra = openSocket(port);
    extra.socket.write('POST /in/app HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    expect(await extra.closed).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    const res = await fetch(`${relay.ingestUrl}/in/app`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
  });
});
