/**
 * Cassette names are checked before anything runs: a name that is too long for the file system
 * (with every file derived from it) or that would not check out on Windows or macOS is a
 * ReeltapeConfigError before `fn` is called, so no request reaches the live service for nothing.
 */
import { readdir } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cassetteNameFor } from '../../src/adapters/cassette-name.js';
import { resolveCassettePath } from '../../src/cassette/index.js';
import { ReeltapeConfigError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

let server: TestServer;
let dir: string;
beforeEach(async () => {
  server = await startTestServer();
  dir = await makeTempDir('names');
});
afterEach(async () => {
  await server.close();
  await removeTempDirs();
});

const REJECTED: Array<[string, RegExp]> = [
  ['x'.repeat(246), /too long/],
  ['x'.repeat(300), /too long/],
  ['\u00e9'.repeat(123), /file name of 256 bytes/], // 123 characters, 246 bytes: its lock has 256
  ['\u{1F600}'.repeat(62), /file name of 258 bytes/], // 124 UTF-16 units, 248 bytes
  [`deep/${'y'.repeat(256)}/z`, /too long/],
  [`${'d'.repeat(200)}/`.repeat(6) + 'z', /too long/],
  ['a:b', /":"/],
  ['*', /"\*"/],
  ['what?', /"\?"/],
  ['say "hi"', /"""/],
  ['a<b>c', /"<"/],
  ['a|b', /"\|"/],
  ['back\\slash', /"\\"/],
  ['tab\there', /control character U\+0009/],
  ['bell\u0007', /control character U\+0007/],
  ['trailing.', /ends with a dot or a space/],
  ['trailing ', /ends with a dot or a space/],
  ['folder./x', /ends with a dot or a space/],
  ['CON', /reserved device name/],
  ['nul', /reserved device name/],
  ['com1.json', /reserved device name/],
  ['lpt9/x', /reserved device name/],
  ['aux.test', /reserved device name/],
];

describe('names rejected before fn runs', () => {
  it.each(REJECTED)('%j', async (name, reason) => {
    for (const mode of ['record', 'auto', 'replay', 'update'] as const) {
      let called = false;
      const error = await withCassette(
        name,
        async () => {
          called = true;
          await fetch(`${server.url}/json`);
        },
        { dir, mode },
      ).catch((e: unknown) => e);
      expect(error, mode).toBeInstanceOf(ReeltapeConfigError);
      expect((error as Error).message).toMatch(reason);
      expect(called).toBe(false);
    }
    expect(server.hits).toEqual([]); // the side effect never happened
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('names that fit', () => {
  it('the longest name whose lock still fits a 255-byte file name (245 characters) records and replays: temp files use short names', async () => {
    const name = 'n'.repeat(255 - '.json.lock'.length);
    await withCassette(name, () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    expect(await readdir(dir)).toEqual([`${name}.json`]);
    await withCassette(name, () => fetch(`${server.url}/json`), { dir, mode: 'replay' });
    expect(() => resolveCassettePath(dir, `${name}n`)).toThrow(ReeltapeConfigError);
  });

  it('the limit counts UTF-8 bytes: 122 two-byte characters (244 bytes, lock 254) record and replay', async () => {
    const name = '\u00e9'.repeat(122);
    await withCassette(name, () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    await withCassette(name, () => fetch(`${server.url}/json`), { dir, mode: 'replay' });
    expect(await readdir(dir)).toEqual([`${name}.json`]);
  });

  it('ordinary names with spaces, dots inside, unicode and sub-folders are kept as they are', () => {
    for (const name of ['github/users list', 'v1.2/get-user', 'café/ünïcode', 'a (b) + c, d = e @ f', '.hidden/x', 'console', 'com10']) {
      expect(() => resolveCassettePath(dir, name), name).not.toThrow();
    }
  });

  it('the adapters map any test title to a name the same rule accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 4 }), (titles) => {
        const name = cassetteNameFor('/repo/test/users.test.ts', '/repo', titles);
        expect(() => resolveCassettePath('/repo/cassettes', name)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
