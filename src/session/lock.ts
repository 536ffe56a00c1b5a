import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { CassetteLockedError } from '../errors/index.js';
import { DEFAULTS } from './defaults.js';
import { realNow } from './freeze-time.js';

/** What a lock file holds. */
interface LockOwner {
  pid: number;
  hostname: string;
  time: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockFile: string, owner: LockOwner | undefined, staleAfter: number): Promise<boolean> {
  if (!owner) {
    // unreadable: being written right now (young) or garbled by a crash (old)
    const info = await stat(lockFile).catch(() => undefined);
    return !info || realNow() - info.mtimeMs > 10_000;
  }
  const age = realNow() - Date.parse(owner.time);
  if (!Number.isFinite(age) || age > staleAfter) return true;
  return owner.hostname === hostname() && !isAlive(owner.pid);
}

async function readOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.time === 'string') {
      return parsed as LockOwner;
    }
  } catch {
    // missing or garbled
  }
  return undefined;
}

/**
 * Takes the recording lock `<file>.lock` (created with O_EXCL, holding pid, hostname and time).
 * A lock whose owner is a dead process on this host, or older than 10 minutes, is stale and
 * replaced. Resolves a release function (idempotent).
 *
 * @throws CassetteLockedError when another recorder (another worker or this process) holds the lock
 * @example
 * const release = await acquireLock('/p/cassettes/users.json');
 * try { … } finally { await release(); }
 */
export async function acquireLock(file: string, staleAfter: number = DEFAULTS.lockStaleAfter): Promise<() => Promise<void>> {
  const lockFile = `${file}.lock`;
  await mkdir(dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      const owner: LockOwner = { pid: process.pid, hostname: hostname(), time: new Date(realNow()).toISOString() };
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(lockFile).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readOwner(lockFile);
      if (attempt < 2 && (await isStale(lockFile, owner, staleAfter))) {
        await unlink(lockFile).catch(() => undefined);
        continue;
      }
      const who = owner
        ? `process ${owner.pid} on ${owner.hostname} (since ${owner.time})`
        : 'another process';
      throw new CassetteLockedError(
        `Cassette ${file} is being recorded by ${who}: two recorders of one cassette would corrupt it. ` +
          `Give concurrent tests different cassette names, or wait for the other run. If no recording is running, delete ${lockFile}.`,
        file,
      );
    }
  }
}
