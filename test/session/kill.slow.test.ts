/**
 * kill -9 at random moments while a cassette of 200 requests is recorded or re-recorded: the cassette
 * is always the previous bytes (none on a first recording) or a complete new file (never torn, never
 * missing a side file), and
 * the next run cleans what the killed one left (temp files, its lock, unreferenced side files).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadCassette } from '../../src/cassette/index.js';
import { withCassette } from '../../src/session/index.js';
import { childEnv, listFiles, makeTempDir, removeTempDirs } from '../helpers/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/record-many.ts', import.meta.url));
const REQUESTS = 200;

/** Answers `/n?i=<i>` with a body naming the generation and `i`; every 50th is large (a side file). */
let generation = 0;
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const i = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i'));
    const text = `generation ${generation} item ${i}`;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(i % 50 === 0 ? text.padEnd(4096, '.') : text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await removeTempDirs();
});

/** Runs the child; kills it `killAfter` ms after its code under test started (never, if undefined). */
async function runChild(dir: string, killAfter: number | undefined): Promise<{ saved: boolean; ms: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, url], { env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let started = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (!started && out.includes('fn-start')) {
      started = Date.now();
      if (killAfter !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfter);
    }
  });
  await once(child, 'exit');
  return { saved: out.includes('saved'), ms: Date.now() - started };
}

/** The cassette's generation (0: no cassette): every response says the same one, all 200 are there, side files check out. */
async function generationOf(dir: string): Promise<number> {
  const cassette = await loadCassette(join(dir, 'k.json'));
  if (cassette === undefined) return 0;
  expect(cassette?.interactions).toHaveLength(REQUESTS);
  const generations = new Set<number>();
  for (const [i, { response }] of (cassette?.interactions ?? []).entries()) {
    const body = response.body;
    const text = body?.kind === 'text' ? body.value : body?.kind === 'file' ? (await readFile(body.path, 'utf8')).replace(/\.+$/, '') : '';
    const match = /^generation (\d+) item (\d+)$/.exec(text);
    expect(Number(match?.[2]), text).toBe(i);
    generations.add(Number(match?.[1]));
  }
  expect(generations.size).toBe(1);
  return [...generations][0] as number;
}

/** The next run (this process) records over what a killed one left, and cleans it. */
async function recordHere(dir: string): Promise<void> {
  await withCassette(
    'k',
    async () => {
      for (let i = 0; i < REQUESTS; i++) await (await fetch(`${url}/n?i=${i}`)).text();
    },
    { dir, mode: 'record', sideFileThreshold: 1024 },
  );
  expect(await generationOf(dir)).toBe(generation);
  const files = await listFiles(dir);
  expect(files.filter((f) => !f.startsWith('k.bodies/'))).toEqual(['k.json']);
  expect(files.filter((f) => f.startsWith('k.bodies/'))).toHaveLength(4); // the 4 large bodies of this generation
}

it('the cassette is always the old bytes (or none, on a first recording) or a complete new file; the next run cleans up', async () => {
  const dir = await makeTempDir('kill');
  generation = 1;
  const full = await runChild(dir, undefined);
  expect(full.saved).toBe(true);
  const window = Math.max(200, full.ms * 1.3); // kill moments spread over the code under test and the save
  let outcomes = { old: 0, new: 0, none: 0, leftTemp: 0, leftLock: 0 };
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: Math.round(window) }), fc.boolean(), async (killAfter, firstRecording) => {
      if (firstRecording) {
        await rm(join(dir, 'k.json'));
        await rm(join(dir, 'k.bodies'), { recursive: true });
      }
      const before = firstRecording ? undefined : await readFile(join(dir, 'k.json'));
      const oldGeneration = firstRecording ? 0 : await generationOf(dir);
      generation += 1;
      await runChild(dir, killAfter);
      const left = await listFiles(dir);
      if (left.some((f) => f.endsWith('.tmp'))) outcomes = { ...outcomes, leftTemp: outcomes.leftTemp + 1 };
      if (left.includes('k.json.lock')) outcomes = { ...outcomes, leftLock: outcomes.leftLock + 1 };
      if ((await generationOf(dir)) === 0) {
        expect(firstRecording).toBe(true);
        outcomes = { ...outcomes, none: outcomes.none + 1 };
        generation += 1;
        await recordHere(dir);
        return;
      }
      const after = await readFile(join(dir, 'k.json'));
      const now = await generationOf(dir);
      if (now === oldGeneration) {
        expect(before && after.equals(before)).toBe(true);
        outcomes = { ...outcomes, old: outcomes.old + 1 };
      } else {
        expect(now).toBe(generation);
        outcomes = { ...outcomes, new: outcomes.new + 1 };
      }
      generation += 1;
      await recordHere(dir);
    }),
    { numRuns: 20 },
  );
  // kills landed before the save (old bytes or none) as well as after it
  expect(outcomes.old + outcomes.none).toBeGreaterThan(0);
  expect(outcomes.leftLock).toBeGreaterThan(0); // and the next run took over the dead recorder's lock
  console.log(`kill -9 outcomes: ${JSON.stringify(outcomes)}`);
}, 300_000);
