import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as undiciRequest, Agent as UndiciAgent } from 'undici';
import { withCassette } from '../../src/session/index.js';
import { listenOnLoopback, makeTempDir } from '../helpers/index.js';

// Connections a server sees for 10 sequential keep-alive requests, without reeltape and while a
// cassette records. fetch (reeltape performs recorded fetches with Node's own fetch) and npm undici
// (reeltape hands the request to the dispatcher it was made on) keep their pools. node:http cannot:
// the ClientRequest interceptor (@mswjs/interceptors 0.41) swaps the client's agent for a fresh one
// per request and opens a new socket for each passthrough (README, "Keep-alive while recording").

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
  it.each(['fetch', 'undici'] as const)('%s: as many while recording as without reeltape (1)', async (kind) => {
    const plain = await tenRequests(kind);
    const recording = await withCassette(`keep-alive-${kind}`, () => tenRequests(kind), { dir, mode: 'record' });
    expect(plain.connections).toBe(1);
    expect(recording.connections).toBe(plain.connections);
    expect(recording.connectionHeaders).toEqual(['keep-alive']);
  });

  it('node:http: 1 without reeltape; while recording one per request with `Connection: close` (the interceptor’s limit)', async () => {
    const plain = await tenRequests('node:http');
    const recording = await withCassette('keep-alive-http', () => tenRequests('node:http'), { dir, mode: 'record' });
    expect(plain).toEqual({ connections: 1, connectionHeaders: ['keep-alive'] });
    expect(recording).toEqual({ connections: 10, connectionHeaders: ['close'] });
  });
});
