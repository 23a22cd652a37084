import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { getAsset, getRawAsset, isSea } from 'node:sea';
import { RelayError } from '../../errors.ts';

/** The SEA asset that carries better-sqlite3's addon (see scripts/build-sea.ts). */
export const ADDON_ASSET = 'better_sqlite3.node';
/** The SEA asset that carries the addon's SHA-256 in hex, computed by the build rather than at each start. */
export const ADDON_DIGEST_ASSET = 'better_sqlite3.node.sha256';

/**
 * better-sqlite3's addon for the database at `databasePath`, or undefined when
 * relay runs from its sources or the npm package (better-sqlite3 then finds
 * its own prebuilt addon).
 *
 * Inside the single executable `require` loads only Node's built-ins, so the
 * addon travels as an asset: it is written once to a file named by its SHA-256
 * (an upgrade never loads a stale one) and loaded with `process.dlopen`.
 */
export function nativeBindingFor(
  databasePath: string,
  env: NodeJS.ProcessEnv = process.env,
): object | undefined {
  if (!isSea()) return undefined;
  const digest = getAsset(ADDON_DIGEST_ASSET, 'utf8');
  return loadAddon(new Uint8Array(getRawAsset(ADDON_ASSET)), addonDirs(databasePath, env), digest);
}

/**
 * Where the addon may be written, in order: `RELAY_NATIVE_DIR` alone when set;
 * else a `.relay/` directory beside the database (a /tmp mounted noexec cannot
 * load an addon, and the database's directory must be writable anyway), then
 * the user's cache directory.
 */
export function addonDirs(databasePath: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.RELAY_NATIVE_DIR) return [resolve(env.RELAY_NATIVE_DIR)];
  const dirs = [join(dirname(resolve(databasePath)), '.relay')];
  const home = env.HOME || safeHomedir();
  const cache = env.XDG_CACHE_HOME || (home ? join(home, '.cache') : undefined);
  if (cache) dirs.push(join(resolve(cache), 'relay'));
  return dirs;
}

/**
 * Writes `addon` into the first directory that can take it and loads it from
 * there. The file is written under a temp name and renamed into place, so
 * several relays starting at once never load a half-written file; an existing
 * file is loaded only if its content is the addon's, byte for byte.
 */
export function loadAddon(addon: Uint8Array, dirs: readonly string[], digest = sha256(addon)): object {
  const name = `better_sqlite3-${digest}.node`;
  const failures: string[] = [];
  for (const dir of dirs) {
    try {
      const file = place(addon, join(dir, name));
      const module = { exports: {} };
      process.dlopen(module, file);
      return module.exports;
    } catch (error) {
      failures.push(`${dir}: ${firstLine(error)}`);
    }
  }
  throw new RelayError(
    'RELAY_ERR_INTERNAL',
    `cannot load the SQLite addon (${failures.join('; ')}); set RELAY_NATIVE_DIR to a writable directory on a filesystem that allows executables`,
  );
}

function place(addon: Uint8Array, file: string): string {
  if (holds(file, addon)) return file;
  const dir = dirname(file);
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, addon, { flag: 'wx', mode: 0o755, flush: true });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return file;
}

const COMPARE_CHUNK = 64 * 1024;

/**
 * Compared a chunk at a time through one small buffer: reading the 2.2 MB
 * file whole into a new buffer cost each start its page faults, about 1 ms.
 */
function holds(file: string, addon: Uint8Array): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (fstatSync(fd).size !== addon.length) return false;
    const chunk = Buffer.allocUnsafe(COMPARE_CHUNK);
    for (let offset = 0; offset < addon.length; ) {
      const read = readSync(fd, chunk, 0, chunk.length, offset);
      if (read === 0 || chunk.compare(addon, offset, offset + read, 0, read) !== 0) return false;
      offset += read;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!;
}
