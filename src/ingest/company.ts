import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Whether an event just read is likely to have company soon: some other
 * client is connected and not waiting for an answer, so it may send while
 * this one's commit waits. A lone client that sends one event at a time is
 * waiting for this very answer: its writes never wait for company.
 */
export class IngestCompany {
  private readonly sockets = new Set<Socket>();
  private answering = 0;

  /** Counts a request from its start to its answer, and its connection while open. */
  enter(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    if (!this.sockets.has(socket)) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
    this.answering++;
    res.once('close', () => this.answering--);
  }

  /** True when a connection other than those being answered is open. */
  expected(): boolean {
    return this.sockets.size > this.answering;
  }
}
