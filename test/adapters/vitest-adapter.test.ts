import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pruneCommand } from '../../src/cli/commands/prune.js';
import { copyFixture, ensureBuilt, readCassette, runVitest, startServer, type FixtureServer } from './fixture-project.js';

/**
 * A real Vitest project (test/fixtures/vitest-project) using `reeltape/vitest`, run in child
 * processes: record (forks pool) and replay (threads and vm pools), prune, the failure modes, filters and
 * --shard. What a per-test cassette does is the adapter contract's (adapter-contract.test.ts).
 */
describe('reeltape/vitest in a real Vitest project', () => {
  let dir: string;
  let server: FixtureServer;
  let url: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dir = await copyFixture('vitest-project');
    dirs.push(dir);
    server = await startServer();
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('records on the first run (forks pool) and reports what it recorded', async () => {
    const run = await runVitest(dir, [], { API_URL: url, REELTAPE_MODE: 'record', FIXTURE_POOL: 'forks' });
    expect(run.output).toContain('Tests  3 passed');
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/reeltape: 3 recorded, 0 replayed/);
    expect(run.output).toContain('recorded  cassettes/tests/users.test/lists users.json (1 interaction)');
    expect(server.hits).toContain('GET /users');
    expect((await readCassette(dir, 'tests/changing.test/polling/polls twice')).interactions).toHaveLength(2);
  });

  test('replays with the server stopped (threads pool), lists an unused cassette, and prune deletes it', async () => {
    await server.close();
    const stray = path.join(dir, 'cassettes/tests/gone.test/old test.json');
    mkdirSync(path.dirname(stray), { recursive: true });
    writeFileSync(stray, '{}\n');
    const run = await runVitest(dir, [], { API_URL: url, FIXTURE_POOL: 'threads' });
    expect(run.output).toContain('Tests  3 passed');
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/reeltape: 0 recorded, 3 replayed, 1 unused/);
    expect(run.output).toContain('unused    cassettes/tests/gone.test/old test.json');
    const record = JSON.parse(await readFile(path.join(dir, 'node_modules/.cache/reeltape/last-run.json'), 'utf8')) as { unused: string[] };
    expect(record.unused).toEqual(['tests/gone.test/old test.json']);
    let out = '';
    const code = await pruneCommand.run(['--yes'], { cwd: dir, env: {}, stdout: (t) => void (out += t), stderr: (t) => void (out += t) });
    expect(code).toBe(0);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(path.join(dir, 'cassettes/tests/users.test/lists users.json'))).toBe(true);
  });

  test.each(['vmThreads', 'vmForks'])('replays with the server stopped under the %s pool (tests in a vm context)', async (pool) => {
    const run = await runVitest(dir, [], { API_URL: url, FIXTURE_POOL: pool });
    expect(run.output).toContain('Tests  3 passed');
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/reeltape: 0 recorded, 3 replayed, 0 unused/);
  });

  test('a test whose request changed fails with CassetteMismatchError naming its cassette', async () => {
    const run = await runVitest(dir, ['tests/changing.test.ts'], { API_URL: url, FIXTURE_PAGE: '2' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('CassetteMismatchError');
    expect(run.output).toContain('changing.test/fetches items');
    expect(run.output).toMatch(/page=2/);
    // a file filter was used: no "unused" verdict
    expect(run.output).toMatch(/unused cassettes not listed: a file filter was used/);
  });

  test('unused recorded interactions warn by default and fail with strict: true', async () => {
    const warn = await runVitest(dir, ['tests/changing.test.ts', '-t', 'polls'], { API_URL: url, FIXTURE_ONCE: '1' });
    expect(warn.code).toBe(0);
    expect(warn.output).toMatch(/polls twice\.json: 1 recorded interaction\(s\) never requested \(#1\)/);
    const strict = await runVitest(dir, ['tests/changing.test.ts', '-t', 'polls'], { API_URL: url, FIXTURE_ONCE: '1', FIXTURE_STRICT: '1' });
    expect(strict.code).toBe(1);
    expect(strict.output).toMatch(/polls twice/);
    expect(strict.output).toMatch(/unused|never requested|not used/i);
  });

  test('--shard runs replay and skip the unused-cassette verdict', async () => {
    const run = await runVitest(dir, ['--shard', '1/2'], { API_URL: url });
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/unused cassettes not listed: --shard 1\/2 was used/);
  });
});
