import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFixture, ensureBuilt, readCassette, runJest, startServer } from './fixture-project.js';

/**
 * Real Jest projects using `reeltape/jest` (setupFilesAfterEnv + reporter), run in child processes:
 * ESM test files under `--experimental-vm-modules`, and CommonJS test files through ts-jest. What a
 * per-test cassette does is the adapter contract's (adapter-contract.test.ts); these cover the rest:
 * tests declared through the globals, a module-level client, `done` callbacks, ts-jest with node:http,
 * a mismatch under `-t`.
 */
describe.each([
  { fixture: 'jest-esm', esm: true, tests: 4, jest: 30 as const },
  { fixture: 'jest-cjs', esm: false, tests: 2, jest: 30 as const },
  { fixture: 'jest-esm', esm: true, tests: 4, jest: 29 as const },
  { fixture: 'jest-cjs', esm: false, tests: 2, jest: 29 as const },
])('reeltape/jest: $fixture under Jest $jest', ({ fixture, esm, tests, jest }) => {
  let dir: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = await copyFixture(fixture, { jest });
    const version = await runJest(dir, ['--version'], {}, esm);
    expect(version.output.trim()).toMatch(new RegExp(`^${jest}\\.`));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('records, then replays with the server stopped', async () => {
    const server = await startServer();
    const recorded = await runJest(dir, [], { API_URL: server.url, REELTAPE_MODE: 'record' }, esm);
    await server.close();
    expect(recorded.output).toContain(`Tests:       ${tests} passed, ${tests} total`);
    expect(recorded.code).toBe(0);
    expect(recorded.output).toContain(`reeltape: ${tests} recorded, 0 replayed`);
    expect((await readCassette(dir, 'tests/users.test/fetches items')).interactions.map((i) => new URL(i.request.url).search)).toEqual(['?page=1']);

    const replayed = await runJest(dir, [], { API_URL: server.url }, esm);
    expect(replayed.output).toContain(`Tests:       ${tests} passed, ${tests} total`);
    expect(replayed.code).toBe(0);
    expect(replayed.output).toMatch(new RegExp(`reeltape: 0 recorded, ${tests} replayed, 0 unused`));
  });

  test('a test whose request changed fails with CassetteMismatchError naming its cassette', async () => {
    const run = await runJest(dir, ['-t', 'fetches items'], { API_URL: 'http://127.0.0.1:9', FIXTURE_PAGE: '2' }, esm);
    expect(run.code).toBe(1);
    expect(run.output).toContain('CassetteMismatchError');
    expect(run.output).toContain('users.test/fetches items');
    expect(run.output).toMatch(/unused cassettes not listed: a test name filter/);
  });
});
