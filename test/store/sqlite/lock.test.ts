import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDatabaseLock } from '../../../src/store/sqlite/lock.ts';
import { spawnScript } from '../../helpers/process.ts';
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
    const { child, output } = await spawnScript(
      `import { acquireDatabaseLock } from ${JSON.stringify(lockModule)};
       acquireDatabaseLock(${JSON.stringify(path)}); console.log('locked'); setInterval(() => {}, 1000);`,
    );
    expect(output).toContain('locked');
    expect(() => acquireDatabaseLock(path)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_DATABASE_LOCKED' }),
    );
    child.kill('SIGKILL');
    await once(child, 'exit');
    acquireDatabaseLock(path).release();
  });
});
