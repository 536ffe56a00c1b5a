import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, makeTempDir } from '../helpers/index.js';
import { main } from '../../src/cli/main.js';

// Streamed responses keep their chunks and failures are recorded: each scenario records in a child
// process against a loopback server, then replays in a fresh child process with the server's
// routes refusing to serve (0 hits allowed).

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/streams/client.mjs');
const SECRET = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`; // a GitHub token shape (36 after the prefix)

interface Read {
  text: string;
  at: number;
}
interface Reads {
  status: number;
  reads: Read[];
  end: string;
  error?: { name: string; message: string; cause?: string; code?: string };
}

const hits: string[] = [];
let serving = true;
let flakyAttempt = 0;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function events(res: http.ServerResponse, type: string, parts: string[], gap: number): Promise<void> {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
  for (const part of parts) {
    res.write(part);
    await wait(gap);
  }
}

const server = http.createServer((req, res) => {
  hits.push(`${req.method} ${req.url}`);
  if (!serving) {
    res.destroy();
    return;
  }
  void (async () => {
    switch (req.url) {
      case '/sse':
        await events(res, 'text/event-stream', [1, 2, 3, 4].map((n) => `event: tick\ndata: {"n":${n}}\n\n`), 80);
        return res.end();
      case '/ndjson':
        await events(res, 'application/x-ndjson', [1, 2, 3].map((n) => `{"row":${n}}\n`), 80);
        return res.end();
      case '/sse-secret':
        // the token is split across two writes: redaction must still see it whole
        await events(res, 'text/event-stream', ['data: one\n\n', `data: {"token":"${SECRET.slice(0, 15)}`, `${SECRET.slice(15)}"}\n\n`, 'data: three\n\n'], 60);
        return res.end();
      case '/reset':
        await events(res, 'text/event-stream', ['data: a\n\n', 'data: b\n\n'], 60);
        return res.destroy();
      case '/endless':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let n = 0; !res.destroyed && n < 200; n++) {
          res.write(`data: ${n}\n\n`);
          await wait(50);
        }
        return res.end();
      case '/v1/chat/completions': {
        const words = ['Hel', 'lo', ' there'];
        const frames = words.map((w, i) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })}\n\n`);
        frames.push('data: [DONE]\n\n');
        await events(res, 'text/event-stream', frames, 20);
        return res.end();
      }
      case '/flaky':
        flakyAttempt += 1;
        if (flakyAttempt === 1) return; // no answer: the client times out
        if (flakyAttempt === 2) return res.destroy(); // reset
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('ok');
      default:
        res.writeHead(404).end();
    }
  })();
});

let base: string;
let dir: string;
let deadUrl: string;
beforeAll(async () => {
  dir = await makeTempDir('streams');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a port nothing listens on: bind, note, close
  const dead = http.createServer().listen(0, '127.0.0.1');
  await once(dead, 'listening');
  deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/nothing`;
  await new Promise<void>((resolve) => dead.close(() => resolve()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function client<T>(scenario: string, mode: 'record' | 'replay', extra: Record<string, string> = {}): Promise<T> {
  const env = childEnv({ API_BASE: base, CASSETTE_DIR: dir, MODE: mode, SCENARIO: scenario, DEAD_URL: deadUrl, ...extra });
  const { stdout } = await run(process.execPath, [fixture], { env, timeout: 30_000, killSignal: 'SIGKILL' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** Records a scenario (server up), then replays it in a fresh process with the server refusing: no hit may arrive. */
async function recordThenReplay<T>(scenario: string, extra: Record<string, string> = {}): Promise<{ recorded: T; replayed: T }> {
  serving = true;
  const recorded = await client<T>(scenario, 'record', extra);
  serving = false;
  const before = hits.length;
  const replayed = await client<T>(scenario, 'replay', extra);
  expect(hits.slice(before)).toEqual([]);
  serving = true;
  return { recorded, replayed };
}

async function cassette(name: string): Promise<{ interactions: Array<Record<string, any>> }> {
  return JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8'));
}

const texts = (r: Reads) => r.reads.map((x) => x.text);

describe('streamed responses', () => {
  it('an SSE reader gets one event per read, the same sequence on replay, stored as readable text with chunk timings', async () => {
    const { recorded, replayed } = await recordThenReplay<Reads>('sse-fetch');
    expect(texts(recorded)).toEqual([1, 2, 3, 4].map((n) => `event: tick\ndata: {"n":${n}}\n\n`));
    expect(texts(replayed)).toEqual(texts(recorded));
    expect(replayed.end).toBe('done');
    const stored = (await cassette('sse-fetch')).interactions[0]!.response;
    expect(stored.body.text).toBe(texts(recorded).join(''));
    expect(stored.stream.chunks.map((c: { size: number }) => c.size)).toEqual(texts(recorded).map((t) => Buffer.byteLength(t)));
    expect(stored.stream.chunks[3].at - stored.stream.chunks[0].at).toBeGreaterThanOrEqual(100); // written 80 ms apart
    // default replay: no delays
    expect(replayed.reads[3]!.at).toBeLessThan(100);
  });

  it('node:http gets the same chunks as data events on replay', async () => {
    const { recorded, replayed } = await recordThenReplay<Reads>('sse-http');
    expect(texts(recorded)).toHaveLength(4);
    expect(texts(replayed)).toEqual(texts(recorded));
  });

  it('NDJSON replays line by line for fetch and node:http', async () => {
    const viaFetch = await recordThenReplay<Reads>('ndjson-fetch');
    expect(texts(viaFetch.recorded).join('')).toBe('{"row":1}\n{"row":2}\n{"row":3}\n');
    expect(texts(viaFetch.recorded).length).toBeGreaterThanOrEqual(2); // one per write, unless a busy machine coalesced two
    expect(texts(viaFetch.replayed)).toEqual(texts(viaFetch.recorded));
    const viaHttp = await recordThenReplay<Reads>('ndjson-http');
    expect(texts(viaHttp.replayed)).toEqual(texts(viaHttp.recorded));
  });

  it("replayTiming 'recorded' keeps the recorded pace; a speed factor scales it", async () => {
    const paced = await client<Reads>('sse-fetch', 'replay', { TIMING: 'recorded' });
    const recordedAt = (await cassette('sse-fetch')).interactions[0]!.response.stream.chunks.map((c: { at: number }) => c.at);
    const gaps = paced.reads.map((r, i) => r.at - recordedAt[i]);
    for (const gap of gaps) expect(Math.abs(gap)).toBeLessThan(40);
    expect(paced.reads[3]!.at).toBeGreaterThanOrEqual(recordedAt[3] - 20);
    const fast = await client<Reads>('sse-fetch', 'replay', { TIMING: '4' });
    expect(fast.reads[3]!.at).toBeLessThan(recordedAt[3] / 2);
    expect(fast.reads[3]!.at).toBeGreaterThanOrEqual(recordedAt[3] / 4 - 5);
  });

  it('a token split over two chunks is redacted, and the chunks still add up to the stored body', async () => {
    const { recorded, replayed } = await recordThenReplay<Reads>('secret-fetch');
    expect(texts(recorded).join('')).toContain(SECRET);
    const file = await readFile(join(dir, 'secret-fetch.json'), 'utf8');
    expect(file).not.toContain(SECRET.slice(4, 14));
    expect(file).not.toContain(SECRET.slice(15));
    const stored = JSON.parse(file).interactions[0].response;
    expect(stored.stream.chunks).toHaveLength(4);
    expect(texts(replayed)).toHaveLength(4);
    expect(texts(replayed).join('')).toBe(stored.body.text);
    expect(texts(replayed)[0]).toBe('data: one\n\n');
    expect(texts(replayed)[3]).toBe('data: three\n\n');
    expect(texts(replayed)[1]! + texts(replayed)[2]!).toMatch(/^data: \{"token":"\[REDACTED[^"]*\]"\}\n\n$/);
  });

  it('a stream the server resets midway replays what was read, then fails the same way', async () => {
    const viaFetch = await recordThenReplay<Reads>('reset-fetch');
    expect(viaFetch.recorded.end).toBe('error');
    expect(texts(viaFetch.recorded)).toEqual(['data: a\n\n', 'data: b\n\n']);
    expect(viaFetch.replayed).toMatchObject({ end: 'error', error: viaFetch.recorded.error });
    expect(texts(viaFetch.replayed)).toEqual(texts(viaFetch.recorded));
    const viaHttp = await recordThenReplay<Reads>('reset-http');
    expect(viaHttp.recorded.end).toBe('error');
    expect(texts(viaHttp.replayed)).toEqual(texts(viaHttp.recorded));
    expect(viaHttp.replayed).toMatchObject({ end: 'error', error: { code: viaHttp.recorded.error!.code } });
  });

  it.each(['endless-fetch', 'endless-http'])('%s: an endless stream the client cancels replays what was read; the client cancels again', async (scenario) => {
    const started = performance.now();
    const { recorded, replayed } = await recordThenReplay<Reads>(scenario);
    expect(texts(recorded)).toHaveLength(3);
    expect(texts(recorded).join('')).toMatch(/^data: 0\n\ndata: 1\n\n/); // writes may coalesce on a busy machine
    expect(replayed).toMatchObject({ end: 'cancelled' });
    expect(texts(replayed)).toEqual(texts(recorded));
    const stored = (await cassette(scenario)).interactions[0]!.response;
    expect(stored.stream.end).toBe('cancelled');
    expect(stored.stream.chunks).toHaveLength(3); // what the client read, not what the server sent after
    expect(performance.now() - started).toBeLessThan(5000); // the recording did not wait out captureTimeout
  });

  it('the openai SDK streams a chat completion the same on replay', async () => {
    const { recorded, replayed } = await recordThenReplay<{ deltas: string[] }>('openai-stream');
    expect(recorded.deltas).toEqual(['Hel', 'lo', ' there']);
    expect(replayed).toEqual(recorded);
    const stored = (await cassette('openai-stream')).interactions[0]!;
    // the SDK's reads are its own; the stored chunks are what arrived (writes 20 ms apart may coalesce)
    expect(stored.response.stream.chunks.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(stored)).not.toContain('sk-test-not-a-real-key');
  });
});

describe('recorded failures', () => {
  it('a refused connection replays with the same error for fetch (TypeError, cause.code) and node:http (code)', async () => {
    const viaFetch = await recordThenReplay<Array<{ error: Reads['error'] }>>('refused-fetch');
    expect(viaFetch.recorded[0]!.error).toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: 'ECONNREFUSED' });
    expect(viaFetch.replayed).toEqual(viaFetch.recorded);
    const viaHttp = await recordThenReplay<Array<{ error: Reads['error'] }>>('refused-http');
    expect(viaHttp.recorded[0]!.error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(viaHttp.replayed).toEqual(viaHttp.recorded);
    const stored = await cassette('refused-http');
    expect(stored.interactions).toHaveLength(2);
    expect(stored.interactions[0]).not.toHaveProperty('response');
    expect(stored.interactions[0]!.failure.error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("got's retries after a timeout and a reset replay the same attempts", async () => {
    flakyAttempt = 0;
    const { recorded, replayed } = await recordThenReplay<{ body: string; attempts: string[] }>('got-retry');
    expect(recorded).toEqual({ body: 'ok', attempts: ['ETIMEDOUT', 'ECONNRESET'] });
    expect(replayed).toEqual(recorded);
    const stored = await cassette('got-retry');
    expect(stored.interactions.map((i) => (i.failure ? Object.keys(i.failure)[0] : i.response.status))).toEqual(['aborted', 'error', 200]);
  });
});

describe('reeltape info', () => {
  it('shows streamed responses with their chunk counts and recorded failures with their codes', async () => {
    let out = '';
    const io = { cwd: dir, env: {}, stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t) };
    expect(await main(['info', join(dir, 'sse-fetch.json'), join(dir, 'refused-http.json'), join(dir, 'got-retry.json')], io)).toBe(0);
    expect(out).toContain('streamed:     1 response (4 chunks)');
    expect(out).toContain('failures:     2 (ECONNREFUSED ×2)');
    expect(out).toContain('failures:     2 (aborted ×1, ECONNRESET ×1)');
  });
});
