import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isProcessAlive } from '../util/process-alive.js';

/**
 * Name pattern of reeltape's temp files (`.rt-<pid>-<hex>.tmp`): short, so a cassette name that fits
 * the file system leaves room for them, and carrying the writer's pid so a dead writer's are found.
 */
export const TEMP_FILE = /^\.rt-(\d+)-[0-9a-f]+\.tmp$/;
/** Markers of the recording lock's takeover (`.rt-<lock id>-<k>.brk`, see `session/lock.ts`). */
const LOCK_MARKER = /^\.rt-[0-9a-z-]+-\d+\.brk$/;

/**
 * The takeover marker `k` of the lock with identity `id` (lower-case letters, digits, `-`), in `dir`.
 *
 * @example
 * lockMarkerPath('/p/cassettes', '9f3a1c0b77de0a11', 0) // '/p/cassettes/.rt-9f3a1c0b77de0a11-0.brk'
 */
export function lockMarkerPath(dir: string, id: string, k: number): string {
  return join(dir, `.rt-${id}-${k}.brk`);
}
/** Temp files of older reeltape versions (`.<cassette>.<pid>.<hex>.tmp`). */
const OLD_TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * A fresh temp file path in `dir` (see {@link TEMP_FILE}).
 *
 * @example
 * const temp = tempPath('/p/cassettes') // '/p/cassettes/.rt-4242-9f3a1c0b77de.tmp'
 */
export function tempPath(dir: string): string {
  return join(dir, `.rt-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/** The pid in a temp file name (or one matching `also`) of a process that is no longer running; `undefined` for other names. */
export function deadTempOwner(name: string, also?: RegExp): number | undefined {
  const match = TEMP_FILE.exec(name) ?? OLD_TEMP_FILE.exec(name) ?? also?.exec(name);
  const pid = Number(match?.[1]);
  return match && pid !== process.pid && !isProcessAlive(pid) ? pid : undefined;
}

/**
 * Removes temp files in `dir` left by reeltape processes that died (killed mid-write), and names
 * matching `also` (its group 1 the pid) of dead processes. Best effort.
 *
 * @example
 * await removeDeadTemps('/p/cassettes')
 */
export async function removeDeadTemps(dir: string, also?: RegExp): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith('.')) continue;
    if (deadTempOwner(name, also) !== undefined) await unlink(join(dir, name)).catch(() => undefined);
    else if (LOCK_MARKER.test(name)) {
      // a lock takeover marker is held for milliseconds: an old one was left by a process that died
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > 60_000) await unlink(join(dir, name)).catch(() => undefined);
    }
  }
}

/**
 * Writes a file atomically: the data goes to a uniquely named temp file in the same directory,
 * is flushed to disk (`fsync`), then renamed over the target. A crash, kill or error at any point
 * leaves the previous file byte-identical (or no file); on error the temp file is removed.
 * Missing parent directories are created.
 *
 * @example
 * await writeFileAtomic('/p/cassettes/users.json', serializeCassette(cassette))
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = tempPath(dir);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDir(dir);
}

/** Best effort: persist the rename itself (not supported on every platform). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // directories cannot be fsynced everywhere; the rename is still atomic
  }
}
