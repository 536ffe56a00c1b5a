import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, closeServer, listenAt, makeTempDir } from '../helpers/index.js';

// The real @aws-sdk/client-s3 and s3-request-presigner against a fake S3 on 127.0.0.1: put, get,
// list, a 5 MiB put (Expect: 100-continue) and a presigned GET are recorded, then replayed in a fresh
// process with the server stopped and the clock 90 s later (new SigV4 dates and signatures).

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/s3');
const FAKE_SECRET = ['fake', 'secret', 'key', 'for', 's3', 'tests', '0123456789'].join('/');

/** The body as stored: `aws-chunked` uploads (flexible checksums) decoded to their data. */
function payload(req: http.IncomingMessage, raw: Buffer): Buffer {
  const streaming = String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING') || String(req.headers['content-encoding'] ?? '').includes('aws-chunked');
  if (!streaming) return raw;
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!size) return Buffer.concat(parts);
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function fakeS3(): { server: http.Server; hits: string[] } {
  const hits: string[] = [];
  const objects = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://s3.local');
      hits.push(`${req.method} ${url.pathname}${req.headers.expect ? ' (expect)' : ''}`);
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = rest.join('/');
      if (req.method === 'PUT' && key) {
        const body = payload(req, Buffer.concat(chunks));
        objects.set(key, body);
        res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
      } else if (req.method === 'GET' && key) {
        const body = objects.get(key);
        if (!body) return void res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, etag: '"x"' }).end(body);
      } else if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        const contents = [...objects].map(([k, v]) => `<Contents><Key>${k}</Key><Size>${v.length}</Size><ETag>"x"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>`);
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix></Prefix><KeyCount>${objects.size}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`);
      } else res.writeHead(400).end();
    });
  });
  return { server, hits };
}


async function runApp(env: Record<string, string>, preload: string[] = []): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [...preload, join(fixture, 'app.mjs')], { env: childEnv(env), cwd: fixture, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('the real AWS S3 SDK against a fake S3', () => {
  let dir: string;
  let port: number;
  let recorded: Record<string, unknown>;
  const live = fakeS3();
  beforeAll(async () => {
    dir = await makeTempDir('aws-s3');
    port = await listenAt(live.server);
  });
  afterAll(() => closeServer(live.server).catch(() => undefined));
  const env = (mode: string, extra: Record<string, string> = {}) => ({ S3_ENDPOINT: `http://127.0.0.1:${port}`, CASSETTE_DIR: dir, FAKE_SECRET, REELTAPE_MODE: mode, ...extra });

  it('records put, get, a 5 MiB put with Expect: 100-continue, list and a presigned GET', async () => {
    const started = Date.now();
    recorded = await runApp(env('record'));
    expect(recorded).toEqual({ text: 'hello s3', bigETag: expect.stringMatching(/^"[0-9a-f]{32}"$/), keys: ['small.txt:8', `big.bin:${5 * 1024 * 1024}`], signed: 'hello s3' });
    expect(live.hits).toEqual(['PUT /bucket/small.txt', 'GET /bucket/small.txt', 'PUT /bucket/big.bin (expect)', 'GET /bucket/', 'GET /bucket/small.txt']);
    expect(Date.now() - started).toBeLessThan(20_000); // no 100-continue stall
    const text = await readFile(join(dir, 's3.json'), 'utf8');
    const cassette = JSON.parse(text) as { interactions: Array<{ request: { url: string }; response: { status: number } }> };
    expect(cassette.interactions.map((i) => i.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(text).not.toContain(FAKE_SECRET);
  });

  it('replays in a fresh process 90 s later with the server stopped: 0 hits, same results', async () => {
    await closeServer(live.server);
    const counting = fakeS3();
    await listenAt(counting.server, port);
    try {
      const replayed = await runApp(env('replay', { CLOCK_OFFSET_MS: '90000' }), ['--import', join(fixture, 'clock.mjs')]);
      expect(replayed).toEqual(recorded);
      expect(counting.hits).toEqual([]);
    } finally {
      await closeServer(counting.server);
    }
  });
});
