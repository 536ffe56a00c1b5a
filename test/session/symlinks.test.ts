/**
 * Symbolic links planted in a cassette dir are never followed to overwrite or delete anything
 * outside it: a cassette file that is a link, temp-file-named links in the cassette dir and in its
 * `.bodies` folder, a side-file-named link, and a link inside a `.bodies` folder that `reeltape
 * prune` deletes, and a cassette folder replaced by a link after the run prune acts on. Record,
 * re-record and prune remove or replace the links, never what they point to.
 * (The lock as a link, and `.bodies` itself as a link: lock-hostile and write-failures tests.)
 */
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { summarizeRun, writeRunRecord } from '../../src/adapters/run-report.js';
import { pruneCommand } from '../../src/cli/commands/prune.js';
import { ReeltapeConfigError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

// 'auto' records only where CI is not set (CI runs this suite with CI=true): these tests check what a recording refuses
beforeEach(() => void vi.stubEnv('CI', ''));
afterEach(() => void vi.unstubAllEnvs());

/** Above Linux's largest pid (2^22): never a running process. */
const DEAD_PID = 2 ** 22 + 7;

let server: TestServer;
let root: string;
let dir: string;
let outside: string;
beforeEach(async () => {
  server = await startTestServer();
  root = await makeTempDir('symlinks');
  dir = join(root, 'cassettes');
  outside = join(root, 'outside');
  await mkdir(dir);
  await mkdir(outside);
});
afterEach(async () => {
  await server.close();
  await removeTempDirs();
});

/** Files outside the cassette dir, each holding its own name: returns a check that they are all intact. */
async function precious(...names: string[]): Promise<() => Promise<void>> {
  for (const name of names) await writeFile(join(outside, name), name);
  return async () => {
    expect((await readdir(outside)).sort()).toEqual([...names].sort());
    for (const name of names) expect(await readFile(join(outside, name), 'utf8')).toBe(name);
  };
}

const isLink = (path: string) => lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;

it('a cassette file that is a link: record replaces the link, not the file it points to', async () => {
  const intact = await precious('target.json');
  await symlink(join(outside, 'target.json'), join(dir, 'c.json'));
  await withCassette('c', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'record' });
  expect(isLink(join(dir, 'c.json'))).toBe(false);
  expect(JSON.parse(await readFile(join(dir, 'c.json'), 'utf8'))).toMatchObject({ version: 1 });
  await intact();
});

it('temp- and side-file-named links in the cassette dir and in .bodies: re-records remove the links only', async () => {
  const intact = await precious('a', 'b', 'c', 'd');
  const record = (...paths: string[]) =>
    withCassette('c', () => Promise.all(paths.map((p) => fetch(`${server.url}${p}`).then((r) => r.arrayBuffer()))), { dir, mode: 'record', sideFileThreshold: 256 });
  await record('/binary'); // 512 bytes: a side file
  const bodies = join(dir, 'c.bodies');
  const temps = [join(dir, `.rt-${DEAD_PID}-0123456789ab.tmp`), join(bodies, `.rec-${DEAD_PID}-0123456789ab.tmp`), join(bodies, `.rt-${DEAD_PID}-0123456789ab.tmp`)];
  const unreferenced = join(bodies, 'f'.repeat(64)); // named like a side file no cassette references
  for (const [i, link] of [...temps, unreferenced].entries()) await symlink(join(outside, 'abcd'[i] as string), link);
  await record('/binary'); // the same traffic: nothing is written, but a dead recorder's temp files are removed
  for (const link of temps) expect(isLink(link), link).toBe(false);
  expect(isLink(unreferenced)).toBe(true);
  await record('/binary', '/json'); // written: side files no cassette references are removed
  expect(isLink(unreferenced)).toBe(false);
  await intact();
});

it('prune deletes a .bodies folder holding a link to an outside folder: the link goes, the folder and its files stay', async () => {
  const intact = await precious('keep.txt', 'e'.repeat(64));
  await withCassette('c', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'record' });
  await mkdir(join(dir, 'c.bodies'));
  await symlink(outside, join(dir, 'c.bodies', 'elsewhere'));
  await writeRunRecord(root, summarizeRun({ events: [], dir }), 'vitest');
  const io = { stdout: () => undefined, stderr: () => undefined, cwd: root, env: {} };
  expect(await pruneCommand.run(['--yes'], io)).toBe(0);
  expect(await readdir(dir)).toEqual([]);
  await intact();
});

it('prune does not follow a cassette folder replaced by a link since the run: the files it points to stay', async () => {
  const intact = await precious('x.json');
  await withCassette('sub/x', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'record' });
  await writeRunRecord(root, summarizeRun({ events: [], dir }), 'vitest'); // sub/x.json is unused
  await rm(join(dir, 'sub'), { recursive: true });
  await symlink(outside, join(dir, 'sub'));
  const io = { stdout: () => undefined, stderr: () => undefined, cwd: root, env: {} };
  expect(await pruneCommand.run(['--yes'], io)).toBe(0);
  await intact();
});

it('a folder of the name that is a link out of the cassette dir: recording refuses before fn runs; a cassette dir that is a link is fine', async () => {
  const intact = await precious('keep.json');
  await symlink(outside, join(dir, 'sub'));
  for (const mode of ['record', 'auto', 'update'] as const) {
    let called = false;
    const error = await withCassette('sub/x', () => void (called = true), { dir, mode }).catch((e: unknown) => e);
    expect(error, mode).toBeInstanceOf(ReeltapeConfigError);
    expect((error as Error).message, mode).toMatch(/sub\/x\.json: its folder is a symbolic link out of the cassette dir/);
    expect(called, mode).toBe(false);
  }
  await intact();
  // the cassette dir itself may be a link: its folders resolve inside it
  await withCassette('y', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir: join(dir, 'sub'), mode: 'record' });
  await withCassette('z', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir: join(root, 'cassettes'), mode: 'record' });
  expect((await readdir(outside)).sort()).toEqual(['keep.json', 'y.json']);
});
