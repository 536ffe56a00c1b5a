import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CassetteLockedError, SecretLeakError } from '../../src/errors/index.js';
import type { Sanitizer } from '../../src/sanitizers/types.js';
import { withCassette } from '../../src/session/index.js';
import { listFiles, startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

let server: TestServer;
let dir: string;
useServerAndDir('writing', startTestServer, (s, d) => ((server = s), (dir = d)));

interface StoredCassette {
  meta: { recordedAt: string; error?: { name: string; message: string } };
  interactions: Array<{ request: { url: string; headers: Record<string, string> }; response: { body: unknown } }>;
}
const read = async (name: string): Promise<StoredCassette> => JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as StoredCassette;

describe('when fn throws while recording', () => {
  it('saves the cassette with meta.error and rethrows', async () => {
    const boom = new Error('assertion failed: expected 3 users');
    await expect(
      withCassette(
        'throws',
        async () => {
          await fetch(`${server.url}/json`);
          throw boom;
        },
        { dir, mode: 'record' },
      ),
    ).rejects.toBe(boom);
    const cassette = await read('throws');
    expect(cassette.meta.error).toEqual({ name: 'Error', message: 'assertion failed: expected 3 users' });
    expect(cassette.interactions).toHaveLength(1);
  });

  it('saves nothing with saveOnError: false', async () => {
    await expect(
      withCassette(
        'throws-nosave',
        async () => {
          await fetch(`${server.url}/json`);
          throw new Error('x');
        },
        { dir, mode: 'record', saveOnError: false },
      ),
    ).rejects.toThrow('x');
    expect(await listFiles(dir)).toEqual([]);
  });
});

describe('re-recording', () => {
  it('leaves the file byte-identical (and its recordedAt) when the traffic did not change', async () => {
    const run = () => fetch(`${server.url}/json`).then((r) => r.json());
    await withCassette('same', run, { dir, mode: 'record' });
    const file = join(dir, 'same.json');
    const before = await readFile(file);
    const mtime = (await stat(file)).mtimeMs;
    // let the server's Date header change (1 s resolution): it must not count as a change
    await new Promise((r) => setTimeout(r, 1100));
    await withCassette('same', run, { dir, mode: 'record' });
    expect((await readFile(file)).equals(before)).toBe(true);
    expect((await stat(file)).mtimeMs).toBe(mtime);
    expect(await listFiles(dir)).toEqual(['same.json']);
  });

  it('writes when the traffic changed', async () => {
    await withCassette('changed', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    await withCassette('changed', () => fetch(`${server.url}/text`), { dir, mode: 'record' });
    expect((await read('changed')).interactions.map((i) => new URL(i.request.url).pathname)).toEqual(['/text']);
  });

  it('replaces a corrupt cassette in record mode', async () => {
    await writeFile(join(dir, 'broken.json'), 'not json');
    await withCassette('broken', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    expect((await read('broken')).interactions).toHaveLength(1);
  });
});

describe('sanitizing before writing', () => {
  it('redacts secrets in memory before anything reaches disk', async () => {
    const token = 'tok_live_1234567890abcdef';
    await withCassette('secret', () => fetch(`${server.url}/json?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } }), {
      dir,
      mode: 'record',
    });
    const text = await readFile(join(dir, 'secret.json'), 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain('REDACTED');
    // replay with a different token still matches (the live request is sanitized the same way)
    await server.close();
    const body = await withCassette(
      'secret',
      async () => (await fetch(`${server.url}/json?access_token=other-dummy-token`, { headers: { authorization: 'Bearer dummy-token' } })).json(),
      { dir, mode: 'replay' },
    );
    expect(body).toEqual({ hello: 'world', n: 1 });
  });

  it('refuses to write when a known secret survives, and writes nothing', async () => {
    // a sanitizer that knows a secret, and a buggy one that copies it where literal replacement does not
    // reach (a header name): the pre-write scan must catch it
    const buggy: Sanitizer = {
      name: 'buggy',
      secrets: ['planted-secret-value'],
      response(response) {
        response.headers['x-planted-secret-value'] = '1';
      },
    };
    const error = await withCassette('leak', () => fetch(`${server.url}/json`), { dir, mode: 'record', sanitizers: [buggy] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretLeakError);
    expect((error as SecretLeakError).leaks[0]).toMatchObject({ interaction: 0, form: 'raw' });
    expect((error as Error).message).toContain('interaction 0');
    expect(await listFiles(dir)).toEqual([]);
  });
});

describe('recording lock', () => {
  it('a second recorder of the same cassette gets CassetteLockedError', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = withCassette(
      'locked',
      async () => {
        await fetch(`${server.url}/json`);
        await gate;
      },
      { dir, mode: 'record' },
    );
    await new Promise((r) => setTimeout(r, 50));
    const error = await withCassette('locked', () => fetch(`${server.url}/json`), { dir, mode: 'record' }).catch((e: unknown) => e);
    release();
    await first;
    expect(error).toBeInstanceOf(CassetteLockedError);
    expect((error as Error).message).toContain(`process ${process.pid} on ${hostname()}`);
    expect(await listFiles(dir)).toEqual(['locked.json']); // released afterwards
  });

  it('replaces a stale lock left by a dead process', async () => {
    await writeFile(join(dir, 'stale.json.lock'), JSON.stringify({ pid: 2 ** 22 + 7, hostname: hostname(), time: new Date().toISOString() }));
    await withCassette('stale', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    expect(await listFiles(dir)).toEqual(['stale.json']);
  });

  it('replaces a lock its holder has not refreshed for 10 minutes', async () => {
    const old = new Date(Date.now() - 11 * 60_000);
    await writeFile(join(dir, 'old.json.lock'), JSON.stringify({ pid: process.pid, hostname: 'elsewhere', time: old.toISOString() }));
    await utimes(join(dir, 'old.json.lock'), old, old);
    await withCassette('old', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    expect(await listFiles(dir)).toEqual(['old.json']);
  });

  it('replay takes no lock', async () => {
    await withCassette('nolock', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    await writeFile(join(dir, 'nolock.json.lock'), JSON.stringify({ pid: process.pid, hostname: hostname(), time: new Date().toISOString() }));
    await expect(withCassette('nolock', () => fetch(`${server.url}/json`), { dir, mode: 'replay' })).resolves.toBeDefined();
  });
});
