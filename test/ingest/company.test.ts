import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestCompany } from '../../src/ingest/company.ts';

describe('IngestCompany', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  async function serve() {
    const company = new IngestCompany();
    const seen: boolean[] = [];
    const closed: Promise<unknown>[] = [];
    const server = createServer((req, res) => {
      company.enter(req, res);
      seen.push(company.expected());
      res.end('ok');
    });
    server.on('connection', (socket: Socket) => closed.push(once(socket, 'close')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    return { seen, closed, port };
  }

  function post(port: number, agent: Agent | false = false): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/in/app', agent });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('error', reject);
      req.end('{}');
    });
  }

  it("expects company only while another client's connection is open and not waiting for an answer", async () => {
    const { seen, closed, port } = await serve();
    // One client alone: its answer is what it waits for.
    await post(port);
    await closed[0];
    // A second client, answered and keeping its connection open: the next event may come from it.
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    closers.push(() => idle.destroy());
    await post(port, idle);
    await post(port);
    idle.destroy();
    await closed[1];
    await post(port);
    expect(seen).toEqual([false, false, true, false]);
  });
});
