/**
 * Every supported client records against a real local server and replays with the server stopped,
 * seeing the same status, headers and body bytes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BINARY_BODY,
  COMPRESSIBLE_JSON,
  createCertificate,
  makeTempDir,
  recordThenReplay,
  removeTempDirs,
  startTestServer,
  type TestServer,
} from '../helpers/index.js';
import { CLIENTS } from './clients.js';

beforeEach(() => {
  vi.stubEnv('REELTAPE_MODE', ''); // these tests choose their modes explicitly
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await removeTempDirs();
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function decode(encoding: string, body: Buffer): Buffer {
  return encoding === 'gzip' ? gunzipSync(body) : encoding === 'deflate' ? inflateSync(body) : brotliDecompressSync(body);
}

async function readCassette(dir: string, name: string): Promise<{ interactions: Array<{ request: { method: string; url: string }; response: { status: number; headers: Record<string, unknown>; body: unknown } }> }> {
  return JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8'));
}

describe.each(CLIENTS)('$name', (client) => {
  it('records and replays JSON, text and binary byte-exactly', async () => {
    server = await startTestServer();
    const dir = await makeTempDir('clients');
    const { recorded, replayed } = await recordThenReplay({
      dir,
      name: 'basic',
      server,
      run: async (url) => [
        await client.send({ url: `${url}/json` }),
        await client.send({ url: `${url}/text` }),
        await client.send({ url: `${url}/binary` }),
      ],
    });
    expect(recorded[2]!.body.equals(Buffer.from(BINARY_BODY))).toBe(true);
    expect(replayed).toEqual(recorded);
    const cassette = await readCassette(dir, 'basic');
    expect(cassette.interactions.map((i) => i.response.body)).toEqual([
      { json: { hello: 'world', n: 1 } },
      { text: 'hello text\n' },
      { base64: Buffer.from(BINARY_BODY).toString('base64') },
    ]);
  });

  it('records a POST body and replays it', async () => {
    server = await startTestServer();
    const dir = await makeTempDir('clients');
    const send = (url: string) =>
      client.send({ url: `${url}/echo?x=1`, method: 'POST', body: '{"name":"Ada"}', headers: { 'content-type': 'application/json' } });
    const { recorded, replayed } = await recordThenReplay({ dir, name: 'post', server, run: send });
    expect(JSON.parse(recorded.body.toString())).toMatchObject({ method: 'POST', body: '{"name":"Ada"}' });
    expect(replayed).toEqual(recorded);
    const cassette = await readCassette(dir, 'post');
    expect(cassette.interactions[0]!.request).toMatchObject({ method: 'POST', body: { json: { name: 'Ada' } } });
  });

  it('keeps two set-cookie headers apart', async () => {
    server = await startTestServer();
    const dir = await makeTempDir('clients');
    const { recorded, replayed } = await recordThenReplay({
      dir,
      name: 'cookies',
      server,
      run: (url) => client.send({ url: `${url}/cookies` }),
      options: { defaultSanitizer: false },
    });
    expect(recorded.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(replayed).toEqual(recorded);
  });

  it.each(['gzip', 'deflate', 'br'])('stores a %s body decoded and replays it', async (encoding) => {
    server = await startTestServer();
    const dir = await makeTempDir('clients');
    const { recorded, replayed } = await recordThenReplay({
      dir,
      name: encoding,
      server,
      run: (url) => client.send({ url: `${url}/${encoding}` }),
    });
    // plain node:http hands over the bytes as sent; every other client decodes them
    const plain = (body: Buffer): string => (client.decompresses ? body : decode(encoding, body)).toString();
    expect(plain(recorded.body)).toBe(COMPRESSIBLE_JSON);
    expect(replayed.status).toBe(recorded.status);
    expect(plain(replayed.body)).toBe(COMPRESSIBLE_JSON);
    expect(replayed.headers['content-encoding']).toBe(recorded.headers['content-encoding']);
    expect(replayed.headers['content-type']).toBe(recorded.headers['content-type']);
    const cassette = await readCassette(dir, encoding);
    const response = cassette.interactions[0]!.response;
    expect(response.body).toEqual({ json: JSON.parse(COMPRESSIBLE_JSON) });
    expect(response.headers['content-encoding']).toBe(encoding);
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(COMPRESSIBLE_JSON)));
  });

  it('replays redirects as the client saw them', async () => {
    server = await startTestServer();
    const dir = await makeTempDir('clients');
    const { recorded, replayed } = await recordThenReplay({
      dir,
      name: 'redirect',
      server,
      run: (url) => client.send({ url: `${url}/redirect` }),
    });
    expect(recorded.status).toBe(client.followsRedirects ? 200 : 302);
    expect(replayed).toEqual(recorded);
  });

  it('replays a chunked response', async () => {
    server = await startTestServer();
    const dir = await makeTempDir('clients');
    const { recorded, replayed } = await recordThenReplay({
      dir,
      name: 'chunked',
      server,
      run: (url) => client.send({ url: `${url}/chunked` }),
    });
    expect(recorded.body.toString()).toBe('part1 part2 part3');
    expect(replayed.body.toString()).toBe('part1 part2 part3');
    expect(replayed.status).toBe(200);
  });

  it('records over https trusting the self-signed CA only through its own option', async () => {
    const { key, cert } = await createCertificate();
    server = await startTestServer({ tls: { key, cert } });
    const dir = await makeTempDir('clients');
    const { recorded, replayed } = await recordThenReplay({
      dir,
      name: 'https',
      server,
      run: (url) => client.send({ url: `${url}/json`, ca: cert }),
    });
    expect(JSON.parse(recorded.body.toString())).toEqual({ hello: 'world', n: 1 });
    expect(replayed).toEqual(recorded);
  });
});
