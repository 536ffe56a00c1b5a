import http from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installInterception, isIntercepting } from '../../src/interception/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir } from '../helpers/index.js';

// Interception stays installed for the life of the process; a request made outside any cassette
// goes to Node's own functions, untouched: a keep-alive agent reuses its socket (through the
// interceptor, each request would open a new one).

let server: http.Server;
let base: string;
const connections: unknown[] = [];
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('ok'));
  server.on('connection', (socket) => connections.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (agent: http.Agent, path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });

it('outside any cassette, http.get keeps its keep-alive socket and fetch reaches the server as without reeltape', async () => {
  installInterception();
  const dir = await makeTempDir('outside-cassette');
  await withCassette('one', () => fetch(`${base}/inside`).then((r) => r.text()), { dir, mode: 'record' });
  expect(isIntercepting()).toBe(true);
  const agent = new http.Agent({ keepAlive: true });
  try {
    const before = connections.length;
    expect(await get(agent, '/a')).toBe('ok');
    expect(await get(agent, '/b')).toBe('ok');
    expect(await get(agent, '/c')).toBe('ok');
    expect(connections.length - before).toBe(1);
    expect(await (await fetch(`${base}/d`)).text()).toBe('ok');
  } finally {
    agent.destroy();
  }
});

it('data: URLs are never intercepted: not recorded, and a replay without them does not fail', async () => {
  const dir = await makeTempDir('data-urls');
  const dataUrl = 'data:text/plain;base64,aGVsbG8=';
  const recorded = await withCassette('data', () => fetch(dataUrl).then((r) => r.text()), { dir, mode: 'record', strict: false });
  expect(recorded).toBe('hello');
  const { readFile } = await import('node:fs/promises');
  const cassette = JSON.parse(await readFile(`${dir}/data.json`, 'utf8')) as { interactions: unknown[] };
  expect(cassette.interactions).toEqual([]);
  const replayed = await withCassette('data', () => fetch(dataUrl).then((r) => r.text()), { dir, mode: 'replay' });
  expect(replayed).toBe('hello');
});
