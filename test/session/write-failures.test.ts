/**
 * Nothing lost in silence when the disk says no: permission, read-only and full-disk failures are
 * CassetteWriteError naming the file and what was kept and lost; the previous cassette stays
 * byte-identical and no temp or side file of the failed save is left. A `.bodies` symbolic link is
 * never followed. Tests that need root (to drop privileges, or to mount a small tmpfs) skip without it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { chmod, chown, readFile, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pruneCommand } from '../../src/cli/commands/prune.js';
import { summarizeRun, writeRunRecord } from '../../src/adapters/run-report.js';
import { CassetteWriteError, ReeltapeConfigError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { childEnv, listFiles, makeTempDir, removeTempDirs } from '../helpers/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/record-once.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** Whether this process may mount a tmpfs (root, with the capability): probed once. */
const canMount = ((): boolean => {
  if (!isRoot || process.platform !== 'linux') return false;
  const probe = mkdtempSync(join(tmpdir(), 'reeltape-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

/** A loopback server answering `/small` with 100 bytes and `/big?bytes=N` with N bytes. */
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const size = url.pathname === '/big' ? Number(url.searchParams.get('bytes')) : 100;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    res.end(Buffer.alloc(size, 0x61));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(removeTempDirs);

type ChildResult = { called: boolean; error?: { name: string; message: string; code?: string; kept?: string; lost?: string; path?: string } };

/**
 * A node binary the unprivileged user may run. CI keeps extra Node versions under root's home
 * (mode 700), which nobody cannot enter: then a copy in a world-readable temp folder is used.
 */
let nodeCopyDir: string | undefined;
const nodeForUser = ((): string => {
  if (!isRoot) return process.execPath;
  const probe = spawnSync(process.execPath, ['--version'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return process.execPath;
  nodeCopyDir = mkdtempSync(join(tmpdir(), 'reeltape-node-'));
  chmodSync(nodeCopyDir, 0o755);
  const copy = join(nodeCopyDir, 'node');
  copyFileSync(process.execPath, copy);
  chmodSync(copy, 0o755);
  return copy;
})();
afterAll(() => {
  if (nodeCopyDir) rmSync(nodeCopyDir, { recursive: true, force: true });
});

/** Records in a child process running as an unprivileged user (nobody when we are root). */
async function recordAsUser(dir: string, name: string, url: string, chmodAfter = false, mode = 'record'): Promise<ChildResult> {
  // async: the loopback server answering the child runs in this process
  const child = spawn(nodeForUser, ['--import', 'tsx', CHILD, dir, name, url, chmodAfter ? 'chmod' : '-', mode], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await once(child, 'close');
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`child failed: ${stderr}`);
  return JSON.parse(line) as ChildResult;
}

describe('permission failures, as an unprivileged user', () => {
  it.skipIf(process.platform === 'win32')('a folder the user cannot write: CassetteWriteError at once, before fn runs; the cassette is untouched', async () => {
    const dir = await makeTempDir('eacces');
    await chmod(dir, 0o755);
    await withCassette('c', () => fetch(`${base}/small`), { dir, mode: 'record' });
    const before = await readFile(join(dir, 'c.json'));
    if (!isRoot) await chmod(dir, 0o555);
    const started = Date.now();
    const result = await recordAsUser(dir, 'c', `${base}/small`);
    if (!isRoot) await chmod(dir, 0o755);
    expect(result.called).toBe(false);
    expect(result.error).toMatchObject({ name: 'CassetteWriteError', code: 'EACCES' });
    expect(result.error?.message).toContain(join(dir, 'c.json'));
    expect(result.error?.lost).toMatch(/did not run/);
    expect(Date.now() - started).toBeLessThan(30_000); // no 10 s wait on top of the child's start
    expect(await readFile(join(dir, 'c.json'))).toEqual(before);
    expect(await listFiles(dir)).toEqual(['c.json']);
  });

  it.skipIf(process.platform === 'win32')('the folder turns read-only during the recording: the save fails typed, naming what was kept and lost', async () => {
    const dir = await makeTempDir('eacces-save');
    await chmod(dir, 0o755);
    await withCassette('c', () => fetch(`${base}/small`), { dir, mode: 'record' });
    const before = await readFile(join(dir, 'c.json'));
    if (isRoot) await chown(dir, NOBODY, NOBODY);
    const result = await recordAsUser(dir, 'c', `${base}/big?bytes=300`, true);
    chmodSync(dir, 0o755);
    expect(result.called).toBe(true);
    expect(result.error).toMatchObject({ name: 'CassetteWriteError', code: 'EACCES' });
    expect(result.error?.kept).toMatch(/previous cassette, byte-identical/);
    expect(result.error?.lost).toMatch(/1 interaction of this recording/);
    expect(await readFile(join(dir, 'c.json'))).toEqual(before);
    // the lock of the failed run could not be removed from the read-only folder; no temp file is left
    expect((await listFiles(dir)).filter((f) => f !== 'c.json.lock')).toEqual(['c.json']);
  });
});

describe('read refusals, as an unprivileged user', () => {
  it.skipIf(process.platform === 'win32')('a cassette or side file the user cannot read: ReeltapeConfigError before fn runs, both untouched', async () => {
    const dir = await makeTempDir('unreadable');
    await chmod(dir, 0o755);
    await withCassette('c', () => fetch(`${base}/big?bytes=${2 * 1024 * 1024}`).then((r) => r.arrayBuffer()), { dir, mode: 'record' });
    const [side] = readdirSync(join(dir, 'c.bodies'));
    const sideFile = join(dir, 'c.bodies', side as string);
    const cassette = join(dir, 'c.json');
    const before = [await readFile(cassette), await readFile(sideFile)];
    // owned by root and private (root), or mode 000 (any other user: the child runs as this one)
    const hide = (file: string) => chmod(file, isRoot ? 0o600 : 0o000);
    for (const [file, mode, says] of [
      [sideFile, 'replay', `its side file ${sideFile} cannot be read by this user (EACCES)`],
      [sideFile, 'record', 'cannot be read by this user'],
      [cassette, 'auto', 'the file cannot be read by this user (EACCES)'],
      [cassette, 'update', 'the file cannot be read by this user'],
    ] as const) {
      await hide(file);
      const result = await recordAsUser(dir, 'c', `${base}/small`, false, mode);
      await chmod(file, 0o644);
      expect(result.called, mode).toBe(false);
      expect(result.error, mode).toMatchObject({ name: 'ReeltapeConfigError' });
      expect(result.error?.message, mode).toContain(says);
    }
    const after = [await readFile(cassette), await readFile(sideFile)];
    expect(after.map((bytes, i) => bytes.equals(before[i] as Buffer))).toEqual([true, true]); // (toEqual on 2 MiB buffers takes seconds)
    expect(await listFiles(dir)).toEqual(['c.bodies/' + side, 'c.json'].sort());
  });
});

describe.skipIf(!canMount)('a small tmpfs (root only)', () => {
  let mnt: string;
  afterEach(() => {
    execFileSync('umount', [mnt], { stdio: 'ignore' });
    rmSync(mnt, { recursive: true, force: true });
  });
  function mount(options: string): string {
    mnt = mkdtempSync(join(tmpdir(), 'reeltape-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt]);
    return mnt;
  }

  it('read-only file system: CassetteWriteError (EROFS) before fn runs; the cassette is untouched', async () => {
    const dir = mount('size=1m');
    await withCassette('c', () => fetch(`${base}/small`), { dir, mode: 'record' });
    const before = await readFile(join(dir, 'c.json'));
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    let called = false;
    const error = await withCassette('c', () => void (called = true), { dir, mode: 'record' }).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(CassetteWriteError);
    expect((error as CassetteWriteError).code).toBe('EROFS');
    expect(await readFile(join(dir, 'c.json'))).toEqual(before);
  });

  it('disk full during the save: typed error, previous cassette byte-identical, no temp or side file left', async () => {
    const dir = mount('size=256k');
    await withCassette('c', () => fetch(`${base}/small`), { dir, mode: 'record' });
    const before = await readFile(join(dir, 'c.json'));
    for (const threshold of [Infinity, 64 * 1024]) {
      // held in memory (the cassette is too big), or streamed to a side file (it does not fit)
      const error = await withCassette('c', () => fetch(`${base}/big?bytes=${400 * 1024}`), { dir, mode: 'record', sideFileThreshold: threshold }).catch(
        (e: unknown) => e,
      );
      expect(error, String(threshold)).toBeInstanceOf(CassetteWriteError);
      expect((error as CassetteWriteError).code).toBe('ENOSPC');
      expect((error as CassetteWriteError).message).toContain(join(dir, 'c.json'));
      expect(await readFile(join(dir, 'c.json'))).toEqual(before);
      expect(await listFiles(dir)).toEqual(['c.json']);
    }
  });

  it('disk full while a streamed body is moved into place: typed error, the previous cassette and side files kept, no file held open', async () => {
    const dir = mount('size=512k');
    const record = (kib: number) => withCassette('c', () => fetch(`${base}/big?bytes=${kib * 1024}`).then((r) => r.arrayBuffer()), { dir, mode: 'record', sideFileThreshold: 1024 });
    await record(200);
    const before = await listFiles(dir);
    const bytes = await readFile(join(dir, 'c.json'));
    // 250 KiB are streamed to a temp file (it fits), then the copy into place does not
    const error = await record(250).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassetteWriteError);
    expect((error as CassetteWriteError).code).toBe('ENOSPC');
    expect(await readFile(join(dir, 'c.json'))).toEqual(bytes);
    expect(await listFiles(dir)).toEqual(before);
    // a descriptor left on the deleted temp file would hold its space (and block the unmount)
    const target = (fd: string): string => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`, 'utf8');
      } catch {
        return ''; // the descriptor readdirSync itself used, closed meanwhile
      }
    };
    const open = readdirSync('/proc/self/fd').map(target).filter((path) => path.startsWith(dir));
    expect(open).toEqual([]);
  });

  it('disk full before the start: an error at once, no empty lock left; the next run records at once', async () => {
    const dir = mount('size=64k');
    // fill the file system to the last byte
    await writeFile(join(dir, 'filler'), Buffer.alloc(64 * 1024)).catch(() => undefined);
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(dir, `f${i}`), 'x'.repeat(4096));
      } catch {
        break;
      }
    }
    let called = false;
    const error = await withCassette('c', () => void (called = true), { dir, mode: 'record' }).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(CassetteWriteError);
    expect((error as CassetteWriteError).code).toBe('ENOSPC');
    expect(readdirSync(dir).filter((f) => f.includes('lock') || f.endsWith('.tmp'))).toEqual([]);
    for (const f of readdirSync(dir)) rmSync(join(dir, f));
    const started = Date.now();
    await withCassette('c', () => fetch(`${base}/small`), { dir, mode: 'record' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(readdirSync(dir)).toEqual(['c.json']);
  });
});

describe('a .bodies folder that is a symbolic link to another folder', () => {
  it('is never followed: recording refuses before fn runs, and prune leaves the other folder alone', async () => {
    const root = await makeTempDir('symlink');
    const dir = join(root, 'cassettes');
    const outside = join(root, 'outside');
    mkdirSync(dir);
    mkdirSync(outside);
    const precious = join(outside, 'a'.repeat(64)); // named like a side file nobody references
    await writeFile(precious, 'keep me');
    await writeFile(join(outside, 'notes.txt'), 'keep me too');
    await withCassette('c', () => fetch(`${base}/small`), { dir, mode: 'record' });
    await symlink(outside, join(dir, 'c.bodies'));

    let called = false;
    const error = await withCassette(
      'c',
      async () => {
        called = true;
        await fetch(`${base}/big?bytes=4096`);
      },
      { dir, mode: 'record', sideFileThreshold: 1024 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReeltapeConfigError);
    expect((error as Error).message).toContain('symbolic link');
    expect(called).toBe(false);
    expect(readdirSync(outside).sort()).toEqual(['a'.repeat(64), 'notes.txt']);

    // prune: the cassette is unused; deleting it removes the link, not what it points to
    const events: Parameters<typeof summarizeRun>[0]['events'] = [];
    await writeRunRecord(root, summarizeRun({ events, dir }), 'vitest');
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: root, env: {} };
    expect(await pruneCommand.run(['--yes'], io)).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(outside).sort()).toEqual(['a'.repeat(64), 'notes.txt']);
    expect(await readFile(precious, 'utf8')).toBe('keep me');
  });
});
