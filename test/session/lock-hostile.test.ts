/**
 * The recording lock against an unlucky or hostile folder: a holder that records longer than the
 * stale limit keeps its lock (it refreshes it), a lock from another host is judged by its last
 * refresh, a garbage lock is replaced, and a lock, cassette or folder path that is not what it
 * should be (a link, a folder, a file) is a ReeltapeConfigError before the code under test runs,
 * with nothing outside the cassette dir touched.
 */
import { mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CassetteFormatError, CassetteLockedError, ReeltapeConfigError } from '../../src/errors/index.js';
import { acquireLock } from '../../src/session/lock.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';

// 'auto' records only where CI is not set (CI runs this suite with CI=true): these tests check what a recording refuses
beforeEach(() => void vi.stubEnv('CI', ''));
afterEach(() => void vi.unstubAllEnvs());

afterEach(removeTempDirs);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function backdate(path: string, ms: number): Promise<void> {
  const past = new Date(Date.now() - ms);
  await utimes(path, past, past);
}

describe('who holds the lock', () => {
  it('a live holder recording longer than the stale limit keeps its lock: it refreshes it', async () => {
    const file = join(await makeTempDir('lock-old'), 'long.json');
    const release = await acquireLock(file, 300);
    await sleep(800); // well past 300 ms since the lock was taken
    const second = await acquireLock(file, 300).catch((e: unknown) => e);
    await release();
    expect(second).toBeInstanceOf(CassetteLockedError);
    expect((second as CassetteLockedError).holder?.pid).toBe(process.pid);
  });

  it('a lock from another host is judged by its last refresh: fresh is held, silent for the limit is taken over', async () => {
    const dir = await makeTempDir('lock-host');
    const file = join(dir, 'h.json');
    const long = new Date(Date.now() - 60 * 60_000).toISOString(); // started an hour ago, still refreshing
    await writeFile(`${file}.lock`, JSON.stringify({ token: 'far', pid: 1, hostname: `not-${hostname()}`, time: long }));
    const error = await acquireLock(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassetteLockedError);
    expect((error as CassetteLockedError).holder).toMatchObject({ pid: 1, hostname: `not-${hostname()}`, since: long });
    await backdate(`${file}.lock`, 11 * 60_000); // no refresh for 11 minutes: that recorder is gone
    const release = await acquireLock(file);
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a garbage lock left by a crash is replaced once it is 2 s old', async () => {
    const dir = await makeTempDir('lock-garbage');
    const file = join(dir, 'g.json');
    await writeFile(`${file}.lock`, '\u0000\u0000garbage{');
    await backdate(`${file}.lock`, 5_000);
    const release = await acquireLock(file);
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('paths that are not what they should be: refused before fn runs, nothing outside touched', () => {
  async function expectRefused(dir: string, name: string, message: RegExp, modes: ReadonlyArray<'record' | 'auto' | 'update'> = ['record', 'auto', 'update']): Promise<void> {
    for (const mode of modes) {
      let called = false;
      const error = await withCassette(name, () => void (called = true), { dir, mode }).catch((e: unknown) => e);
      expect(error, mode).toBeInstanceOf(ReeltapeConfigError);
      expect((error as Error).message, mode).toMatch(message);
      expect(called, mode).toBe(false);
    }
  }

  it('the lock is a symbolic link to a file outside (or to nothing)', async () => {
    const root = await makeTempDir('lock-link');
    const dir = join(root, 'cassettes');
    await mkdir(dir);
    await writeFile(join(root, 'precious'), 'keep me');
    await backdate(join(root, 'precious'), 60 * 60_000); // old enough to look stale, were it read
    await symlink(join(root, 'precious'), join(dir, 'c.json.lock'));
    await symlink(join(root, 'nowhere'), join(dir, 'd.json.lock'));
    await expectRefused(dir, 'c', /c\.json\.lock is a symbolic link/);
    await expectRefused(dir, 'd', /d\.json\.lock is a symbolic link/);
    expect(await readFile(join(root, 'precious'), 'utf8')).toBe('keep me');
    expect((await readdir(dir)).sort()).toEqual(['c.json.lock', 'd.json.lock']);
    expect((await readdir(root)).sort()).toEqual(['cassettes', 'precious']);
  });

  it('the cassette path is a folder: a recording could not be saved, so none starts', async () => {
    const dir = await makeTempDir('lock-dir');
    await mkdir(join(dir, 'c.json'));
    await expectRefused(dir, 'c', /c\.json is a folder/, ['record']);
    // the modes that read it first say so as a damaged cassette
    const error = await withCassette('c', () => expect.unreachable(), { dir, mode: 'auto' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect(await readdir(dir)).toEqual(['c.json']);
  });

  it('the cassette dir, or a folder of the name, is a file', async () => {
    const dir = await makeTempDir('lock-notdir');
    await writeFile(join(dir, 'afile'), 'x');
    await expectRefused(join(dir, 'afile'), 'c', /is a file, not a folder/);
    await expectRefused(dir, 'afile/c', /is a file, not a folder/);
    expect(await readdir(dir)).toEqual(['afile']);
    expect(await readFile(join(dir, 'afile'), 'utf8')).toBe('x');
  });
});
