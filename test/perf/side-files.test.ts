/**
 * Large bodies (over `sideFileThreshold`) are streamed to content-addressed side files while
 * recording and streamed back on replay: byte-exact for several clients (gzip included),
 * deduplicated, checked on load, scanned for secrets, left untouched by an unchanged re-record,
 * and never left half-written by an interrupted recording.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cassettesEqual, loadCassette } from '../../src/cassette/index.js';
import type { Cassette } from '../../src/cassette/types.js';
import { CassetteFormatError, SecretLeakError } from '../../src/errors/index.js';
import { withCassette, type CassetteOptions } from '../../src/session/index.js';
import { CLIENTS, type Client } from '../clients/clients.js';
import { childEnv, stopChild, listFiles, makeTempDir, removeTempDirs, type Observed } from '../helpers/index.js';
import { BIG_SECRET, bigBytes, bigText, sha256, startBigBodyServer, type BigBodyServer } from './big-body-server.js';

const THRESHOLD = 64 * 1024;
const SIZE = 300_000;
const STALL_CHILD = fileURLToPath(new URL('./fixtures/stall-child.ts', import.meta.url));

let server: BigBodyServer;
let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  vi.stubEnv('REELTAPE_MODE', '');
  server = await startBigBodyServer();
  dir = await makeTempDir('perf');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await stopChild(child);
  child = undefined;
  await server.close();
  await removeTempDirs();
});

const options = (extra: CassetteOptions = {}): CassetteOptions => ({ dir, sideFileThreshold: THRESHOLD, ...extra });

async function bodiesDir(name: string): Promise<string[]> {
  return (await readdir(join(dir, `${name}.bodies`)).catch(() => [] as string[])).sort();
}

function client(name: string): Client {
  const found = CLIENTS.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no client ${name}`);
  return found;
}

describe.each(['fetch', 'http.get', 'axios'])('side-file bodies with %s', (clientName) => {
  const c = (): Client => client(clientName);

  it.each(['/bin?size=300000&seed=2', '/chunked?size=300000', '/text-gzip?size=300000'])('replays %s byte-exactly from a side file', async (path) => {
    const name = `big-${clientName}`;
    const recorded = await withCassette(name, () => c().send({ url: `${server.url}${path}` }), options({ mode: 'record' }));
    const cassette = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as { interactions: Array<{ response: { body: { file?: string; size?: number } } }> };
    const stored = cassette.interactions[0]?.response.body;
    expect(stored?.file).toMatch(/^[0-9a-f]{64}$/);
    expect(await bodiesDir(name)).toEqual([stored?.file]);

    // side files hold the decoded bytes, named by their SHA-256
    const plain = path.startsWith('/text-gzip') ? bigText(SIZE) : path.startsWith('/chunked') ? bigBytes(SIZE, 7) : bigBytes(SIZE, 2);
    expect(stored).toEqual({ file: sha256(plain), size: SIZE });
    expect(sha256(await readFile(join(dir, `${name}.bodies`, stored!.file!)))).toBe(stored?.file);

    const hits = server.hits.length;
    const replayed: Observed = await withCassette(name, () => c().send({ url: `${server.url}${path}` }), options({ mode: 'replay' }));
    expect(server.hits.length).toBe(hits);
    expect(replayed.status).toBe(200);
    expect(replayed.body.equals(recorded.body)).toBe(true);
    const decoded = c().decompresses || !path.startsWith('/text-gzip') ? replayed.body : gunzipSync(replayed.body);
    expect(decoded.equals(plain)).toBe(true);
  });
});

it('stores two identical large bodies once', async () => {
  await withCassette(
    'dedup',
    async () => {
      await (await fetch(`${server.url}/bin?size=300000&seed=5&copy=1`)).arrayBuffer();
      await (await fetch(`${server.url}/bin?size=300000&seed=5&copy=2`)).arrayBuffer();
      await (await fetch(`${server.url}/bin?size=300000&seed=6`)).arrayBuffer();
    },
    options({ mode: 'record' }),
  );
  const cassette = (await loadCassette(join(dir, 'dedup.json'))) as Cassette;
  const shas = cassette.interactions.map((i) => (i.response.body?.kind === 'file' ? i.response.body.sha256 : undefined));
  expect(shas[0]).toBe(sha256(bigBytes(SIZE, 5)));
  expect(shas[1]).toBe(shas[0]);
  expect(await bodiesDir('dedup')).toEqual([shas[0], shas[2]].sort());
});

it('records and matches a large request body by its hash', async () => {
  const upload = bigBytes(200_000, 4);
  const send = async (): Promise<unknown> => (await fetch(`${server.url}/echo-size`, { method: 'POST', body: upload as unknown as BodyInit })).json();
  expect(await withCassette('upload', send, options({ mode: 'record' }))).toEqual({ size: 200_000 });
  const cassette = (await loadCassette(join(dir, 'upload.json'))) as Cassette;
  expect(cassette.interactions[0]?.request.body).toMatchObject({ kind: 'file', sha256: sha256(upload), size: 200_000 });
  const hits = server.hits.length;
  expect(await withCassette('upload', send, options({ mode: 'replay' }))).toEqual({ size: 200_000 });
  expect(server.hits.length).toBe(hits);
  // nothing is left behind by hashing the live request body
  expect((await listFiles(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

it('a deleted side file is a CassetteFormatError naming it', async () => {
  await withCassette('missing', () => fetch(`${server.url}/bin?size=300000`).then((r) => r.arrayBuffer()), options({ mode: 'record' }));
  const [sha] = await bodiesDir('missing');
  const sideFile = join(dir, 'missing.bodies', sha!);
  await rm(sideFile);
  const error = await withCassette('missing', () => fetch(`${server.url}/bin?size=300000`), options({ mode: 'replay' })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CassetteFormatError);
  expect((error as CassetteFormatError).message).toContain(sideFile);
  expect((error as CassetteFormatError).file).toBe(sideFile);
});

it('redacts a large body as it streams: neither a token shape nor a known secret reaches a side file', async () => {
  await withCassette('redacted', () => fetch(`${server.url}/secret-big?size=300000`).then((r) => r.arrayBuffer()), options({ mode: 'record' }));
  const [sha] = await bodiesDir('redacted');
  const stored = await readFile(join(dir, 'redacted.bodies', sha!), 'latin1');
  expect(stored).not.toContain(BIG_SECRET);
  expect(stored).toContain('[REDACTED:stripe-key]');
  expect(sha256(Buffer.from(stored, 'latin1'))).toBe(sha);

  await rm(join(dir, 'redacted.json'));
  await rm(join(dir, 'redacted.bodies'), { recursive: true });
  const body = await withCassette('known', () => fetch(`${server.url}/secret-big?size=300000`).then((r) => r.text()), options({ mode: 'record', defaultSanitizer: false, sanitizers: [{ name: 'known-secret', secrets: [BIG_SECRET] }] }));
  expect(body).toContain(BIG_SECRET); // the code under test saw the real body
  const [sha2] = await bodiesDir('known');
  expect(await readFile(join(dir, 'known.bodies', sha2!), 'latin1')).not.toContain(BIG_SECRET);
});

it('refuses to write a side file holding a secret learned only after the body streamed', async () => {
  const error = await withCassette(
    'leaky',
    () => fetch(`${server.url}/secret-big?size=300000`).then((r) => r.arrayBuffer()),
    options({ mode: 'record', defaultSanitizer: false, sanitizers: [{ name: 'late', response: (_r, ctx) => ctx.addSecret(BIG_SECRET) }] }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SecretLeakError);
  expect((error as SecretLeakError).leaks).toContainEqual({ interaction: 0, path: 'response.body.file', form: 'raw' });
  expect((error as Error).message).not.toContain(BIG_SECRET);
  expect(await listFiles(dir)).toEqual([]);
});

it('an unchanged re-record leaves the cassette and its side files untouched', async () => {
  const run = (): Promise<ArrayBuffer> => fetch(`${server.url}/bin?size=300000&seed=8`).then((r) => r.arrayBuffer());
  await withCassette('stable', run, options({ mode: 'record' }));
  const file = join(dir, 'stable.json');
  const [sha] = await bodiesDir('stable');
  const before = { json: await stat(file), side: await stat(join(dir, 'stable.bodies', sha!)), text: await readFile(file) };
  await new Promise((r) => setTimeout(r, 20));
  await withCassette('stable', run, options({ mode: 'record' }));
  const after = { json: await stat(file), side: await stat(join(dir, 'stable.bodies', sha!)), text: await readFile(file) };
  expect(after.text.equals(before.text)).toBe(true);
  expect(after.json.mtimeMs).toBe(before.json.mtimeMs);
  expect(after.json.ino).toBe(before.json.ino);
  expect(after.side.mtimeMs).toBe(before.side.mtimeMs);
  expect(await listFiles(dir)).toEqual([`stable.bodies/${sha}`, 'stable.json']);
});

it('a re-record with different large bodies removes the side files no longer referenced', async () => {
  await withCassette('rerecord', () => fetch(`${server.url}/bin?size=300000&seed=10`).then((r) => r.arrayBuffer()), options({ mode: 'record' }));
  expect(await bodiesDir('rerecord')).toEqual([sha256(bigBytes(SIZE, 10))]);
  await withCassette('rerecord', () => fetch(`${server.url}/bin?size=300000&seed=11`).then((r) => r.arrayBuffer()), options({ mode: 'record' }));
  expect(await bodiesDir('rerecord')).toEqual([sha256(bigBytes(SIZE, 11))]);
});

it('cassettesEqual compares large bodies by hash, in memory or in a side file', () => {
  const bytes = bigBytes(SIZE, 12);
  const make = (body: Cassette['interactions'][number]['response']['body']): Cassette => ({
    version: 1,
    meta: { reeltape: '0', node: 'v20', recordedAt: '2024-01-01T00:00:00Z' },
    interactions: [{ request: { method: 'GET', url: 'http://a.test/', headers: {}, body: null }, response: { status: 200, statusText: 'OK', headers: {}, body } }],
  });
  const inMemory = make({ kind: 'binary', value: bytes });
  const onDisk = make({ kind: 'file', sha256: sha256(bytes), size: SIZE, path: '/elsewhere/x' });
  const other = make({ kind: 'file', sha256: sha256(bigBytes(SIZE, 13)), size: SIZE, path: '/elsewhere/y' });
  expect(cassettesEqual(inMemory, onDisk, { sideFileThreshold: THRESHOLD })).toBe(true);
  expect(cassettesEqual(inMemory, other, { sideFileThreshold: THRESHOLD })).toBe(false);
});

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('a recording killed while streaming a large body keeps the old cassette and every side file it references', async () => {
  await withCassette('victim', () => fetch(`${server.url}/bin?size=300000&seed=1`).then((r) => r.arrayBuffer()), options({ mode: 'record' }));
  const file = join(dir, 'victim.json');
  const before = await readFile(file);
  const [oldSha] = await bodiesDir('victim');

  let stderr = '';
  let stdout = '';
  child = spawn(process.execPath, ['--import', 'tsx', STALL_CHILD, dir, 'victim', server.url], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  const pid = child.pid;
  // the child has streamed part of the stalled body to a temp side file
  await waitFor(
    async () => stdout.includes('first') && server.hits.includes('GET /stall?size=600000') && (await bodiesDir('victim')).some((n) => n.startsWith(`.rec-${pid}-`)),
    'the child to stream /stall to disk',
  );
  expect(stderr).toBe('');
  child.kill('SIGKILL');
  await once(child, 'exit');

  // the old cassette is intact and loads: every side file it references is there
  expect((await readFile(file)).equals(before)).toBe(true);
  const old = (await loadCassette(file)) as Cassette;
  expect(old.interactions[0]?.response.body).toMatchObject({ kind: 'file', sha256: oldSha });

  // the next save sweeps the dead recorder's temp files and the unreferenced side files
  await withCassette('victim', () => fetch(`${server.url}/bin?size=300000&seed=3`).then((r) => r.arrayBuffer()), options({ mode: 'record' }));
  const sha = sha256(bigBytes(SIZE, 3));
  expect(await listFiles(dir)).toEqual([`victim.bodies/${sha}`, 'victim.json']);
});
