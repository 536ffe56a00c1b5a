/**
 * Slow tests: a recording killed mid-way (child process), a second recorder in another process,
 * and a response destroyed mid-body.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { CassetteLockedError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { childEnv, stopChild, listFiles, makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/record-child.ts', import.meta.url));

let server: TestServer;
let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  vi.stubEnv('REELTAPE_MODE', '');
  server = await startTestServer();
  dir = await makeTempDir('interrupted');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await stopChild(child);
  child = undefined;
  await server.close();
  await removeTempDirs();
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('a recording killed mid-way leaves the previous cassette byte-identical and no temp file', async () => {
  await withCassette('victim', () => fetch(`${server.url}/text`), { dir, mode: 'record' });
  const file = join(dir, 'victim.json');
  const before = await readFile(file);

  let stderr = '';
  child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, 'victim', server.url], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  await waitFor(() => server.hits.includes('GET /slow?ms=30000') || child?.exitCode !== null, 'the child to reach /slow');
  expect(stderr).toBe('');
  expect(server.hits).toContain('GET /json');

  // while the child records, a second recorder (this process) is refused
  const error = await withCassette('victim', () => fetch(`${server.url}/json`), { dir, mode: 'record' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CassetteLockedError);
  expect((error as Error).message).toContain(`process ${child.pid}`);

  child.kill('SIGKILL');
  await once(child, 'exit');

  expect((await readFile(file)).equals(before)).toBe(true);
  expect((await listFiles(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  // the killed child's lock is stale (its pid is dead): recording again works and cleans it up
  await withCassette('victim', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
  expect(await listFiles(dir)).toEqual(['victim.json']);
});

it('a response destroyed mid-body does not hang the session; what arrived is recorded and marked', async () => {
  const result = await withCassette(
    'destroyed',
    () =>
      new Promise<string>((resolve) => {
        http
          .get(`${server.url}/destroy`, (res) => {
            res.on('data', () => undefined);
            res.on('error', () => resolve('error'));
            res.on('aborted', () => resolve('aborted'));
            res.on('end', () => resolve('end'));
          })
          .on('error', () => resolve('request error'));
      }),
    { dir, mode: 'record', captureTimeout: 500 },
  );
  expect(result).not.toBe('end');
  const cassette = JSON.parse(await readFile(join(dir, 'destroyed.json'), 'utf8')) as {
    meta: { extra?: { incompleteResponses?: number[] } };
    interactions: Array<{ response: { body: { text?: string } | null } }>;
  };
  expect(cassette.meta.extra?.incompleteResponses).toEqual([0]);
  expect(cassette.interactions[0]?.response.body?.text ?? '').toMatch(/^x*$/);
});
