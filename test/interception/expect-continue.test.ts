import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withCassette } from '../../src/session/index.js';
import { childEnv, createCertificate, makeTempDir } from '../helpers/index.js';

// `Expect: 100-continue` (the AWS SDK sends it for bodies of 2 MiB+): the client writes its body only
// after `100 Continue`. Recording must not wait for the body before the request goes out, must store
// the final response (not the 100), and replay in a fresh process must send the 100 and then the response.

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/expect-continue/upload.mjs');

interface Seen {
  status: number;
  body: string;
  interim: number[];
  sent: string;
}

/**
 * A loopback server that answers `100 Continue` when asked, reads the body, then answers 200 with its
 * size and hash. `hits` marks requests that came without `Expect`.
 */
function uploadServer(server: http.Server = http.createServer()): { server: http.Server; hits: string[] } {
  const hits: string[] = [];
  const answer = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ size, sha256: hash.digest('hex') }));
    });
  };
  server.on('checkContinue', (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeContinue();
    answer(req, res);
  });
  server.on('request', (req, res) => {
    hits.push(`${req.method} ${req.url} (no expect)`);
    answer(req, res);
  });
  return { server, hits };
}

async function upload(env: Record<string, string>): Promise<Seen> {
  // bounded: a deadlock fails the test instead of hanging it
  const { stdout } = await run(process.execPath, [fixture], { env: childEnv(env), timeout: 20_000, killSignal: 'SIGKILL' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Seen;
}

let dir: string;
const live = uploadServer();
let base: string;
beforeAll(async () => {
  dir = await makeTempDir('expect-continue');
  live.server.listen(0, '127.0.0.1');
  await once(live.server, 'listening');
  base = `http://127.0.0.1:${(live.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  live.server.closeAllConnections();
  await new Promise<void>((resolve) => live.server.close(() => resolve()));
});

let recorded: Seen;

it('records a 3 MiB upload sent on 100 Continue without a deadlock, storing the final response', async () => {
  recorded = await upload({ API_BASE: base, CASSETTE_DIR: dir, MODE: 'record' });
  expect(recorded.status).toBe(200);
  expect(JSON.parse(recorded.body)).toEqual({ size: 3 * 1024 * 1024, sha256: recorded.sent });
  expect(recorded.interim).toEqual([100]);
  expect(live.hits).toEqual(['PUT /upload']);
  const cassette = JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8')) as {
    interactions: Array<{ request: { body: { kind: string; sha256?: string; size?: number } | null }; response: { status: number; body: unknown } }>;
  };
  expect(cassette.interactions).toHaveLength(1);
  const [interaction] = cassette.interactions;
  expect(interaction!.response.status).toBe(200);
  expect(interaction!.response.body).toEqual({ json: { size: 3 * 1024 * 1024, sha256: recorded.sent } });
  // the whole request body was recorded, though it was read after the request went out
  expect(interaction!.request.body).toEqual({ file: recorded.sent, size: 3 * 1024 * 1024 });
  expect(await readdir(join(dir, 'upload.bodies'))).toContain(recorded.sent);
});

it('replays it in a fresh process with the server stopped: 100 Continue, then the recorded response', async () => {
  live.server.closeAllConnections();
  await new Promise<void>((resolve) => live.server.close(() => resolve()));
  const replayed = await upload({ API_BASE: base, CASSETTE_DIR: dir, MODE: 'replay' });
  expect(replayed).toEqual(recorded);
  expect(live.hits).toEqual(['PUT /upload']);
});

it('mode update sends its own 100 Continue to read the body, and a new request then goes out without asking the server for another', async () => {
  const second = uploadServer();
  second.server.listen(0, '127.0.0.1');
  await once(second.server, 'listening');
  const url = `http://127.0.0.1:${(second.server.address() as { port: number }).port}`;
  try {
    const put = (payload: string) =>
      new Promise<{ status: number; body: string; continues: number }>((resolve, reject) => {
        const req = http.request(`${url}/upload`, { method: 'PUT', headers: { expect: '100-continue', 'content-length': String(payload.length) } });
        let continues = 0;
        req.on('continue', () => {
          continues += 1;
          req.end(payload);
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text, continues }));
        });
      });
    const first = await withCassette('update', () => put('first'), { dir, mode: 'update' });
    const again = await withCassette('update', () => Promise.all([put('first'), put('second')]), { dir, mode: 'update' });
    expect(again[0]).toEqual(first);
    expect(again[1]).toMatchObject({ status: 200, continues: 1 });
    expect(JSON.parse(again[1].body)).toMatchObject({ size: 6 });
    expect(JSON.parse(first.body)).toMatchObject({ size: 5 });
    expect(first.continues).toBe(1);
    // 'first' went out once, 'second' once; reeltape had already sent their 100, so without `Expect`
    expect(second.hits).toEqual(['PUT /upload (no expect)', 'PUT /upload (no expect)']);
  } finally {
    second.server.closeAllConnections();
    second.server.close();
  }
});

it('a server that refuses without 100 Continue (417): the body never comes, the cassette closes at once and stores the 417', async () => {
  const refusing = http.createServer();
  refusing.on('checkContinue', (_req, res) => {
    res.statusCode = 417;
    res.end('too large');
  });
  refusing.listen(0, '127.0.0.1');
  await once(refusing, 'listening');
  const url = `http://127.0.0.1:${(refusing.address() as { port: number }).port}/upload`;
  try {
    const started = Date.now();
    const status = await withCassette(
      'refused',
      () =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(url, { method: 'PUT', headers: { expect: '100-continue', 'content-length': '5' } });
          req.on('continue', () => req.end('hello'));
          req.on('error', reject);
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
        }),
      { dir, mode: 'record', captureTimeout: 5_000 },
    );
    expect(status).toBe(417);
    // not held up by captureTimeout waiting for a body the client never sends
    expect(Date.now() - started).toBeLessThan(2_000);
    const cassette = JSON.parse(await readFile(join(dir, 'refused.json'), 'utf8')) as { interactions: Array<{ request: { body: unknown }; response: { status: number } }> };
    expect(cassette.interactions.map((i) => [i.request.body, i.response.status])).toEqual([[null, 417]]);
  } finally {
    refusing.closeAllConnections();
    refusing.close();
  }
});

it('over https (a CA trusted only through the agent): records through the server\'s 100, replays with reeltape\'s', async () => {
  const { key, cert } = await createCertificate();
  const secure = uploadServer(https.createServer({ key, cert }));
  secure.server.listen(0, '127.0.0.1');
  await once(secure.server, 'listening');
  const url = `https://127.0.0.1:${(secure.server.address() as { port: number }).port}/upload`;
  const agent = new https.Agent({ ca: cert });
  const payload = Buffer.alloc(256 * 1024, 7);
  const put = () =>
    new Promise<{ status: number; body: string; interim: number[] }>((resolve, reject) => {
      const req = https.request(url, { method: 'PUT', agent, headers: { expect: '100-continue', 'content-length': String(payload.length) } });
      const interim: number[] = [];
      req.on('information', (info) => interim.push(info.statusCode));
      req.on('continue', () => req.end(payload));
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, interim }));
      });
    });
  let recorded;
  try {
    recorded = await withCassette('secure', put, { dir, mode: 'record' });
  } finally {
    secure.server.closeAllConnections();
    await new Promise<void>((resolve) => secure.server.close(() => resolve()));
  }
  expect(recorded).toMatchObject({ status: 200, interim: [100] });
  expect(JSON.parse(recorded.body)).toMatchObject({ size: payload.length });
  expect(await withCassette('secure', put, { dir, mode: 'replay' })).toEqual(recorded);
  expect(secure.hits).toEqual(['PUT /upload']);
});
