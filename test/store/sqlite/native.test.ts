import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { addonDirs, loadAddon } from '../../../src/store/sqlite/native.ts';
import { tempDir } from '../../helpers/temp.ts';

const prebuild = resolve(
  import.meta.dirname,
  `../../../node_modules/better-sqlite3/prebuilds/${process.platform}-${process.arch}.node`,
);
// better-sqlite3 ships a prebuilt addon for every platform relay supports; its absence is a failure.
const addon = new Uint8Array(readFileSync(prebuild));
const name = `better_sqlite3-${createHash('sha256').update(addon).digest('hex')}.node`;

describe('the addon carried by the single executable', () => {
  it('is written once under its SHA-256 and loads as a working nativeBinding', () => {
    const dir = join(tempDir(), 'data/.relay');
    const binding = loadAddon(addon, [dir]);
    expect(readdirSync(dir)).toEqual([name]);
    const db = new Database(':memory:', { nativeBinding: binding as never });
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
    loadAddon(addon, [dir]);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('replaces a file under its name whose content does not match', () => {
    const dir = tempDir();
    writeFileSync(join(dir, name), 'half-written');
    loadAddon(addon, [dir]);
    expect(
      createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex'),
    ).toBe(name.slice('better_sqlite3-'.length, -'.node'.length));
  });

  it('replaces a file of the same size that differs in one byte, wherever that byte is', () => {
    // The first byte, one past the first 64 KiB chunk, and the last (in a partial chunk). A directory
    // each: rewriting a file this process has loaded in place would change its mapped code.
    for (const at of [0, 64 * 1024, addon.length - 1]) {
      const dir = tempDir();
      const damaged = Buffer.from(addon);
      damaged[at] = damaged[at]! ^ 0xff;
      writeFileSync(join(dir, name), damaged);
      loadAddon(addon, [dir]);
      expect(Buffer.compare(readFileSync(join(dir, name)), addon), `byte ${at}`).toBe(0);
    }
  });

  it('falls back to the next directory, and names every one it could not use', () => {
    const base = tempDir();
    const blocked = join(base, 'not-a-dir');
    writeFileSync(blocked, '');
    loadAddon(addon, [join(blocked, '.relay'), join(base, 'cache')]);
    expect(readdirSync(join(base, 'cache'))).toEqual([name]);
    const error = (() => {
      try {
        loadAddon(addon, [join(blocked, 'a'), join(blocked, 'b')]);
      } catch (caught) {
        return caught as Error & { code: string };
      }
      return undefined;
    })();
    expect(error?.code).toBe('RELAY_ERR_INTERNAL');
    expect(error?.message).not.toContain('\n');
    expect(error?.message).toContain(`${join(blocked, 'a')}: E`);
    expect(error?.message).toContain(`${join(blocked, 'b')}: E`);
    expect(error?.message).toContain('RELAY_NATIVE_DIR');
  });

  it('is never loaded half-written when several relays start at once', async () => {
    const dir = tempDir();
    const script = `import { loadAddon } from ${JSON.stringify(resolve(import.meta.dirname, '../../../src/store/sqlite/native.ts'))};
import { readFileSync } from 'node:fs';
const binding = loadAddon(new Uint8Array(readFileSync(${JSON.stringify(prebuild)})), [${JSON.stringify(dir)}]);
process.exit(typeof binding.Database === 'function' ? 0 : 3);`;
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    const codes = await Promise.all(children.map(async (child) => (await once(child, 'exit'))[0]));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    expect(readdirSync(dir)).toEqual([name]);
  });
});

describe('where the addon goes', () => {
  it('goes beside the database, then to the user cache', () => {
    expect(addonDirs('/var/lib/relay/relay.db', { HOME: '/home/op' })).toEqual([
      '/var/lib/relay/.relay',
      '/home/op/.cache/relay',
    ]);
    expect(addonDirs('/srv/relay.db', { HOME: '/home/op', XDG_CACHE_HOME: '/cache' })).toEqual([
      '/srv/.relay',
      '/cache/relay',
    ]);
  });

  it('goes only where RELAY_NATIVE_DIR says when it is set', () => {
    expect(
      addonDirs('/var/lib/relay/relay.db', { RELAY_NATIVE_DIR: '/opt/relay/native', HOME: '/h' }),
    ).toEqual(['/opt/relay/native']);
  });
});
