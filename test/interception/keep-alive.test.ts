import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as undiciRequest, Agent as UndiciAgent } from 'undici';
import { withCassette } from '../../src/session/index.js';
import { listenOnLoopback, makeTempDir } from '../helpers/index.js';

// Connections a server sees for 10 sequential keep-alive requests, without reeltape and while a
// cassette records: the same. fetch and node:http requests recorded by a cassette that never replays
// are sent with Node's own functions (not through the interceptors, whose node:http passthrough opens
// a socket per request), npm undici requests are handed to the dispatcher they were made on.

let server: http.Server;
let base: string;
let connections = 0;
let close: () => Promise<void>;
let dir: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(req.headers.connection ?? ''));
  });
  server.on('connection', () => connections++);
  const listening = await listenOnLoopback(server);
  base = `http://127.0.0.1:${listening.port}`;
  close = listening.close;
  dir = await makeTempDir('keep-alive');
});
afterAll(() => close());

type Kind = 'node:http' | 'fetch' | 'undici';

async function tenRequests(kind: Kind): Promise<{ connections: number; connectionHeaders: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const dispatcher = new UndiciAgent({ connections: 1 });
  const seen: string[] = [];
  const before = connections;
  try {
    for (let i = 0; i < 10; i++) {
      if (kind === 'fetch') seen.push(await (await fetch(`${base}/${i}`, { dispatcher } as RequestInit)).text());
      if (kind === 'undici') seen.push(await (await undiciRequest(`${base}/${i}`, { dispatcher })).body.text());
      if (kind === 'node:http') {
        seen.push(
          await new Promise<string>((resolve, reject) => {
            http
              .get(`${base}/${i}`, { agent }, (res) => {
                let text = '';
                res.on('data', (c: Buffer) => (text += c.toString()));
                res.on('end', () => resolve(text));
              })
              .on('error', reject);
          }),
        );
      }
    }
  } finally {
    agent.destroy();
    await dispatcher.close();
  }
  return { connections: connections - before, connectionHeaders: [...new Set(seen)] };
}

describe('connections opened by 10 sequential keep-alive requests', () => {
  it.each(['fetch', 'undici', 'node:http'] as const)('%s: as many while recording as without reeltape (1)', async (kind) => {
    const plain = await tenRequests(kind);
    const name = `keep-alive-${kind.replace(':', '-')}`;
    const recording = await withCassette(name, () => tenRequests(kind), { dir, mode: 'record' });
    expect(plain.connections).toBe(1);
    expect(recording.connections).toBe(plain.connections);
    expect(recording.connectionHeaders).toEqual(['keep-alive']);
    // and all ten were recorded
    const cassette = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as { interactions: Array<{ request: { url: string }; response: { body: unknown } }> };
    expect(cassette.interactions.map((i) => new URL(i.request.url).pathname)).toEqual(Array.from({ length: 10 }, (_, i) => `/${i}`));
    expect(cassette.interactions[0]!.response.body).toEqual({ text: 'keep-alive' });
  });
});
