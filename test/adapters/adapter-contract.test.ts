import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { copyFixture, ensureBuilt, runJest, runVitest, startServer, type RunResult } from './fixture-project.js';

/**
 * The adapter contract: one spec of what a per-test cassette does (test/fixtures/adapter-contract/contract.cjs),
 * run by real Vitest and real Jest (ESM and CommonJS test files) in child processes — one recording run with
 * the API up, one replay run with it stopped — and checked against the one table below.
 */

/** Every test of the spec: its titles, its cassette (relative to `<dir>/contract.test/`) and what it recorded. */
const CASSETTES: ReadonlyArray<{ test: string; cassette: string; recorded: string[] }> = [
  { test: 'naming > a cassette per test', cassette: 'naming/a cassette per test', recorded: ['GET /users?n=1'] },
  { test: 'naming > nested > deep title', cassette: 'naming/nested/deep title', recorded: ['GET /users?n=2'] },
  // characters that are not file-safe become `-`, plus a hash of the original title
  { test: 'naming > GET /users/:id?', cassette: 'naming/GET -users-id--9f69f6', recorded: ['GET /users?n=3'] },
  // the same title twice: the second gets ` (2)`, never the first one's cassette
  { test: 'naming > same title', cassette: 'naming/same title', recorded: ['GET /items?page=1'] },
  { test: 'naming > same title', cassette: 'naming/same title (2)', recorded: ['GET /items?page=2'] },
  { test: 'concurrent > concurrent a', cassette: 'concurrent/concurrent a', recorded: ['GET /slow?id=a&ms=150'] },
  { test: 'concurrent > concurrent b', cassette: 'concurrent/concurrent b', recorded: ['GET /slow?id=b&ms=10'] },
  { test: 'options > outer block over global', cassette: 'options/outer block over global', recorded: ['POST /users?ts=*'] },
  { test: 'options > inner > inner block over outer', cassette: 'options/inner/inner block over outer', recorded: ['POST /users?ts=*&nonce=*'] },
  { test: 'unused interactions > polls twice', cassette: 'unused interactions/polls twice', recorded: ['GET /users?poll=1', 'GET /users?poll=1'] },
];
const CLASH = { test: 'shares one cassette', cassette: 'clash.test/shares one cassette', recorded: ['GET /hold'] };
/** Cassettes written: one per contract test, one for the two clashing tests. */
const WRITTEN = CASSETTES.length + 1;

const FRAMEWORKS: ReadonlyArray<{
  name: string;
  folder: string;
  jest?: 29;
  run: (dir: string, env: Record<string, string>) => Promise<RunResult>;
}> = [
  { name: 'Vitest', folder: 'vitest', run: (dir, env) => runVitest(dir, [], env) },
  { name: 'Jest 30, ESM', folder: 'jest-esm', run: (dir, env) => runJest(dir, ['-c', 'jest-esm.config.cjs', '--json', '--outputFile=results.json'], env, true) },
  { name: 'Jest 30, CommonJS', folder: 'jest-cjs', run: (dir, env) => runJest(dir, ['-c', 'jest-cjs.config.cjs', '--json', '--outputFile=results.json'], env) },
  // Jest 29 (the `jest29` alias, linked into the copy as `jest`): no global event hook reaches a setup file
  { name: 'Jest 29, CommonJS', folder: 'jest-cjs', jest: 29, run: (dir, env) => runJest(dir, ['-c', 'jest-cjs.config.cjs', '--json', '--outputFile=results.json'], env) },
];

/** One test's outcome from the Jest-format JSON report (Vitest's `json` reporter writes the same shape). */
interface Outcome {
  file: string;
  test: string;
  status: string;
  failure: string;
}

async function outcomes(dir: string): Promise<Outcome[]> {
  const report = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as {
    testResults: Array<{ name: string; assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }> }>;
  };
  return report.testResults.flatMap((file) =>
    file.assertionResults.map((t) => ({
      file: path.basename(file.name),
      test: [...t.ancestorTitles, t.title].join(' > '),
      status: t.status,
      failure: t.failureMessages.join('\n'),
    })),
  );
}

/** A recorded request as `METHOD /path?query`, with the values that change per run (`ts`, `nonce`) as `*`. */
async function recordedIn(dir: string, name: string): Promise<string[]> {
  const cassette = JSON.parse(await readFile(path.join(dir, 'cassettes', `${name}.json`), 'utf8')) as {
    interactions: Array<{ request: { method: string; url: string } }>;
  };
  return cassette.interactions.map(({ request }) => {
    const url = new URL(request.url);
    for (const key of ['ts', 'nonce']) if (url.searchParams.has(key)) url.searchParams.set(key, '*');
    return `${request.method} ${url.pathname}${url.search.replaceAll('%2A', '*')}`;
  });
}

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe.each(FRAMEWORKS)('the adapter contract under $name', ({ folder, jest, run }) => {
  test('record with the API up, then replay with it stopped', async () => {
    ensureBuilt();
    const dir = await copyFixture('adapter-contract', jest ? { jest } : {});
    dirs.push(dir);
    const server = await startServer();
    let record: RunResult;
    try {
      record = await run(dir, { API_URL: server.url, REELTAPE_MODE: 'record', CONTRACT_PHASE: 'record' });
    } finally {
      await server.close();
    }
    const hits = server.hits.length;

    // recording: every contract test passes; of the two tests on one cassette, exactly one records
    const recorded = await outcomes(dir);
    for (const c of CASSETTES) expect(recorded.filter((o) => o.test === c.test).map((o) => o.status), c.test).toContain('passed');
    expect(recorded.filter((o) => o.file.startsWith('contract.test') && o.status !== 'passed'), record.output).toEqual([]);
    const clash = recorded.filter((o) => o.test === CLASH.test);
    expect(clash.map((o) => o.status).sort()).toEqual(['failed', 'passed']);
    const loser = clash.find((o) => o.status === 'failed')!;
    expect(loser.failure).toContain('CassetteLockedError');
    expect(loser.failure).toContain(`${folder}/${CLASH.cassette}.json`);
    expect(record.output).toContain(`reeltape: ${WRITTEN} recorded, 0 replayed, 0 unused`);
    for (const c of [...CASSETTES, CLASH]) {
      const name = c === CLASH ? `${folder}/${c.cassette}` : `${folder}/contract.test/${c.cassette}`;
      expect(await recordedIn(dir, name), name).toEqual(c.recorded);
    }

    expect(record.code).toBe(1); // the clash's loser
    await rm(path.join(dir, 'results.json'));

    // replay with the API stopped: everything passes from the cassettes, nothing reaches the server
    const replay = await run(dir, { API_URL: server.url, CONTRACT_PHASE: 'replay' });
    const replayed = await outcomes(dir);
    expect(replayed.filter((o) => o.status !== 'passed'), replay.output).toEqual([]);
    expect(replayed).toHaveLength(CASSETTES.length + 2);
    expect(replay.code).toBe(0);
    expect(server.hits.length).toBe(hits);
    expect(replay.output).toContain(`reeltape: 0 recorded, ${WRITTEN} replayed, 0 unused`);
    // the unused-interactions report names the cassette and the interaction nobody requested
    expect(replay.output).toContain(`warning   cassettes/${folder}/contract.test/unused interactions/polls twice.json: 1 recorded interaction(s) never requested (#1)`);
  });
});
