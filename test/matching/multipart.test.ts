import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/cassette/types.js';
import { bodyFromBytes, boundaryOf, parseMultipart } from '../../src/cassette/index.js';
import { InteractionIndex, requestKey } from '../../src/matching/index.js';
import OpenAI, { toFile } from 'openai';
import { withCassette } from '../../src/session/index.js';
import { childEnv, startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// FormData gets a random boundary per request: multipart bodies match on their parts (name,
// filename, content type, content), and a mismatch names the part that differs.

/** A FormData as fetch sends it (a fresh boundary each call), as a recorded request. */
async function formRequest(fields: Array<[string, string | Blob, string?]>): Promise<RecordedRequest> {
  const form = new FormData();
  for (const [name, value, filename] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  const request = new Request('http://127.0.0.1:1/upload', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type')!;
  const bytes = new Uint8Array(await request.arrayBuffer());
  return { method: 'POST', url: request.url, headers: { 'content-type': contentType }, body: bodyFromBytes(bytes, contentType) };
}

const pixel = () => new Blob([new Uint8Array([0, 1, 2, 255, 254])], { type: 'image/png' });
const csv = (text = 'id,name\n1,ada\n') => new Blob([text], { type: 'text/csv' });

it('parses parts: names, filenames, content types and exact content bytes', async () => {
  const request = await formRequest([['note', 'hello'], ['file', csv(), 'people.csv'], ['image', pixel(), 'pixel.png'], ['empty', ''], ['naïve "q"', csv('x'), 'résumé.csv']]);
  const boundary = boundaryOf(request.headers['content-type'] as string)!;
  const parts = parseMultipart(request.body!.kind === 'binary' ? request.body!.value : new Uint8Array(), boundary)!;
  expect(parts.map(({ content, ...about }) => ({ ...about, content: [...content] }))).toEqual([
    { name: 'note', content: [...Buffer.from('hello')] },
    { name: 'file', filename: 'people.csv', contentType: 'text/csv', content: [...Buffer.from('id,name\n1,ada\n')] },
    { name: 'image', filename: 'pixel.png', contentType: 'image/png', content: [0, 1, 2, 255, 254] },
    { name: 'empty', content: [] },
    // UTF-8 names as sent; fetch escapes a quote in a name as %22 (HTML's form encoding), kept as sent
    { name: 'naïve %22q%22', filename: 'résumé.csv', contentType: 'text/csv', content: [...Buffer.from('x')] },
  ]);
  expect(parseMultipart(Buffer.from('no delimiter here'), boundary)).toBeUndefined();
  expect(parseMultipart(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated`), boundary)).toBeUndefined();
});

it('two FormData bodies with the same parts have the same key whatever the boundary; any part that differs changes it', async () => {
  const fields = (note: string, file = csv(), filename = 'people.csv'): Array<[string, string | Blob, string?]> => [['note', note], ['file', file, filename], ['image', pixel(), 'pixel.png']];
  const a = await formRequest(fields('hello'));
  const b = await formRequest(fields('hello'));
  expect(a.headers['content-type']).not.toBe(b.headers['content-type']);
  expect(requestKey(a)).toBe(requestKey(b));
  for (const other of [fields('hullo'), fields('hello', csv('id,name\n1,bob\n')), fields('hello', csv(), 'other.csv'), fields('hello', new Blob(['id,name\n1,ada\n'], { type: 'text/plain' }))]) {
    expect(requestKey(await formRequest(other))).not.toBe(requestKey(a));
  }
  // ignoreBodyPaths leaves out parts by name, as it leaves out form fields
  expect(requestKey(a, { ignoreBodyPaths: ['note'] })).toBe(requestKey(await formRequest(fields('hullo')), { ignoreBodyPaths: ['note'] }));
});

it('a mismatch names the part that differs and how', async () => {
  const recorded = await formRequest([['note', 'hello'], ['file', csv(), 'people.csv'], ['image', pixel(), 'pixel.png']]);
  const response = { status: 200, statusText: 'OK', headers: {}, body: null };
  const index = new InteractionIndex([{ request: recorded, response }]);
  const live = await formRequest([['note', 'hullo'], ['file', csv(), 'people.txt'], ['image', new Blob([new Uint8Array([9, 9])], { type: 'image/png' }), 'pixel.png']]);
  expect(index.take(live)).toBeUndefined();
  const [candidate] = index.explain(live, 1);
  expect(candidate!.differences).toEqual([
    'body part "note": "hello" ≠ "hullo"',
    'body part "file" filename: "people.csv" ≠ "people.txt"',
    'body part "image": differs (recorded 5 bytes, request 2 bytes)',
  ]);
  const fewer = await formRequest([['note', 'hello']]);
  expect(index.explain(fewer, 1)[0]!.differences).toEqual(['body: 3 parts ≠ 1 parts', 'body part "file": missing in request', 'body part "image": missing in request']);
});

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/multipart/upload.mjs');

async function upload(env: Record<string, string>): Promise<{ status?: number; body?: string; error?: string; message?: string }> {
  const { stdout } = await run(process.execPath, [fixture], { env: childEnv(env), timeout: 20_000, killSignal: 'SIGKILL' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { status?: number; body?: string; error?: string; message?: string };
}

let server: TestServer;
let dir: string;
useServerAndDir('multipart', startTestServer, (s, d) => ((server = s), (dir = d)));

it('a FormData upload recorded in one process replays in another with a new boundary; a changed field fails naming it', async () => {
  const env = { API_BASE: server.url, CASSETTE_DIR: dir };
  const recorded = await upload({ ...env, MODE: 'record' });
  expect(recorded.status).toBe(200);
  const echoed = JSON.parse(recorded.body!) as { contentType: string; body: string };
  expect(echoed.body).toContain('name="note"\r\n\r\nhello\r\n');
  // stored readable: the text parts as text, not base64
  const cassette = JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8')) as { interactions: Array<{ request: { body: Record<string, string> } }> };
  expect(cassette.interactions[0]!.request.body['text']).toContain('filename="people.csv"\r\nContent-Type: text/csv\r\n\r\nid,name\n1,ada\n');
  const hits = server.hits.length;
  await server.close();

  const replayed = await upload({ ...env, MODE: 'replay' });
  expect(replayed).toEqual(recorded);
  const changed = await upload({ ...env, MODE: 'replay', NOTE: 'goodbye' });
  expect(changed.error).toBe('CassetteMismatchError');
  expect(changed.message).toContain('body part "note": "hello" ≠ "goodbye"');
  expect(server.hits).toHaveLength(hits);
});

it('the OpenAI SDK: a file upload recorded once replays with a new client, a new boundary and the API stopped', async () => {
  const hits: string[] = [];
  const api = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'file-1', object: 'file', bytes: 42, created_at: 1, filename: 'train.jsonl', purpose: 'fine-tune' }));
    });
  });
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  const baseURL = `http://127.0.0.1:${(api.address() as { port: number }).port}/v1`;
  const uploadFile = async (content: string) => {
    const client = new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL, maxRetries: 0 });
    const file = await client.files.create({ file: await toFile(Buffer.from(content), 'train.jsonl'), purpose: 'fine-tune' });
    return file.id;
  };
  const line = '{"messages":[{"role":"user","content":"hi"}]}\n';
  try {
    expect(await withCassette('openai-upload', () => uploadFile(line), { dir, mode: 'record' })).toBe('file-1');
  } finally {
    api.closeAllConnections();
    await new Promise<void>((resolve) => api.close(() => resolve()));
  }
  expect(await withCassette('openai-upload', () => uploadFile(line), { dir, mode: 'replay' })).toBe('file-1');
  await expect(withCassette('openai-upload', () => uploadFile(line.replace('hi', 'bye')), { dir, mode: 'replay' })).rejects.toThrow(/body part "file": .*hi.* ≠ .*bye/);
  expect(hits).toEqual(['POST /v1/files']);
});

it('a multipart upload over the side-file threshold still matches by its parts (read from the side files), and names a changed part', async () => {
  const big = (fill: number) => new Blob([new Uint8Array(2 * 1024 * 1024).fill(fill)], { type: 'application/octet-stream' });
  const send = (fill: number) => async () => {
    const form = new FormData();
    form.append('note', 'large');
    form.append('file', big(fill), 'big.bin');
    const response = await fetch(`${server.url}/echo`, { method: 'POST', body: form });
    await response.arrayBuffer();
    return response.status;
  };
  expect(await withCassette('large-upload', send(1), { dir, mode: 'record' })).toBe(200);
  const cassette = JSON.parse(await readFile(join(dir, 'large-upload.json'), 'utf8')) as { interactions: Array<{ request: { body: Record<string, unknown> } }> };
  expect(cassette.interactions[0]!.request.body).toHaveProperty('file');
  const hits = server.hits.length;
  await server.close();
  expect(await withCassette('large-upload', send(1), { dir, mode: 'replay' })).toBe(200);
  await expect(withCassette('large-upload', send(2), { dir, mode: 'replay' })).rejects.toThrow(/body part "file": differs \(recorded 2097152 bytes, request 2097152 bytes\)/);
  expect(server.hits).toHaveLength(hits);
  // the replay's temp side files are gone
  expect((await readdir(join(dir, 'large-upload.bodies'))).filter((name) => name.startsWith('.'))).toEqual([]);
});
