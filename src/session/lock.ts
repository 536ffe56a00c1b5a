import { randomBytes } from 'node:crypto';
import { constants, lstatSync } from 'node:fs';
import { link, mkdir, open, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { lockMarkerPath, removeDeadTemps, tempPath } from '../cassette/atomic-write.js';
import { SIDE_FILE_TEMP } from '../cassette/side-file-writer.js';
import { isProcessAlive } from '../util/process-alive.js';
import { assertOwnSideFileDir, sideFileDir } from '../cassette/side-files.js';
import { asWriteError } from '../cassette/write-failure.js';
import { CassetteLockedError, ReeltapeConfigError, type LockHolder } from '../errors/index.js';
import { DEFAULTS } from './defaults.js';
import { realNow } from './freeze-time.js';

/**
 * The recording lock of a cassette: `<file>.lock`, holding a random owner token, pid, host and
 * start time. See docs/decisions/0009-recording-lock-and-write-failures.md for why each step is atomic.
 */

/** What a lock file (and a takeover marker) holds. */
interface LockOwner {
  token: string;
  pid: number;
  hostname: string;
  time: string;
}

/** A lock file as read once: its identity (owner token, or inode and mtime when unreadable) and its last sign of life (mtime). */
interface SeenLock {
  id: string;
  owner: LockOwner | undefined;
  mtimeMs: number;
}

/** A lock file that cannot be parsed is older than this (ms): a crash leftover (ours are never empty). */
const UNREADABLE_STALE_AFTER = 2_000;
/** A takeover marker whose holder looks alive is stale after this long (a takeover takes milliseconds). */
const MARKER_STALE_AFTER = 10_000;
/** How long a contender that lost a takeover waits for the winner's lock to appear (ms). */
const TAKEOVER_WAIT = 2_000;

function parseOwner(text: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.time === 'string') {
      return { token: typeof parsed.token === 'string' ? parsed.token : '', pid: parsed.pid, hostname: parsed.hostname, time: parsed.time };
    }
  } catch {
    // empty or garbled
  }
  return undefined;
}

/** `open` flag that refuses a symbolic link (0 where the platform has none, e.g. Windows). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

function notAFile(path: string): ReeltapeConfigError {
  return new ReeltapeConfigError(
    `Recording lock ${path} is a symbolic link or not a regular file. reeltape never follows a link out of the cassette dir: remove it, then record again.`,
  );
}

/** Reads a lock (content and inode from one open file, never through a link); `undefined` when there is none. */
async function readLock(path: string): Promise<SeenLock | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') throw notAFile(path);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notAFile(path);
    const owner = parseOwner(await handle.readFile('utf8'));
    const id = owner?.token ? owner.token : `i${info.ino}-${Math.floor(info.mtimeMs)}`;
    return { id, owner, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/**
 * A lock is stale when its holder's last sign of life (the lock's mtime, refreshed by {@link keepAlive})
 * is older than `aliveFor` (2 s for an unreadable one), or its process is dead on this host.
 */
function isStale(seen: SeenLock, aliveFor: number): boolean {
  if (realNow() - seen.mtimeMs > (seen.owner ? aliveFor : UNREADABLE_STALE_AFTER)) return true;
  return seen.owner !== undefined && seen.owner.hostname === hostname() && !isProcessAlive(seen.owner.pid);
}

/**
 * While the lock is held, refreshes its mtime every quarter of `aliveFor`, so a recording that
 * runs longer than `aliveFor` (on this host or another) is never judged stale. Resolves a stop function.
 */
function keepAlive(lockFile: string, aliveFor: number): () => void {
  const timer = setInterval(() => {
    const now = new Date(realNow());
    utimes(lockFile, now, now).catch(() => undefined); // removed by hand: nothing to refresh
  }, Math.max(10, Math.floor(aliveFor / 4)));
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Makes `target` a second name of `temp` (which already holds the owner), failing when `target`
 * exists: the lock appears with its content. Where hard links are not supported, an exclusive create.
 */
async function createExclusive(temp: string, target: string, content: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
  }
  try {
    await writeFile(target, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    await unlink(target).catch(() => undefined);
    throw error;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (up to {@link TAKEOVER_WAIT}) until the lock is no longer the one seen. */
async function waitForChange(lockFile: string, id: string): Promise<void> {
  for (const until = realNow() + TAKEOVER_WAIT; realNow() < until; await sleep(10)) {
    if ((await readLock(lockFile))?.id !== id) return;
  }
}

/**
 * Replaces the stale lock `seen` with ours, atomically against other contenders: the one that
 * creates the marker `.rt-<id>-<k>.brk` (exclusive, {@link lockMarkerPath}) is the only one that may replace that lock, and
 * does so with a rename (the lock never disappears). A marker whose holder died is passed by
 * competing for the next `k`. Resolves whether we hold the lock.
 */
async function takeOver(lockFile: string, seen: SeenLock, temp: string, content: string): Promise<boolean> {
  const dir = dirname(lockFile);
  const markers: string[] = [];
  try {
    for (let k = 0; k < 4; k++) {
      const marker = lockMarkerPath(dir, seen.id, k);
      if (await createExclusive(temp, marker, content)) {
        markers.push(marker);
        // only marker holders replace this lock, so if it is still the one seen, it stays so until the rename
        if ((await readLock(lockFile))?.id !== seen.id) return false;
        await rename(temp, lockFile);
        return true;
      }
      const holder = await readLock(marker);
      if (holder === undefined) return false; // that takeover just finished: look at the lock again
      if (!isStale(holder, MARKER_STALE_AFTER)) {
        await waitForChange(lockFile, seen.id);
        return false;
      }
      markers.push(marker); // its holder died: whoever wins the next marker removes it
    }
    return false;
  } finally {
    for (const marker of markers) await unlink(marker).catch(() => undefined);
  }
}

function holderOf(seen: SeenLock | undefined): LockHolder | undefined {
  return seen?.owner ? { pid: seen.owner.pid, hostname: seen.owner.hostname, since: seen.owner.time } : undefined;
}

function lockedError(file: string, lockFile: string, seen: SeenLock | undefined): CassetteLockedError {
  const holder = holderOf(seen);
  const who = holder ? `process ${holder.pid} on ${holder.hostname} (since ${holder.since})` : 'another process (its lock file is being written)';
  return new CassetteLockedError(
    `Cassette ${file} is being recorded by ${who}: two recorders of one cassette would lose recordings, so this one did not start ` +
      `(the code under test did not run). Give concurrent tests different cassette names, or wait for the other run. ` +
      `If no recording is running, delete ${lockFile}.`,
    file,
    holder,
  );
}

/**
 * Takes the recording lock `<file>.lock` before anything is recorded. The lock appears atomically
 * with its content (a random owner token, pid, host, time); its holder refreshes its mtime while it
 * holds it. A stale one (its process is dead on this host, no refresh for `aliveFor` ms, or it is
 * unreadable and older than 2 s) is replaced atomically, so of any number of contenders exactly one
 * holds the lock. Also refuses a `.bodies` folder or a lock that is a symbolic link, and a cassette
 * path that is a folder. Resolves a release function that removes the lock only if it is still ours (idempotent).
 *
 * @throws CassetteLockedError when another recorder holds the lock (naming the holder)
 * @throws CassetteWriteError when the lock cannot be created (permission, read-only, disk full): at once
 * @throws ReeltapeConfigError when the lock's name is too long for the file system, `.bodies` or the lock is a link,
 *   or the cassette path is a folder (or a part of its folder is a file)
 * @example
 * const release = await acquireLock('/p/cassettes/users.json');
 * try { … } finally { await release(); }
 */
export async function acquireLock(file: string, aliveFor: number = DEFAULTS.lockStaleAfter): Promise<() => Promise<void>> {
  const lockFile = `${file}.lock`;
  const dir = dirname(file);
  assertOwnSideFileDir(file);
  const owner: LockOwner = { token: randomBytes(8).toString('hex'), pid: process.pid, hostname: hostname(), time: new Date(realNow()).toISOString() };
  const content = JSON.stringify(owner);
  const temp = tempPath(dir);
  try {
    if (lstatSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new ReeltapeConfigError(`Cassette ${file} is a folder, so a recording could not be saved there (the code under test did not run). Rename the folder or choose another cassette name.`);
    }
    await mkdir(dir, { recursive: true });
    await writeFile(temp, content, { flag: 'wx' });
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createExclusive(temp, lockFile, content)) return await held(file, lockFile, owner.token, aliveFor);
      const seen = await readLock(lockFile);
      if (seen === undefined) continue; // released meanwhile
      if (!isStale(seen, aliveFor)) throw lockedError(file, lockFile, seen);
      if (await takeOver(lockFile, seen, temp, content)) return await held(file, lockFile, owner.token, aliveFor);
    }
    throw lockedError(file, lockFile, await readLock(lockFile));
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === 'ENAMETOOLONG') {
      throw new ReeltapeConfigError(`Cassette ${file}: its lock file ${lockFile} has a name too long for this file system. Use a shorter cassette name.`);
    }
    if (code === 'ENOTDIR' || (code === 'EEXIST' && syscall === 'mkdir')) {
      throw new ReeltapeConfigError(`Cassette ${file}: a part of its folder ${dir} is a file, not a folder (the code under test did not run). Choose another \`dir\` or cassette name.`);
    }
    throw asWriteError(error, { file, kept: 'the cassette as it was (nothing was recorded yet)', lost: 'nothing: the code under test did not run' });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * The lock is ours: starts refreshing it, and removes the temp files recorders of this cassette
 * that died left behind (a re-record that writes nothing would otherwise never clean them).
 */
async function held(file: string, lockFile: string, token: string, aliveFor: number): Promise<() => Promise<void>> {
  const release = releaser(lockFile, token, aliveFor);
  await removeDeadTemps(dirname(file));
  await removeDeadTemps(sideFileDir(file), SIDE_FILE_TEMP);
  return release;
}

function releaser(lockFile: string, token: string, aliveFor: number): () => Promise<void> {
  let released = false;
  const stop = keepAlive(lockFile, aliveFor);
  return async () => {
    if (released) return;
    released = true;
    stop();
    // a lock taken over meanwhile (ours was judged stale) is the new holder's: leave it
    const seen = await readLock(lockFile).catch(() => undefined);
    if (seen?.owner?.token === token) await unlink(lockFile).catch(() => undefined);
  };
}
