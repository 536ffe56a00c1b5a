import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CassetteNotFoundError, ReeltapeConfigError } from '../../src/errors/index.js';
import { configure, isCI, resetConfiguration, resolveMode, withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

let server: TestServer;
let dir: string;

beforeEach(async () => {
  vi.stubEnv('CI', '');
  vi.stubEnv('REELTAPE_MODE', '');
  server = await startTestServer();
  dir = await makeTempDir('modes');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  resetConfiguration();
  await server.close();
  await removeTempDirs();
});

const getJson = async (url: string): Promise<unknown> => (await fetch(url)).json();

describe('isCI', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
    ['yes', true],
  ])('CI=%s → %s', (value, expected) => {
    expect(isCI(value === undefined ? {} : { CI: value })).toBe(expected);
  });
});

describe('resolveMode', () => {
  it('prefers REELTAPE_MODE over options over configure over auto', () => {
    expect(resolveMode({}, {})).toBe('auto');
    configure({ mode: 'update' });
    expect(resolveMode({}, {})).toBe('update');
    expect(resolveMode({ mode: 'replay' }, {})).toBe('replay');
    expect(resolveMode({ mode: 'replay' }, { REELTAPE_MODE: 'record' })).toBe('record');
  });

  it('rejects an invalid REELTAPE_MODE listing the valid modes', () => {
    expect(() => resolveMode({}, { REELTAPE_MODE: 'recrod' })).toThrow(ReeltapeConfigError);
    expect(() => resolveMode({}, { REELTAPE_MODE: 'recrod' })).toThrow(/auto, replay, record, update, passthrough/);
  });

  it('rejects an invalid mode option', () => {
    expect(() => resolveMode({ mode: 'live' as never }, {})).toThrow(/Invalid reeltape mode "live"/);
  });
});

describe('auto', () => {
  it('records when the cassette is missing and replays when it exists', async () => {
    const url = `${server.url}/json`;
    const first = await withCassette('auto', async (c) => ({ mode: c.mode, body: await getJson(url) }), { dir });
    expect(first).toEqual({ mode: 'record', body: { hello: 'world', n: 1 } });
    await server.close();
    const second = await withCassette('auto', async (c) => ({ mode: c.mode, body: await getJson(url) }), { dir });
    expect(second).toEqual({ mode: 'replay', body: { hello: 'world', n: 1 } });
  });

  it('with CI set, a missing cassette fails before fn runs and says how to record it', async () => {
    vi.stubEnv('CI', 'true');
    const fn = vi.fn();
    const error = await withCassette('missing/one', fn, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassetteNotFoundError);
    expect(fn).not.toHaveBeenCalled();
    expect((error as Error).message).toContain(join(dir, 'missing/one.json'));
    expect((error as Error).message).toContain('REELTAPE_MODE=record');
  });

  it('with CI set, an existing cassette replays', async () => {
    const url = `${server.url}/json`;
    await withCassette('ci', () => getJson(url), { dir, mode: 'record' });
    await server.close();
    vi.stubEnv('CI', '1');
    const mode = await withCassette('ci', async (c) => (await getJson(url), c.mode), { dir });
    expect(mode).toBe('replay');
  });

  it('with CI=false, auto still records', async () => {
    vi.stubEnv('CI', 'false');
    const mode = await withCassette('ci-false', async (c) => (await getJson(`${server.url}/json`), c.mode), { dir });
    expect(mode).toBe('record');
  });
});

describe('replay', () => {
  it('fails with CassetteNotFoundError before fn when the cassette is missing', async () => {
    const fn = vi.fn();
    await expect(withCassette('nothing', fn, { dir, mode: 'replay' })).rejects.toThrow(CassetteNotFoundError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('REELTAPE_MODE overrides the mode option', async () => {
    vi.stubEnv('REELTAPE_MODE', 'record');
    const mode = await withCassette('env', async (c) => (await getJson(`${server.url}/json`), c.mode), { dir, mode: 'replay' });
    expect(mode).toBe('record');
    expect((await stat(join(dir, 'env.json'))).isFile()).toBe(true);
  });

  it('an invalid REELTAPE_MODE rejects withCassette', async () => {
    vi.stubEnv('REELTAPE_MODE', 'sometimes');
    await expect(withCassette('x', () => 1, { dir })).rejects.toThrow(/Valid modes: auto, replay, record, update, passthrough/);
  });
});

describe('passthrough', () => {
  it('neither replays nor records', async () => {
    const body = await withCassette('pass', () => getJson(`${server.url}/json`), { dir, mode: 'passthrough' });
    expect(body).toEqual({ hello: 'world', n: 1 });
    expect(server.hits).toEqual(['GET /json']);
    await expect(stat(join(dir, 'pass.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe('update', () => {
  it('replays what matches, records what does not, keeps unused interactions, appends new ones', async () => {
    await withCassette(
      'upd',
      async () => {
        await getJson(`${server.url}/json`);
        await getJson(`${server.url}/echo?old=1`);
      },
      { dir, mode: 'record' },
    );
    server.hits.length = 0;
    const stats = await withCassette(
      'upd',
      async (c) => {
        await getJson(`${server.url}/json`);
        await getJson(`${server.url}/echo?new=1`);
        return c.stats();
      },
      { dir, mode: 'update' },
    );
    expect(server.hits).toEqual(['GET /echo?new=1']);
    expect(stats).toMatchObject({ replayed: 1, recorded: 1, unmatched: 0 });
    const cassette = JSON.parse(await readFile(join(dir, 'upd.json'), 'utf8')) as { interactions: Array<{ request: { url: string } }> };
    expect(cassette.interactions.map((i) => new URL(i.request.url).pathname + new URL(i.request.url).search)).toEqual([
      '/json',
      '/echo?old=1',
      '/echo?new=1',
    ]);
  });

  it('creates the cassette when it does not exist', async () => {
    await withCassette('upd-new', () => getJson(`${server.url}/json`), { dir, mode: 'update' });
    expect((await stat(join(dir, 'upd-new.json'))).isFile()).toBe(true);
  });
});

describe('configure', () => {
  it('sets defaults for later cassettes; per-call options win', async () => {
    configure({ dir, mode: 'record' });
    const mode = await withCassette('configured', async (c) => (await getJson(`${server.url}/json`), c.mode));
    expect(mode).toBe('record');
    expect((await stat(join(dir, 'configured.json'))).isFile()).toBe(true);
    await expect(withCassette('configured-2', () => 1, { mode: 'replay' })).rejects.toThrow(CassetteNotFoundError);
  });

  it('rejects cassette names that leave the directory', async () => {
    await expect(withCassette('../escape', () => 1, { dir, mode: 'record' })).rejects.toThrow(ReeltapeConfigError);
    await expect(withCassette('/abs/name', () => 1, { dir, mode: 'record' })).rejects.toThrow(ReeltapeConfigError);
  });

  it('leaves a corrupt cassette untouched in replay', async () => {
    const file = join(dir, 'corrupt.json');
    await writeFile(file, '{"version": 1, "meta": ');
    await expect(withCassette('corrupt', () => 1, { dir, mode: 'replay' })).rejects.toThrow(/corrupt\.json/);
    await expect(withCassette('corrupt', () => 1, { dir })).rejects.toMatchObject({ name: 'CassetteFormatError' });
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "meta": ');
  });
});
