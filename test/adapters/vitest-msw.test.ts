import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { copyFixture, ensureBuilt, readCassette, runVitest, startServer, type FixtureServer } from './fixture-project.js';

/**
 * A user's own msw server beside reeltape, in real Vitest projects run in child processes:
 * msw 2 and msw 3 (Node 22.12+), msw started first or a cassette first (and reeltape first through
 * the plugin, with a module-level client), fetch and http.get. Records with the API up, replays in
 * a fresh process with it stopped: what msw answered is in no cassette, and replay reaches nothing.
 */
const nodeMajor = Number(process.versions.node.split('.')[0]);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const setups: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'msw first', env: { ORDER: 'server-first' } },
  { name: 'cassette first', env: { ORDER: 'cassette-first' } },
  { name: 'reeltape plugin first, with a module-level client', env: { ORDER: 'server-first', WITH_PLUGIN: '1' } },
  { name: "msw first, unhandled requests an error outside cassettes (outsideCassettes('error'))", env: { ORDER: 'server-first', UNHANDLED: 'error' } },
];

describe.each([2, 3])('msw %i', (major) => {
  if (major === 3 && nodeMajor < 22) {
    test.skip('msw 3 needs Node 22.12+ (runs in the Node 22 and 24 legs of .ci/run)', () => undefined);
    return;
  }
  test.each(setups)('$name: msw answers its routes (never recorded), the rest records and replays with the API stopped', async ({ env }) => {
    ensureBuilt();
    const dir = await copyFixture('vitest-msw');
    dirs.push(dir);
    const server: FixtureServer = await startServer();
    const common = { ...env, MSW_MAJOR: String(major), API_URL: server.url };
    const record = await runVitest(dir, [], { ...common, REELTAPE_MODE: 'record' });
    expect(record.output).toContain('1 passed');
    expect(record.code).toBe(0);
    const cassette = await readCassette(dir, 'coexist');
    const recorded = cassette.interactions.map((i) => new URL(i.request.url).pathname + new URL(i.request.url).search);
    expect(recorded).toEqual(['/users', '/items?page=2', ...(env['WITH_PLUGIN'] ? ['/items?page=3'] : [])]);
    await server.close();
    const hits = server.hits.length;
    const replay = await runVitest(dir, [], { ...common, REELTAPE_MODE: 'replay' });
    expect(replay.output).toContain('1 passed');
    expect(replay.code).toBe(0);
    expect(server.hits.length).toBe(hits);
  });
});
