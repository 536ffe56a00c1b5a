import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { copyFixture, ensureBuilt, runJest } from './fixture-project.js';

/** `reeltape` required directly from a CommonJS (ts-jest) test file, inside Jest's module sandbox, without the adapter. */
let dir: string;
beforeAll(async () => {
  ensureBuilt();
  dir = await copyFixture('jest-direct');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('withCassette and the error classes work from a sandboxed CommonJS test file', async () => {
  const run = await runJest(dir, [], {});
  expect(run.output).toContain('Tests:       2 passed, 2 total');
  expect(run.code).toBe(0);
  const cassette = JSON.parse(await readFile(path.join(dir, 'cassettes', 'direct.json'), 'utf8')) as { interactions: unknown[] };
  expect(cassette.interactions).toHaveLength(2);
});
