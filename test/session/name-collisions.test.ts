/**
 * Names that work on Linux and break a checkout on macOS or Windows: two cassettes (or folders)
 * whose names differ only in letter case or Unicode normalization (NFC vs NFD) are one file there.
 * A recording that would add the second is a ReeltapeConfigError before `fn` runs; replay never
 * checks (nothing is written). Also the two name shapes that derive odd files: a trailing `/`, and
 * a folder ending in `.bodies` (a cassette's side-file folder). The adapters map titles around them.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cassetteNameFor, safeSegment } from '../../src/adapters/cassette-name.js';
import { resolveCassettePath } from '../../src/cassette/index.js';
import { ReeltapeConfigError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

// 'auto' records only where CI is not set (CI runs this suite with CI=true): these tests check what a recording refuses
beforeEach(() => void vi.stubEnv('CI', ''));
afterEach(() => void vi.unstubAllEnvs());

let server: TestServer;
let dir: string;
beforeEach(async () => {
  server = await startTestServer();
  dir = await makeTempDir('collide');
});
afterEach(async () => {
  await server.close();
  await removeTempDirs();
});

const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';

async function record(name: string): Promise<void> {
  await withCassette(name, () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'record' });
}

describe('a recording whose files differ from existing ones only in case or Unicode form', () => {
  it.each([
    ['Foo', 'foo', 'Foo.json'],
    ['foo', 'FOO', 'foo.json'],
    [NFC, NFD, `${NFC}.json`],
    [NFD, NFC, `${NFD}.json`],
    ['Users/list', 'users/other', 'Users'],
    [`a/${NFC}/x`, `a/${NFD}/y`, NFC],
  ])('%j exists, then %j is refused before fn runs', async (first, second, named) => {
    await record(first);
    const before = (await readdir(dir, { recursive: true })).sort();
    const hits = server.hits.length;
    for (const mode of ['record', 'update', 'auto'] as const) {
      let called = false;
      const error = await withCassette(second, () => void (called = true), { dir, mode }).catch((e: unknown) => e);
      expect(error, mode).toBeInstanceOf(ReeltapeConfigError);
      expect((error as Error).message, mode).toContain(named);
      expect((error as Error).message, mode).toMatch(/differ only in letter case or Unicode form/);
      expect(called, mode).toBe(false);
    }
    expect(server.hits.length).toBe(hits); // no request reached the service for nothing
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(before);
  });

  it('a side-file folder or a lock of another spelling counts too (a recording running right now)', async () => {
    await mkdir(join(dir, 'Big.bodies'));
    await expect(record('big')).rejects.toThrow(/Big\.bodies already exists/);
    await writeFile(join(dir, 'Run.json.lock'), '{}');
    await expect(record('run')).rejects.toThrow(/Run\.json\.lock already exists/);
  });

  it('the same name again, names that only look alike, and replay are fine', async () => {
    await record('Foo');
    await record('Foo'); // re-record
    await record('Foo2');
    await record('fo');
    await withCassette('Foo', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'replay' });
    expect((await readdir(dir)).sort()).toEqual(['Foo.json', 'Foo2.json', 'fo.json']);
  });
});

describe('name shapes that derive odd files', () => {
  it.each([
    ['users/', /ends with "\/"/],
    ['x.bodies/y', /folder "x\.bodies" ends in "\.bodies"/],
    ['a/b.bodies/c', /folder "b\.bodies"/],
  ])('%j is refused before fn runs', async (name, reason) => {
    let called = false;
    const error = await withCassette(name, () => void (called = true), { dir, mode: 'record' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReeltapeConfigError);
    expect((error as Error).message).toMatch(reason);
    expect(called).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a cassette named x.bodies (its own file, not a folder) is fine; the adapters rename a title ending in .bodies', () => {
    expect(() => resolveCassettePath(dir, 'x.bodies')).not.toThrow();
    expect(safeSegment('raw.bodies')).toMatch(/^raw\.bodies-[0-9a-f]{6}$/);
    const name = cassetteNameFor('/repo/test/a.test.ts', '/repo', ['payload.bodies', 'reads it']);
    expect(() => resolveCassettePath('/repo/cassettes', name)).not.toThrow();
  });
});
