import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const logModule = pathToFileURL(join(import.meta.dirname, '../src/log.ts')).href;

describe('logger', () => {
  it('lets the process exit when its stdout reader has gone, with lines still to write', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createLogger } from ${JSON.stringify(logModule)};
         const log = createLogger('info');
         process.stdin.once('data', () => {
           log.info('one');
           log.info('two');
           process.exit(0);
         });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.stdout.destroy(); // the reader of relay's logs is gone: writes fail with EPIPE
    child.stdin.write('go\n');
    const stuck = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(stuck);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
