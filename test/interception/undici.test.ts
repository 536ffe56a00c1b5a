import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockAgent, Agent, request } from 'undici';
import { withCassette } from '../../src/session/index.js';
import { childEnv, closeServer, listenAt, makeTempDir } from '../helpers/index.js';

// npm undici 7 (request, stream, fetch, Client, Pool, a user-passed Agent) and Node's global fetch
// (plain and with an npm undici Agent as dispatcher) in one cassette: recorded once each, replayed in a
// fresh process with the server stopped (a counting server on its port sees nothing).

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/undici');
const FAKE_TOKEN = ['undici', 'fake', 'token', '0123456789abcdef'].join('-');
const VIAS = ['request', 'stream', 'fetch', 'client', 'pool', 'agent', 'global', 'global-agent', 'status'];

function echoServer(): { server: http.Server; hits: string[] } {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  return { server, hits };
}


async function runApp(entry: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [join(fixture, entry)], { env: childEnv(env), cwd: fixture });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const VARIANTS = [
  { entry: 'app.mjs', module: 'undici', title: 'npm undici 7 imported with reeltape' },
  { entry: 'registered.mjs', module: 'undici', title: 'npm undici 7 after reeltape/register (Node’s own agent is the global dispatcher)' },
  { entry: 'registered.mjs', module: 'undici6', title: 'npm undici 6 after reeltape/register, its Agent set as the global dispatcher' },
];

for (const { entry, module, title } of VARIANTS) {
  const vias = module === 'undici6' ? VIAS.filter((via) => via !== 'global-agent') : VIAS;
  describe(title, () => {
    let dir: string;
    let port: number;
    let recorded: Record<string, unknown>;
    const live = echoServer();
    beforeAll(async () => {
      dir = await makeTempDir('undici');
      port = await listenAt(live.server);
    });
    afterAll(() => closeServer(live.server).catch(() => undefined));
    const env = (mode: string, extra: Record<string, string> = {}) => ({ API_BASE: `http://127.0.0.1:${port}`, CASSETTE_DIR: dir, REELTAPE_MODE: mode, FAKE_TOKEN, UNDICI_MODULE: module, ...extra });

    it('records request, stream, fetch, Client, Pool, a passed Agent and global fetch once each', async () => {
      recorded = await runApp(entry, env('record'));
      expect(recorded['pool']).toEqual({ method: 'POST', url: '/json?via=pool', body: '{"n":1}' });
      expect(recorded['client']).toMatchObject({ url: '/json?via=client' });
      expect(recorded['status']).toBe(200);
      expect(live.hits).toEqual(vias.map((via) => `${via === 'pool' ? 'POST' : 'GET'} /json?via=${via}`));
      const cassette = JSON.parse(await readFile(join(dir, 'undici.json'), 'utf8')) as { interactions: Array<{ request: { method: string; url: string; body: unknown } }> };
      // exactly once each: global fetch through an npm Agent is not recorded a second time by the dispatcher
      expect(cassette.interactions.map((i) => new URL(i.request.url).searchParams.get('via'))).toEqual(vias);
      // sanitized as fetch is: the bearer token never reached disk
      expect(JSON.stringify(cassette)).not.toContain(FAKE_TOKEN);
      expect(cassette.interactions[4]!.request).toMatchObject({ method: 'POST', body: { json: { n: 1 } } });
    });

    it('replays in a fresh process with the server stopped: 0 hits, same results', async () => {
      await closeServer(live.server);
      const counting = echoServer();
      await listenAt(counting.server, port);
      try {
        const replayed = await runApp(entry, env('replay'));
        expect(replayed).toEqual(recorded);
        expect(counting.hits).toEqual([]);
      } finally {
        await closeServer(counting.server);
      }
    });

    it('an unrecorded undici request fails in replay and the cassette throws CassetteMismatchError', async () => {
      const counting = echoServer();
      await listenAt(counting.server, port);
      try {
        const replayed = await runApp(entry, env('replay', { EXTRA: '1' }));
        expect(replayed['error']).toBe('CassetteMismatchError');
        expect(String(replayed['message'])).toContain('/json?via=not-recorded');
        expect(counting.hits).toEqual([]);
      } finally {
        await closeServer(counting.server);
      }
    });
  });
}

describe('interceptUndici', () => {
  it('refuses something that is not an undici module, naming what it expected', async () => {
    const { interceptUndici, ReeltapeConfigError } = await import('../../src/index.js');
    expect(() => interceptUndici({ Client: { prototype: {} } })).toThrow(ReeltapeConfigError);
    expect(() => interceptUndici({ Client: { prototype: {} } })).toThrow(/Client class/);
  });
});

describe('beside a MockAgent (in this process)', () => {
  it('what the MockAgent answers is never recorded; a request on another Agent in the same cassette is', async () => {
    const dir = await makeTempDir('undici-mock');
    const live = echoServer();
    const port = await listenAt(live.server);
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock.get('http://api.test').intercept({ path: '/mocked' }).reply(200, { from: 'mock' });
    const agent = new Agent();
    try {
      const result = await withCassette(
        'beside-mock',
        async () => ({
          mocked: await (await request('http://api.test/mocked', { dispatcher: mock })).body.json(),
          live: await (await request(`http://127.0.0.1:${port}/json?via=live`, { dispatcher: agent })).body.json(),
        }),
        { dir, mode: 'record' },
      );
      expect(result).toEqual({ mocked: { from: 'mock' }, live: { method: 'GET', url: '/json?via=live', body: '' } });
      const cassette = JSON.parse(await readFile(join(dir, 'beside-mock.json'), 'utf8')) as { interactions: Array<{ request: { url: string } }> };
      expect(cassette.interactions.map((i) => i.request.url)).toEqual([`http://127.0.0.1:${port}/json?via=live`]);
    } finally {
      await Promise.all([mock.close(), agent.close()]);
      await closeServer(live.server);
    }
  });
});
