import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDatabaseLock } from '../../../src/store/sqlite/lock.ts';
import { tempDir } from '../../helpers/temp.ts';

describe('database lock', () => {
  it('refuses a second holder with a clear error and frees the lock on release', () => {
    const path = join(tempDir(), 'relay.db');
    const first = acquireDatabaseLock(path);
    expect(() => acquireDatabaseLock(path)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_DATABASE_LOCKED', message: expect.stringContaining(path) }),
    );
    first.release();
    acquireDatabaseLock(path).release();
  });

  it('is freed by the operating system when the holder is killed with SIGKILL', async () => {
    const path = join(tempDir(), 'relay.db');
    const lockModule = resolve('src/store/sqlite/lock.ts');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireDatabaseLock } from ${JSON.stringify(lockModule)};
       acquireDatabaseLock(${JSON.stringify(path)}); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    expect(chunk.toString()).toContain('locked');
    expect(() => acquireDatabaseLock(path)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_DATABASE_LOCKED' }),
    );
    child.kill('SIGKILL');
    await once(child, 'exit');
    acquireDatabaseLock(path).release();
  });
});
