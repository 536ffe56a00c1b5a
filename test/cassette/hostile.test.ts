/**
 * Hostile or damaged cassettes are bounded: a size limit checked before reading, a nesting limit,
 * header names and values checked at load. Each gives a CassetteFormatError naming the file within
 * seconds and bounded memory, in the whole-file and the deferred (replay) paths, in `withCassette`
 * and in `reeltape info` (damaged, exit 1) — never a RangeError, a TypeError or a crash.
 */
import { execFileSync } from 'node:child_process';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCassette, loadForReplay, readAllResponses, serializeCassette, type Cassette } from '../../src/cassette/index.js';
import { MAX_JSON_DEPTH } from '../../src/cassette/format.js';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { CassetteFormatError, ReeltapeConfigError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { childEnv, makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

let server: TestServer;
let dir: string;
beforeEach(async () => {
  server = await startTestServer();
  dir = await makeTempDir('hostile');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
  await removeTempDirs();
});

const HOLE = 'HOLE-HOLE-HOLE';

/** A one-interaction cassette for `GET <server>/json`, as `serializeCassette` lays it out, with `"HOLE"` replaced. */
function cassetteText(replace: { where: 'body' | 'request-header' | 'response-header' | 'status-text'; with: string }): string {
  const long = 'x'.repeat(600); // the response is long enough to be deferred on replay
  const cassette: Cassette = {
    version: 1,
    meta: { reeltape: '0.1.0', node: process.version, recordedAt: new Date().toISOString() },
    interactions: [
      {
        request: { method: 'GET', url: `${server.url}/json`, headers: replace.where === 'request-header' ? { 'x-a': HOLE } : {}, body: null },
        response: {
          status: 200,
          statusText: replace.where === 'status-text' ? HOLE : 'OK',
          headers: { 'content-type': 'application/json', 'x-pad': long, ...(replace.where === 'response-header' ? { 'x-b': HOLE } : {}) },
          body: { kind: 'json', value: { data: HOLE } },
        },
      },
    ],
  };
  return serializeCassette(cassette).replace(JSON.stringify(HOLE), replace.with);
}

function cli(): CliIO & { out: string; err: string } {
  const captured = { out: '', err: '', cwd: dir, env: {}, stdout: (t: string) => void (captured.out += t), stderr: (t: string) => void (captured.err += t) };
  return captured;
}

/** Loads `file` every way reeltape does, expecting a CassetteFormatError naming it (and `location`) each time, fast. */
async function expectDamaged(name: string, location: RegExp | undefined, message: RegExp): Promise<void> {
  const file = join(dir, `${name}.json`);
  const started = Date.now();
  const ways: Array<[string, () => Promise<unknown>]> = [
    ['whole file', () => loadCassette(file)],
    [
      'deferred',
      async () => {
        const replay = await loadForReplay(file);
        if (replay) readAllResponses(replay);
      },
    ],
    ['replay', () => withCassette(name, () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'replay' })],
  ];
  for (const [way, load] of ways) {
    const error = await load().catch((e: unknown) => e);
    expect(error, way).toBeInstanceOf(CassetteFormatError);
    expect((error as CassetteFormatError).file, way).toBe(file);
    expect((error as Error).message, way).toMatch(message);
    if (location) expect((error as CassetteFormatError).location, way).toMatch(location);
  }
  const io = cli();
  expect(await main(['info', dir], io)).toBe(1);
  expect(io.out).toContain('CORRUPT');
  expect(io.out).toMatch(message);
  expect(Date.now() - started).toBeLessThan(10_000);
}

describe('nesting', () => {
  it('a body nested 100,000 deep is a CassetteFormatError at load, not a stack overflow at replay', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    await writeFile(join(dir, 'deep.json'), cassetteText({ where: 'body', with: deep }));
    await expectDamaged('deep', /^interactions\[0\]\.response\.body\.json$/, new RegExp(`nest deeper than ${MAX_JSON_DEPTH} levels`));
  });

  it(`a body nested ${MAX_JSON_DEPTH} deep (the limit) loads, replays and is summarized`, async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`;
    await writeFile(join(dir, 'limit.json'), cassetteText({ where: 'body', with: deep }));
    const body = await withCassette('limit', () => fetch(`${server.url}/json`).then((r) => r.json()), { dir, mode: 'replay' });
    expect(JSON.stringify(body)).toBe(`{"data":${deep}}`);
    expect(await main(['info', dir], cli())).toBe(0);
  });
});

describe('header names and values', () => {
  it.each([
    ['request-header', '"a\\r\\nInjected: 1"', /^interactions\[0\]\.request\.headers\.x-a$|^interactions\[0\]\.request\.headers\["x-a"\]$/, /carriage return/],
    ['response-header', '"a\\nb"', /response\.headers(\.x-b|\["x-b"\])$/, /line feed/],
    ['response-header', '"a\\u0000b"', /response\.headers(\.x-b|\["x-b"\])$/, /NUL character/],
    ['response-header', '"\\u0100"', /response\.headers(\.x-b|\["x-b"\])$/, /U\+0100, beyond Latin-1/],
    ['response-header', '["ok", "a\\r"]', /response\.headers(\.x-b|\["x-b"\])\[1\]$/, /carriage return/],
    ['status-text', '"OK\\r\\nX: y"', /^interactions\[0\]\.response\.statusText$/, /carriage return/],
  ] as const)('%s %s', async (where, value, location, message) => {
    await writeFile(join(dir, 'bad.json'), cassetteText({ where, with: value }));
    await expectDamaged('bad', location, message);
  });

  it('a header name that is not a token is reported at load', async () => {
    const text = cassetteText({ where: 'response-header', with: '"v"' }).replace('"x-b"', '"x b"');
    await writeFile(join(dir, 'name.json'), text);
    await expectDamaged('name', /x b/, /not a valid HTTP header name/);
  });
});

describe('references and encoding', () => {
  it('a side-file reference that climbs out of the cassette dir is a format error naming the field', async () => {
    const text = cassetteText({ where: 'body', with: '"x"' }).replace(/"body": \{\s*"json": \{\s*"data": "x"\s*\}\s*\}/, '"body": { "file": "../../etc/passwd", "size": 10 }');
    expect(text).toContain('../../etc/passwd');
    await writeFile(join(dir, 'climb.json'), text);
    await expectDamaged('climb', /^interactions\[0\]\.response\.body\.file$/, /expected a lower-case hex SHA-256/);
  });

  it('a byte sequence that is not UTF-8 is a format error, not replaced characters', async () => {
    const [before, after] = cassetteText({ where: 'body', with: '"HOLE"' }).split('HOLE') as [string, string];
    await writeFile(join(dir, 'latin1.json'), Buffer.concat([Buffer.from(before), Buffer.from([0xe9, 0xff]), Buffer.from(after)]));
    await expectDamaged('latin1', undefined, /is not valid UTF-8 text/);
  });
});

it.skipIf(process.platform === 'win32')('a named pipe called like a cassette is damaged at once, not waited on forever', async () => {
  execFileSync('mkfifo', [join(dir, 'pipe.json')]);
  // a child with a deadline: opening a pipe nobody writes to blocks the whole process
  const script =
    `import { withCassette } from './src/session/index.ts'; import { main } from './src/cli/main.ts';` +
    `const io = { cwd: ${JSON.stringify(dir)}, env: {}, out: '', stdout(t) { io.out += t; }, stderr(t) { io.out += t; } };` +
    `const error = await withCassette('pipe', () => undefined, { dir: ${JSON.stringify(dir)}, mode: 'replay' }).then(() => undefined, (e) => e);` +
    `const info = await main(['info', ${JSON.stringify(dir)}], io); const audit = await main(['audit', ${JSON.stringify(dir)}], io);` +
    `console.log(JSON.stringify({ name: error?.name, message: error?.message, info, audit, out: io.out }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: childEnv(), encoding: 'utf8', timeout: 20_000 });
  const result = JSON.parse(out.trim().split('\n').pop() as string) as { name: string; message: string; info: number; audit: number; out: string };
  expect(result.name).toBe('CassetteFormatError');
  expect(result.message).toContain(`${join(dir, 'pipe.json')} is a named pipe, not a cassette file`);
  expect(result.info).toBe(1);
  expect(result.audit).toBe(1);
  expect(result.out).toMatch(/CORRUPT: .*is a named pipe/);
  expect(result.out).toMatch(/pipe\.json {2}unreadable-file {2}not a regular file/);
});

describe('size', () => {
  it('a 2 GiB (sparse) file is refused before it is read', async () => {
    const file = join(dir, 'huge.json');
    const handle = await open(file, 'w');
    await handle.write('{"version": 1, "meta": ');
    await handle.truncate(2 * 1024 ** 3);
    await handle.close();
    await expectDamaged('huge', undefined, /is 2147483648 bytes, more than the limit .*it was not read/);
  });

  it('the limit is an option and an environment variable; a bad value is a config error', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(file, cassetteText({ where: 'body', with: '"fine"' }));
    await expect(loadCassette(file)).resolves.toBeDefined();
    await expect(loadCassette(file, { maxBytes: 100 })).rejects.toThrow(/more than the limit \(option `maxBytes`, or REELTAPE_MAX_CASSETTE_BYTES\) \(100 bytes\)/);
    vi.stubEnv('REELTAPE_MAX_CASSETTE_BYTES', '100');
    await expect(loadCassette(file)).rejects.toBeInstanceOf(CassetteFormatError);
    vi.stubEnv('REELTAPE_MAX_CASSETTE_BYTES', 'lots');
    await expect(loadCassette(file)).rejects.toBeInstanceOf(ReeltapeConfigError);
  });

  it('a 600 MB string (longer than a JavaScript string can be) is a format error, within seconds and bounded memory', async () => {
    const file = join(dir, 'string.json');
    const [before, after] = cassetteText({ where: 'body', with: '"HOLE"' }).split('"HOLE"') as [string, string];
    const handle = await open(file, 'w');
    await handle.write(`${before}"`);
    const block = Buffer.alloc(64 * 1024 * 1024, 0x61);
    for (let i = 0; i < 600 / 64; i++) await handle.write(block);
    await handle.write(`"${after}`);
    await handle.close();
    // measured in fresh processes: peak memory of each way of loading
    for (const defer of [false, true]) {
      const started = Date.now();
      const script =
        `import { loadCassette, loadForReplay } from './src/cassette/index.ts';` +
        `const error = await (${defer} ? loadForReplay : loadCassette)(${JSON.stringify(file)}).then(() => undefined, (e) => e);` +
        `console.log(JSON.stringify({ name: error?.name, message: error?.message, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: childEnv(), encoding: 'utf8' });
      const result = JSON.parse(out.trim().split('\n').pop() as string) as { name: string; message: string; maxRssMb: number };
      expect(result.name).toBe('CassetteFormatError');
      expect(result.message).toContain(file);
      expect(Date.now() - started).toBeLessThan(20_000);
      // the whole-file path refuses before reading; the replay scan holds at most 64 MiB of one interaction
      expect(result.maxRssMb, `forReplay: ${defer}`).toBeLessThan(400);
    }
    const io = cli();
    expect(await main(['info', file], io)).toBe(1);
    expect(io.out).toContain('CORRUPT');
    await rm(file);
  }, 120_000);
});

it('a damaged cassette is left untouched', async () => {
  const text = cassetteText({ where: 'response-header', with: '"a\\nb"' });
  await writeFile(join(dir, 'keep.json'), text);
  await expectDamaged('keep', undefined, /line feed/);
  expect(await readFile(join(dir, 'keep.json'), 'utf8')).toBe(text);
});
