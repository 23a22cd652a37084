/** The worker of ref-naive-threaded-server.ts: forwards what the main thread read, and says how each was answered. */
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

/** A request to forward: its id on the main thread, its content type and body. */
export type Forward = [id: number, contentType: string, body: Uint8Array];
/** A forwarded request's id and the target's status (502: no answer). */
export type Answered = [id: number, status: number];

const { origin, path, connections } = workerData as { origin: string; path: string; connections: number };
const pool = new Pool(origin, { connections, keepAliveTimeout: 4_000 });
let answered: Answered[] = [];

function answer(id: number, status: number) {
  if (answered.length === 0)
    setImmediate(() => {
      parentPort!.postMessage(answered);
      answered = [];
    });
  answered.push([id, status]);
}

parentPort!.on('message', (batch: Forward[]) => {
  for (const [id, contentType, body] of batch) {
    pool
      .request({ path, method: 'POST', headers: { 'content-type': contentType }, body })
      .then(async (reply) => {
        await reply.body.dump();
        answer(id, reply.statusCode);
      })
      .catch(() => answer(id, 502));
  }
});
