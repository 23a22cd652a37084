import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach } from 'vitest';

export interface SseMessage {
  id: number;
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields it checks
  data: any;
}

export interface SseReader {
  status: number;
  messages: SseMessage[];
  /** Comment lines (`: ping`), without the colon. */
  comments: string[];
  /** Resolves with the first message not yet taken that `match` accepts, seen or to come. */
  next(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves once `done()` holds, checked after every block the server sends (comments too). */
  until(done: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the response (or cuts it). */
  ended: Promise<void>;
  close(): void;
}

const open: (() => void)[] = [];
afterEach(() => {
  for (const close of open.splice(0)) close();
});

/** Reads `url` as Server-Sent Events, as a browser's EventSource would, keeping every message. */
export function readStream(url: string, token?: string): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const taken = new Set<SseMessage>();
      const waiters = new Set<() => void>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const at = line.indexOf(': ');
              if (at > 0) fields[line.slice(0, at)] = line.slice(at + 2);
            }
          }
          if (fields.event) {
            messages.push({
              id: Number(fields.id),
              event: fields.event,
              data: JSON.parse(fields.data ?? '{}'),
            });
          }
          for (const waiter of [...waiters]) waiter();
        }
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      });
      const close = () => req.destroy();
      open.push(close);
      const reader: SseReader = {
        status: res.statusCode ?? 0,
        messages,
        comments,
        ended,
        close,
        until(done, timeoutMs = 10_000) {
          return new Promise((found, fail) => {
            const look = () => {
              if (!done()) return;
              waiters.delete(look);
              clearTimeout(timer);
              found();
            };
            const timer = setTimeout(() => {
              waiters.delete(look);
              fail(
                new Error(`stream condition not met in ${timeoutMs} ms; comments: ${comments.join(', ')}`),
              );
            }, timeoutMs);
            waiters.add(look);
            look();
          });
        },
        async next(match, timeoutMs = 10_000) {
          let found: SseMessage | undefined;
          await reader
            .until(() => {
              found = messages.find((m) => !taken.has(m) && match(m));
              return found !== undefined;
            }, timeoutMs)
            .catch(() => {
              throw new Error(
                `no such stream message in ${timeoutMs} ms; seen: ${JSON.stringify(messages.slice(-5))}`,
              );
            });
          taken.add(found!);
          return found!;
        },
      };
      resolve(reader);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Opens a stream and never reads it after its first bytes: what the server
 * sends piles up in the sockets' buffers, then in relay's.
 */
export async function stalledReader(url: string, token: string): Promise<Socket> {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  open.push(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  const first = await new Promise<string>((resolve) =>
    socket.once('data', (chunk) => resolve(chunk.toString())),
  );
  socket.pause();
  if (!first.startsWith('HTTP/1.1 200')) throw new Error(`stream refused: ${first}`);
  return socket;
}
