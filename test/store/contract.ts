/**
 * The contract every `CassetteStore` passes (like Polly.js's persister tests): run it from one
 * test file per store with `storeContract('json', () => jsonStore())`.
 */
import { spawn } from 'node:child_process';
import { readFile, truncate, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodyToBytes, headersToPairs, readAllResponses, type Body, type Cassette, type Interaction } from '../../src/cassette/index.js';
import { CassetteFormatError, CassetteLockedError } from '../../src/errors/index.js';
import type { CassetteStore } from '../../src/store/index.js';
import { childEnv, listFiles, makeTempDir, removeTempDirs } from '../helpers/index.js';

const BINARY = new Uint8Array(300).map((_, i) => (i * 7) % 256);

function exchange(url: string, requestBody: Body | null, responseBody: Body | null, headers: Interaction['response']['headers'] = {}): Interaction {
  return {
    request: { method: requestBody ? 'POST' : 'GET', url, headers: { accept: '*/*' }, body: requestBody },
    response: { status: 200, statusText: 'OK', headers, body: responseBody },
  };
}

/** One interaction per body kind, both directions, and repeated headers. */
export function sampleCassette(): Cassette {
  return {
    version: 1,
    meta: { reeltape: '0.0.0-test', node: 'v20.0.0', recordedAt: '2026-01-02T03:04:05.000Z', extra: { note: 'kept' } },
    interactions: [
      exchange('http://127.0.0.1:1/json', { kind: 'json', value: { q: [1, 'two', null] } }, { kind: 'json', value: { a: 1, nested: { b: true } } }, { 'content-type': 'application/json' }),
      exchange('http://127.0.0.1:1/pretty', null, { kind: 'json', value: { a: [1, 2] }, format: { indent: 2, trailingNewline: true } }, { 'content-type': 'application/json' }),
      exchange('http://127.0.0.1:1/text?x=1&x=2', { kind: 'text', value: 'name=ä&b=2' }, { kind: 'text', value: 'héllo\nworld' }, { 'content-type': 'text/plain; charset=utf-8' }),
      exchange('http://127.0.0.1:1/binary', { kind: 'binary', value: BINARY.slice(0, 40) }, { kind: 'binary', value: BINARY }, { 'content-type': 'application/octet-stream' }),
      exchange('http://127.0.0.1:1/empty', null, null, { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], vary: ['accept', 'origin'] }),
      { ...exchange('http://127.0.0.1:1/missing', null, { kind: 'text', value: 'nope' }), response: { status: 404, statusText: 'Not Found', headers: { 'x-empty': '' }, body: { kind: 'text', value: 'nope' } } },
    ],
  };
}

/**
 * What must survive a store: method, URL, headers (pairs), status, status text, body kind and bytes
 * (a side-file body is bytes of no known kind: it compares as binary).
 */
export function comparable(cassette: Cassette): unknown {
  const body = (b: Body | null) => (b === null ? null : { kind: b.kind === 'file' ? 'binary' : b.kind, bytes: Buffer.from(bodyToBytes(b)).toString('hex') });
  return cassette.interactions.map(({ request, response }) => ({
    method: request.method,
    url: request.url,
    requestHeaders: headersToPairs(request.headers),
    requestBody: body(request.body),
    status: response.status,
    statusText: response.statusText,
    responseHeaders: headersToPairs(response.headers),
    responseBody: body(response.body),
  }));
}

/** Body bytes only (a store may turn a large body into a `file` body or inline it). */
function bytesOnly(cassette: Cassette): string[] {
  return cassette.interactions.flatMap(({ request, response }) => [request.body, response.body].map((b) => Buffer.from(bodyToBytes(b)).toString('hex')));
}

/**
 * Registers the store contract tests.
 *
 * @example
 * storeContract('har', () => harStore());
 */
/** Loads whole, or (`forReplay`) through the store's replay loader when it has one, every response read. */
async function loadAs(store: CassetteStore, file: string, forReplay: boolean): Promise<Cassette | undefined> {
  if (!forReplay || !store.loadForReplay) return store.load(file);
  const replay = await store.loadForReplay(file);
  return replay && readAllResponses(replay);
}

export function storeContract(label: 'json' | 'har', makeStore: () => CassetteStore): void {
  describe(`${label} store contract`, () => {
    let dir: string;
    let store: CassetteStore;
    beforeEach(async () => {
      dir = await makeTempDir(`store-${label}`);
      store = makeStore();
    });
    afterEach(removeTempDirs);

    it('resolves names to files with its extension, inside dir', () => {
      expect(store.resolve(dir, 'sub/users')).toBe(join(dir, 'sub', `users${store.extension}`));
      expect(() => store.resolve(dir, '../out')).toThrow(/"\.\.\/out"/);
    });

    it('loads nothing for a cassette never saved', async () => {
      expect(await store.load(store.resolve(dir, 'absent'))).toBeUndefined();
      expect(await store.loadForReplay?.(store.resolve(dir, 'absent'))).toBeUndefined();
    });

    for (const forReplay of [false, true]) {
      it(`round-trips every body kind and repeated headers (forReplay ${forReplay})`, async () => {
        const file = store.resolve(dir, 'kinds');
        const cassette = sampleCassette();
        await store.save(file, cassette, { sideFileThreshold: Infinity });
        const loaded = await loadAs(store, file, forReplay);
        expect(loaded).toBeDefined();
        expect(comparable(loaded!)).toEqual(comparable(cassette));
        expect(loaded!.meta).toEqual(cassette.meta);
        expect(loaded!.interactions[4]!.response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      });
    }

    it('keeps a body over sideFileThreshold byte for byte', async () => {
      const file = store.resolve(dir, 'large');
      const big = new Uint8Array(200_000).map((_, i) => (i * 31) % 251);
      const cassette: Cassette = { ...sampleCassette(), interactions: [exchange('http://127.0.0.1:1/big', null, { kind: 'binary', value: big })] };
      await store.save(file, cassette, { sideFileThreshold: 1024 });
      const loaded = await store.load(file);
      expect(bytesOnly(loaded!)).toEqual(bytesOnly(cassette));
    });

    it('saving again replaces the cassette', async () => {
      const file = store.resolve(dir, 'again');
      await store.save(file, sampleCassette(), { sideFileThreshold: Infinity });
      const fewer = { ...sampleCassette(), interactions: sampleCassette().interactions.slice(0, 2) };
      await store.save(file, fewer, { sideFileThreshold: Infinity });
      expect((await store.load(file))!.interactions).toHaveLength(2);
    });

    const damages: Array<[string, (file: string) => Promise<void>]> = [
      ['not JSON', (file) => writeFile(file, '{ this is not json')],
      ['truncated', async (file) => truncate(file, Math.floor((await readFile(file)).length / 2))],
      ['valid JSON of the wrong shape', (file) => writeFile(file, JSON.stringify({ log: { entries: 'x' }, interactions: 'x' }))],
      ['empty', (file) => writeFile(file, '')],
    ];
    for (const [what, damage] of damages) for (const forReplay of [false, true]) {
      it(`a damaged file (${what}) is a CassetteFormatError naming it, and is left untouched (forReplay ${forReplay})`, async () => {
        const file = store.resolve(dir, 'damaged');
        await store.save(file, sampleCassette(), { sideFileThreshold: Infinity });
        await damage(file);
        const before = await readFile(file);
        const error = await loadAs(store, file, forReplay).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CassetteFormatError);
        expect((error as CassetteFormatError).file).toBe(file);
        expect((error as Error).message).toContain(file);
        expect(await readFile(file)).toEqual(before);
      });
    }

    it('a failed save leaves the previous file byte-identical and no temp file', async () => {
      const file = store.resolve(dir, 'atomic');
      await store.save(file, sampleCassette(), { sideFileThreshold: Infinity });
      const before = await readFile(file);
      const filesBefore = await listFiles(dir);
      // a body whose bytes cannot be read (its side file is gone) fails the save midway
      const broken: Cassette = {
        ...sampleCassette(),
        interactions: [...sampleCassette().interactions, exchange('http://127.0.0.1:1/gone', null, { kind: 'file', sha256: 'a'.repeat(64), size: 10, path: join(dir, 'gone', 'body') })],
      };
      await expect(store.save(file, broken, { sideFileThreshold: Infinity })).rejects.toThrow();
      expect(await readFile(file)).toEqual(before);
      expect(await listFiles(dir)).toEqual(filesBefore);
    });

    it('a save killed (SIGKILL) at any moment leaves a whole cassette: the old one or the new one', async () => {
      const file = store.resolve(dir, 'killed');
      const script = join(import.meta.dirname, 'fixtures', 'save-loop.ts');
      for (const delay of [10, 60]) {
        const child = spawn(process.execPath, ['--import', 'tsx', script, label, file], { env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`save loop exited early (${code})`)));
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        const loaded = await store.load(file);
        const last = loaded!.interactions.at(-1)!.response.body;
        expect(last?.kind === 'text' && /^version [12] /.test(last.value)).toBe(true);
        expect(loaded!.interactions).toHaveLength(sampleCassette().interactions.length + 1);
      }
    }, 30_000);

    it('a second lock on the same cassette is a CassetteLockedError; released, it can be taken again', async () => {
      const file = store.resolve(dir, 'locked');
      const release = await store.lock(file);
      try {
        await expect(store.lock(file)).rejects.toBeInstanceOf(CassetteLockedError);
      } finally {
        await release();
      }
      const again = await store.lock(file);
      await again();
    });

    it('lists its cassettes (recursively) and removes one with its side files', async () => {
      const a = store.resolve(dir, 'a');
      const b = store.resolve(dir, 'sub/b');
      await mkdir(dirname(b), { recursive: true });
      const big: Cassette = { ...sampleCassette(), interactions: [exchange('http://127.0.0.1:1/big', null, { kind: 'binary', value: new Uint8Array(5000).fill(7) })] };
      await store.save(a, big, { sideFileThreshold: 1024 });
      await store.save(b, sampleCassette(), { sideFileThreshold: Infinity });
      await writeFile(join(dir, 'notes.txt'), 'not a cassette');
      expect(await store.list(dir)).toEqual([a, b].sort());
      await store.remove(a);
      expect(await store.list(dir)).toEqual([b]);
      expect((await listFiles(dir)).filter((f) => f.startsWith('a'))).toEqual([]);
      await store.remove(a); // nothing left: no error
    });
  });
}
