import { createServer, get as httpGet } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CassetteFormatError, withCassette } from '../../src/index.js';
import { listenOnLoopback, makeTempDir, removeTempDirs, type LoopbackListener } from '../helpers/index.js';

/**
 * Replay leaves large recorded responses unparsed until they are first served (decision 0005).
 * Seen from outside: replayed bytes are exactly the recorded ones, and a damaged response still
 * fails the test with a CassetteFormatError (when served, or when the cassette closes), never
 * touching the file.
 */
afterEach(async () => {
  vi.unstubAllEnvs();
  await removeTempDirs();
});

/** ~2 KiB of JSON per item, pretty-printed (kept byte-exact with its indent). */
function item(i: number): string {
  return `${JSON.stringify({ id: i, name: `item-${i}`, tags: ['a', 'b', 'c'], text: `lorem ${i} `.repeat(150) }, null, 2)}\n`;
}

async function itemServer(): Promise<LoopbackListener & { url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const i = Number((req.url ?? '').split('/').pop());
    res.writeHead(200, { 'content-type': 'application/json' }).end(item(i));
  });
  const listener = await listenOnLoopback(server);
  return { ...listener, url: `http://127.0.0.1:${listener.port}`, hits };
}

function nodeGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Records items 0..n-1 (fetch and http.get alternately), then stops the server. */
async function recordItems(dir: string, n: number): Promise<string> {
  const server = await itemServer();
  try {
    await withCassette(
      'items',
      async () => {
        for (let i = 0; i < n; i++) {
          const url = `${server.url}/items/${i}`;
          if (i % 2 === 0) await (await fetch(url)).text();
          else await nodeGet(url);
        }
      },
      { dir, mode: 'record' },
    );
    return server.url;
  } finally {
    await server.close();
  }
}

describe('replay of large responses (parsed on first read)', () => {
  it('serves every response byte-exactly after the server is gone, in any order', async () => {
    const dir = await makeTempDir('deferred');
    const base = await recordItems(dir, 12);
    const file = join(dir, 'items.json');
    const before = await readFile(file);
    const order = [11, 0, 5, 3, 7, 1, 9, 2, 10, 4, 8, 6];
    const got = await withCassette(
      'items',
      async () => {
        const out: string[] = [];
        for (const i of order) out.push(i % 2 === 0 ? await (await fetch(`${base}/items/${i}`)).text() : await nodeGet(`${base}/items/${i}`));
        return out;
      },
      { dir, mode: 'replay' },
    );
    expect(got).toEqual(order.map(item));
    expect(await readFile(file)).toEqual(before);
  });

  it('a damaged response that is never requested still fails the test when the cassette closes', async () => {
    const dir = await makeTempDir('deferred');
    const base = await recordItems(dir, 3);
    const file = join(dir, 'items.json');
    const text = await readFile(file, 'utf8');
    // damage the third response's status: valid JSON, invalid cassette
    const third = text.indexOf(`/items/2"`);
    const status = text.indexOf('"status": 200', third);
    expect(third).toBeGreaterThan(0);
    const damaged = `${text.slice(0, status)}"status": "OK"${text.slice(status + '"status": 200'.length)}`;
    await writeFile(file, damaged);

    let served = '';
    const error = await withCassette(
      'items',
      async () => {
        served = await (await fetch(`${base}/items/0`)).text();
      },
      { dir, mode: 'replay' },
    ).catch((e: unknown) => e);
    expect(served).toBe(item(0)); // the test itself ran against the intact part
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('interactions[2].response.status: expected an integer 100-599, got "OK"');
    expect(await readFile(file, 'utf8')).toBe(damaged); // never rewritten
  });

  it('a damaged response that is requested fails that request and the test, naming line and column', async () => {
    const dir = await makeTempDir('deferred');
    const base = await recordItems(dir, 2);
    const file = join(dir, 'items.json');
    const text = await readFile(file, 'utf8');
    const at = text.indexOf('"name": "item-1"');
    const damaged = `${text.slice(0, at)}"name": "item-1",,${text.slice(at + '"name": "item-1"'.length)}`;
    await writeFile(file, damaged);

    let clientError: unknown;
    const error = await withCassette(
      'items',
      async () => {
        await (await fetch(`${base}/items/0`)).text();
        clientError = await fetch(`${base}/items/1`).catch((e: unknown) => e);
      },
      { dir, mode: 'replay' },
    ).catch((e: unknown) => e);
    expect(clientError).toBeInstanceOf(TypeError); // a network error for the client
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect((error as Error).message).toMatch(/items\.json is not valid JSON \(line \d+, column \d+\)/);
    expect(await readFile(file, 'utf8')).toBe(damaged);
  });

  it('update mode reads every recorded response and keeps them byte for byte', async () => {
    const dir = await makeTempDir('deferred');
    await recordItems(dir, 4);
    const file = join(dir, 'items.json');
    const before = JSON.parse(await readFile(file, 'utf8')) as { interactions: unknown[] };
    const server = await itemServer();
    try {
      await withCassette(
        'items',
        async () => {
          await (await fetch(`${server.url}/items/99`)).text();
        },
        { dir, mode: 'update' },
      );
    } finally {
      await server.close();
    }
    const after = JSON.parse(await readFile(file, 'utf8')) as { interactions: unknown[] };
    expect(after.interactions).toHaveLength(5);
    expect(after.interactions.slice(0, 4)).toEqual(before.interactions);
    expect(server.hits).toEqual(['/items/99']);
  });

  it('auto mode re-records an expired cassette whose responses were loaded unparsed', async () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('REELTAPE_MODE', '');
    const dir = await makeTempDir('deferred');
    await recordItems(dir, 3);
    const file = join(dir, 'items.json');
    const text = await readFile(file, 'utf8');
    const recordedAt = (JSON.parse(text) as { meta: { recordedAt: string } }).meta.recordedAt;
    await writeFile(file, text.replace(recordedAt, '2020-01-01T00:00:00.000Z'));
    const server = await itemServer();
    try {
      const mode = await withCassette(
        'items',
        async (c) => {
          for (const i of [0, 1, 2]) await (await fetch(`${server.url}/items/${i}`)).text();
          return c.mode;
        },
        { dir, maxAge: '30d', onExpired: 'record' },
      );
      expect(mode).toBe('record');
    } finally {
      await server.close();
    }
    const after = JSON.parse(await readFile(file, 'utf8')) as { meta: { recordedAt: string }; interactions: Array<{ request: { url: string } }> };
    expect(after.meta.recordedAt).not.toBe('2020-01-01T00:00:00.000Z');
    expect(after.interactions.map((i) => i.request.url)).toEqual([0, 1, 2].map((i) => `${server.url}/items/${i}`));
    const replayed = await withCassette('items', async () => (await fetch(`${server.url}/items/2`)).text(), { dir, mode: 'replay', strict: false });
    expect(replayed).toBe(item(2));
  });
});
