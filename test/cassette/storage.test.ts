import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CassetteFormatError,
  ReeltapeConfigError,
  bodyToBytes,
  loadCassette,
  resolveCassettePath,
  saveCassette,
  serializeCassette,
  writeFileAtomic,
} from '../../src/index.js';
import { sampleCassette } from './fixtures.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reeltape-storage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates parent directories and writes the data', async () => {
    const file = join(dir, 'a', 'b', 'c.json');
    await writeFileAtomic(file, 'hello\n');
    expect(await readFile(file, 'utf8')).toBe('hello\n');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(file))]).toEqual([1, 2, 3]);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c.json']);
  });

  it('leaves the previous file byte-identical and no temp file when the write fails', async () => {
    const file = join(dir, 'users.json');
    await writeFile(file, 'previous content\n');
    vi.mocked(fsPromises.rename).mockRejectedValueOnce(Object.assign(new Error('EIO: simulated'), { code: 'EIO' }));
    await expect(writeFileAtomic(file, 'new content that never lands\n')).rejects.toThrow('EIO: simulated');
    expect(await readFile(file, 'utf8')).toBe('previous content\n');
    expect(await readdir(dir)).toEqual(['users.json']);
  });

  it('leaves no file at all when there was none and the write fails', async () => {
    vi.mocked(fsPromises.rename).mockRejectedValueOnce(new Error('boom'));
    await expect(writeFileAtomic(join(dir, 'new.json'), 'x')).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([]);
  });

  it('survives concurrent writers to the same file (unique temp names)', async () => {
    const file = join(dir, 'race.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, `writer ${i}\n`)));
    expect(await readFile(file, 'utf8')).toMatch(/^writer \d+\n$/);
    expect(await readdir(dir)).toEqual(['race.json']);
  });
});

describe('loadCassette / saveCassette', () => {
  it('resolves undefined for a missing file', async () => {
    expect(await loadCassette(join(dir, 'nope.json'))).toBeUndefined();
  });

  it('round-trips through disk, moving large bodies to side files', async () => {
    const file = join(dir, 'big.json');
    const cassette = sampleCassette();
    const big = new Uint8Array(5000).map((_, i) => i % 251);
    cassette.interactions[2]!.response.body = { kind: 'binary', value: big };
    const written = await saveCassette(file, cassette, { sideFileThreshold: 1000 });
    const body = written.interactions[2]!.response.body;
    expect(body).toMatchObject({ kind: 'file', size: 5000 });
    expect((await readdir(join(dir, 'big.bodies'))).length).toBe(1);
    const loaded = await loadCassette(file);
    expect(loaded).toBeDefined();
    expect(Buffer.from(bodyToBytes(loaded!.interactions[2]!.response.body)).equals(Buffer.from(big))).toBe(true);
    expect(serializeCassette(loaded!)).toBe(await readFile(file, 'utf8'));
    // small bodies stay inline
    expect(loaded!.interactions[1]!.response.body).toEqual({ kind: 'text', value: 'created\n' });
  });

  it('names a missing side file', async () => {
    const file = join(dir, 'big.json');
    const cassette = sampleCassette();
    cassette.interactions[0]!.response.body = { kind: 'text', value: 'x'.repeat(2000) };
    await saveCassette(file, cassette, { sideFileThreshold: 100 });
    await rm(join(dir, 'big.bodies'), { recursive: true });
    const error = await loadCassette(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect((error as CassetteFormatError).message).toMatch(/interactions\[0\]\.response\.body\.file refers to side file .*big\.bodies.*missing/);
    expect((error as CassetteFormatError).location).toBe('interactions[0].response.body.file');
  });

  it('rejects a file that is not UTF-8 and leaves it untouched', async () => {
    const file = join(dir, 'bad.json');
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    await writeFile(file, bytes);
    await expect(loadCassette(file)).rejects.toThrow(/not valid UTF-8/);
    expect((await readFile(file)).equals(bytes)).toBe(true);
  });

  it('decodes non-ASCII cassettes, tells a literal U+FFFD from invalid UTF-8', async () => {
    const cassette = sampleCassette();
    cassette.interactions[0]!.response.body = { kind: 'text', value: 'é☃ \uFFFD 😀' };
    const text = serializeCassette(cassette);
    const good = join(dir, 'good.json');
    await writeFile(good, text, 'utf8');
    const loaded = await loadCassette(good);
    expect(loaded?.interactions[0]?.response.body).toEqual({ kind: 'text', value: 'é☃ \uFFFD 😀' });
    // the same text with one invalid byte in the middle of a string: the lenient decode yields a U+FFFD, the strict one rejects it
    const bytes = Buffer.from(text, 'utf8');
    const at = bytes.indexOf(Buffer.from('é', 'utf8'));
    const bad = join(dir, 'bad-utf8.json');
    await writeFile(bad, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28]), bytes.subarray(at + 2)]));
    await expect(loadCassette(bad)).rejects.toThrow(/not valid UTF-8/);
  });

  it('reports a directory in place of the cassette', async () => {
    await mkdir(join(dir, 'x.json'));
    await expect(loadCassette(join(dir, 'x.json'))).rejects.toBeInstanceOf(CassetteFormatError);
  });
});

describe('resolveCassettePath', () => {
  it('maps names to <dir>/<name>.json', () => {
    expect(resolveCassettePath('/p/cassettes', 'users')).toBe('/p/cassettes/users.json');
    expect(resolveCassettePath('/p/cassettes', 'github/users list')).toBe('/p/cassettes/github/users list.json');
    expect(resolveCassettePath('/p/cassettes', 'users.json')).toBe('/p/cassettes/users.json');
  });

  it.each(['', '   ', '/etc/passwd', '../secrets', 'a/../../b', 'a/..', '..', 'a\0b', 'C:\\x'])('rejects %j', (name) => {
    expect(() => resolveCassettePath('/p/cassettes', name)).toThrow(ReeltapeConfigError);
  });
});
