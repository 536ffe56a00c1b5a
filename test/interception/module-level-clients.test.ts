import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, closeServer, listenAt, makeTempDir } from '../helpers/index.js';

// Clients built at module scope (the real OpenAI SDK keeps the fetch it finds when constructed; an
// AWS-like handler keeps http.request on first use): with reeltape/register imported first they are
// recorded in cassette a and b of one process, and replay in a fresh process with the API gone.

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/module-level');
const FAKE_KEY = ['sk', 'test', 'module', 'level', 'key'].join('-');

/** A fake OpenAI-style API on 127.0.0.1 that counts what reaches it. */
function fakeApi(): { server: http.Server; hits: string[] } {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/models') return res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-test', object: 'model' }] }));
      if (req.url === '/v1/chat/completions') {
        const { messages } = JSON.parse(body) as { messages: Array<{ content: string }> };
        const content = `echo: ${messages[0]!.content}`;
        return res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-test', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] }));
      }
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  return { server, hits };
}


/** Runs the fixture program: `entry` is its file, or node's arguments ending with it (`--import …`). */
async function runApp(entry: string | string[], env: Record<string, string>): Promise<{ results: Record<string, unknown>; stderr: string }> {
  const args = typeof entry === 'string' ? [entry] : entry;
  const { stdout, stderr } = await run(process.execPath, [...args.slice(0, -1), join(fixture, args.at(-1)!)], { env: childEnv(env), cwd: fixture });
  return { results: JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>, stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('module-level');
});

// reeltape/register imported by the program, preloaded with --import, and with -r (the CommonJS
// build installs, the ESM app's cassettes are the ESM build's: two copies in one process)
describe.each([
  ['imported first', 'registered.mjs'],
  ['preloaded: node --import reeltape/register', ['--import', 'reeltape/register', 'app.mjs']],
  ['preloaded: node -r reeltape/register (CommonJS build, ESM app)', ['-r', 'reeltape/register', 'app.mjs']],
])('with reeltape/register %s', (_how, entry) => {
  let port: number;
  let cassettes: string; // one folder per way of loading reeltape/register
  beforeAll(async () => {
    cassettes = await makeTempDir('module-level-registered');
  });
  let recorded: Record<string, unknown>;
  const live = fakeApi();
  afterAll(() => closeServer(live.server).catch(() => undefined));

  it('records the module-level clients in cassette a and in cassette b of one process', async () => {
    port = await listenAt(live.server);
    const env = { API_BASE: `http://127.0.0.1:${port}`, CASSETTE_DIR: cassettes, FAKE_KEY, REELTAPE_MODE: 'record' };
    ({ results: recorded } = await runApp(entry, env));
    expect(recorded['a']).toMatchObject({ models: ['gpt-test'], chat: 'echo: hi a', sdkLike: { path: '/json?c=a' }, awsLike: { path: '/json?aws=a' } });
    expect(recorded['b']).toMatchObject({ chat: 'echo: hi b', awsLike: { path: '/json?aws=b' } });
    for (const name of ['a', 'b']) {
      const cassette = JSON.parse(await readFile(join(cassettes, 'module-level', `${name}.json`), 'utf8')) as { interactions: Array<{ request: { url: string } }> };
      expect(cassette.interactions.map((i) => new URL(i.request.url).pathname)).toEqual(['/v1/models', '/v1/chat/completions', '/json', '/json']);
      // the API key never reached disk
      expect(JSON.stringify(cassette)).not.toContain(FAKE_KEY);
    }
  });

  it('replays both in a fresh process with the API stopped: a counting server on its port sees nothing', async () => {
    await closeServer(live.server);
    const counting = fakeApi();
    await listenAt(counting.server, port);
    try {
      const { results } = await runApp(entry, { API_BASE: `http://127.0.0.1:${port}`, CASSETTE_DIR: cassettes, FAKE_KEY: `${FAKE_KEY}-other`, REELTAPE_MODE: 'replay' });
      expect(results).toEqual(recorded);
      expect(counting.hits).toEqual([]);
    } finally {
      await closeServer(counting.server);
    }
  });
});

describe('without an early install', () => {
  const live = fakeApi();
  let base: string;
  beforeAll(async () => {
    base = `http://127.0.0.1:${await listenAt(live.server)}`;
  });
  afterAll(() => closeServer(live.server));

  it('a recording that captured nothing (clients kept fetch before the cassette installed interception) warns with the cause and the fix', async () => {
    const { results, stderr } = await runApp('app.mjs', { API_BASE: base, CASSETTE_DIR: join(dir, 'lazy'), FAKE_KEY, CALLS: 'kept', REELTAPE_MODE: 'record' });
    expect(results['a']).toMatchObject({ chat: 'echo: hi a' }); // the code under test still worked, live
    expect(stderr).toContain('cassette "module-level/a"');
    expect(stderr).toContain('recorded no request');
    expect(stderr).toContain("import 'reeltape/register'");
    expect(stderr).toContain('globalThis.fetch(...args)');
  });

  it('with strict: true it is an EmptyRecordingError and nothing is written', async () => {
    const lazyDir = join(dir, 'lazy-strict');
    const { results } = await runApp('app.mjs', { API_BASE: base, CASSETTE_DIR: lazyDir, FAKE_KEY, CALLS: 'kept', STRICT: '1', REELTAPE_MODE: 'record' });
    expect(results['a']).toEqual({ error: 'EmptyRecordingError', file: join(lazyDir, 'module-level', 'a.json') });
    await expect(readFile(join(lazyDir, 'module-level', 'a.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
