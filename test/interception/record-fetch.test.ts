import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bodyToBytes, parseCassette } from '../../src/cassette/index.js';
import { uninstallInterception } from '../../src/interception/index.js';
import { withCassette } from '../../src/session/index.js';
import { comparableHeaders, type Observed, startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// While reeltape owns the fetch interceptor, it performs recorded fetch requests itself and answers
// the client with the live response, its body fed from the same reader the capture uses
// (src/interception/record-fetch.ts): in mode `record` from its own `fetch` laid over the
// interceptor's (delivered directly), in mode `update` through the interceptor's `respondWith`.
// What the client sees while recording must be what it sees with no reeltape at all, either way.

let server: TestServer;
let dir: string;
useServerAndDir('record-fetch', startTestServer, (s, d) => ((server = s), (dir = d)));

async function observe(url: string, init?: RequestInit): Promise<Observed & { redirected: boolean }> {
  const res = await fetch(url, init);
  const headers: Record<string, string | string[]> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return { status: res.status, headers: comparableHeaders(headers), body: Buffer.from(await res.arrayBuffer()), redirected: res.redirected };
}

async function storedCassette(name: string) {
  const file = join(dir, `${name}.json`);
  return parseCassette(await readFile(file, 'utf8'), file);
}

describe.each(['record', 'update'] as const)('fetch while recording (mode %s)', (mode) => {
  const paths = ['/json', '/text', '/binary', '/gzip', '/deflate', '/br', '/cookies', '/chunked', '/redirect', '/status/204', '/status/302', '/status/500', '/nothing-here'];

  it.each(paths)('GET %s: the client sees exactly what it sees without reeltape', async (path) => {
    const live = await observe(`${server.url}${path}`);
    const recorded = await withCassette('fidelity', () => observe(`${server.url}${path}`), { dir, mode });
    // as in replay, `redirected` (and `url`) describe the request: fetch followed /redirect on the way
    expect({ ...recorded, redirected: live.redirected }).toEqual(live);
    const cassette = await storedCassette('fidelity');
    expect(cassette.interactions).toHaveLength(1);
    expect(cassette.interactions[0]?.response.status).toBe(live.status);
  });

  it('a final redirect status that fetch did not follow (no Location) reaches the client as it is, recorded once', async () => {
    const recorded = await withCassette('no-location', () => observe(`${server.url}/status/302`), { dir, mode });
    expect(recorded.status).toBe(302);
    expect(server.hits).toEqual(['GET /status/302']);
    const replayed = await withCassette('no-location', () => observe(`${server.url}/status/302`), { dir, mode: 'replay' });
    expect(replayed.status).toBe(302);
    expect(server.hits).toEqual(['GET /status/302']);
  });

  it('HEAD: no body, headers as live', async () => {
    const live = await observe(`${server.url}/json`, { method: 'HEAD' });
    const recorded = await withCassette('head', () => observe(`${server.url}/json`, { method: 'HEAD' }), { dir, mode });
    expect(recorded).toEqual(live);
    expect(recorded.body.byteLength).toBe(0);
  });

  it('records the whole body of a response the client never reads', async () => {
    await withCassette(
      'unread',
      async () => {
        const res = await fetch(`${server.url}/chunked`);
        expect(res.status).toBe(200);
      },
      { dir, mode },
    );
    const [interaction] = (await storedCassette('unread')).interactions;
    expect(Buffer.from(bodyToBytes(interaction!.response.body)).toString('utf8')).toBe('part1 part2 part3');
  });

  it('records the whole body when the client cancels its copy half-way', async () => {
    await withCassette(
      'cancelled',
      async () => {
        const res = await fetch(`${server.url}/chunked`);
        const reader = res.body!.getReader();
        await reader.read();
        await reader.cancel();
      },
      { dir, mode },
    );
    const [interaction] = (await storedCassette('cancelled')).interactions;
    expect(Buffer.from(bodyToBytes(interaction!.response.body)).toString('utf8')).toBe('part1 part2 part3');
  });

  it('a refused connection rejects the client as it does live, and is recorded as a failure', async () => {
    const closed = await startTestServer();
    const url = `${closed.url}/json`;
    await closed.close();
    const live = await fetch(url).catch((error: unknown) => error);
    const recorded = await withCassette('refused', () => fetch(url).catch((error: unknown) => error), { dir, mode, saveOnError: true });
    expect(recorded).toBeInstanceOf(TypeError);
    expect((recorded as TypeError).message).toBe((live as TypeError).message);
    expect(((recorded as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    const interactions = parseCassette(await readFile(join(dir, 'refused.json'), 'utf8'), 'refused.json').interactions;
    expect(interactions).toHaveLength(1);
    expect(interactions[0]!.failure).toMatchObject({ error: { code: 'ECONNREFUSED' } });
  });

  it('an aborted request rejects the client with its abort reason', async () => {
    const controller = new AbortController();
    const run = withCassette(
      'aborted',
      async () => {
        const pending = fetch(`${server.url}/slow?ms=2000`, { signal: controller.signal });
        setTimeout(() => controller.abort(new Error('gave up')), 50);
        return pending;
      },
      { dir, mode },
    );
    await expect(run).rejects.toThrow('gave up');
  });

  it('many concurrent recorded requests each get their own body, and replay gives the same', async () => {
    const run = (base: string) => Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${base}/echo?i=${i}`).then((r) => r.json() as Promise<{ url: string }>)));
    const recorded = await withCassette('concurrent', () => run(server.url), { dir, mode });
    expect(recorded.map((r) => r.url)).toEqual(Array.from({ length: 40 }, (_, i) => `/echo?i=${i}`));
    await server.close();
    const replayed = await withCassette('concurrent', () => run(server.url), { dir, mode: 'replay' });
    expect(replayed).toEqual(recorded);
  });
});

describe('reeltape’s own fetch while recording', () => {
  it('is laid over the global fetch for the life of the process, until uninstallInterception()', async () => {
    uninstallInterception();
    const original = globalThis.fetch;
    const during = await withCassette('global', () => globalThis.fetch, { dir, mode: 'record' });
    expect(during).not.toBe(original);
    expect(globalThis.fetch).toBe(during); // a cassette closing leaves interception in place
    uninstallInterception();
    expect(globalThis.fetch).toBe(original);
  });

  it('leaves a fetch stub the code under test put in while the cassette was open, and intercepts again once it is gone', async () => {
    uninstallInterception();
    const original = globalThis.fetch;
    const stub = async (): Promise<Response> => new Response('stubbed');
    try {
      for (const mode of ['record', 'replay'] as const) {
        await withCassette(
          'stubbed',
          () => {
            globalThis.fetch = stub;
          },
          { dir, mode },
        );
        expect(globalThis.fetch, mode).toBe(stub);
        globalThis.fetch = original; // the test puts back what it saved, removing reeltape's layer too
      }
      // the next cassette lays it again
      const during = await withCassette('stubbed', () => globalThis.fetch, { dir, mode: 'replay' });
      expect(during).not.toBe(original);
      uninstallInterception();
      expect(globalThis.fetch).toBe(original);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('rejects a bad URL as fetch does (a rejected promise, not a throw), and records nothing', async () => {
    const live = await fetch('not a url').catch((error: unknown) => error);
    const recorded = await withCassette(
      'bad-url',
      () => {
        const pending = fetch('not a url');
        expect(pending).toBeInstanceOf(Promise);
        return pending.catch((error: unknown) => error);
      },
      { dir, mode: 'record' },
    );
    expect(recorded).toBeInstanceOf(TypeError);
    expect((recorded as TypeError).message).toBe((live as TypeError).message);
    expect((await storedCassette('bad-url')).interactions).toEqual([]);
  });

  it('a request outside the cassette goes out untouched and is not recorded, while one inside is', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const recording = withCassette(
      'inside',
      async () => {
        const res = await fetch(`${server.url}/json`);
        await res.arrayBuffer();
        await gate;
      },
      { dir, mode: 'record' },
    );
    await vi.waitFor(() => expect(server.hits).toContain('GET /json'));
    const outside = await fetch(`${server.url}/text`); // outside any cassette, while it is open
    expect(outside.status).toBe(200);
    release();
    await recording;
    const cassette = await storedCassette('inside');
    expect(cassette.interactions.map((i) => i.request.url)).toEqual([`${server.url}/json`]);
    expect(server.hits).toEqual(['GET /json', 'GET /text']);
  });
});
