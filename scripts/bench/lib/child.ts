/**
 * A helper process of the harness (target, naive forwarder, BullMQ peer)
 * talking over the IPC channel: it says `{ ready: port }` once listening and
 * answers `{ id, op }` requests with `{ id, result }`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

export class Child {
  readonly process: ChildProcess;
  readonly port: number;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private constructor(child: ChildProcess, port: number) {
    this.process = child;
    this.port = port;
    child.on('message', (message: { id?: number; result?: unknown }) => {
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message.result);
      this.waiting.delete(message.id);
    });
  }

  static async start(
    file: string,
    args: string[] = [],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<Child> {
    const child = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env, execArgv: [] });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file} did not start within 20 s`)), 20_000);
      child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
      child.on('message', (message: { ready?: number }) => {
        if (message.ready === undefined) return;
        clearTimeout(timer);
        resolve(message.ready);
      });
    });
    child.removeAllListeners('exit');
    return new Child(child, port);
  }

  get pid(): number {
    return this.process.pid!;
  }

  request<T>(op: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${op} within 30 s`)), 30_000);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result as T);
      });
      this.process.send({ id, op, ...extra });
    });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
