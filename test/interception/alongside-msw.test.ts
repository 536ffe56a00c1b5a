import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installInterception, isIntercepting, uninstallInterception } from '../../src/interception/index.js';
import { withCassette } from '../../src/session/index.js';
import { createCertificate, startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// A test's own msw server beside reeltape, msw 2 (one interceptors copy, deduped by npm) and msw 3
// (interceptors 0.45, intercepting sockets; needs Node 22.12+): whichever is started first, the msw
// handlers answer first and what they answer is never recorded; neither side stops the other's
// interception; once both are closed the originals are back.

/** What the tests use of msw 2 and msw 3 (`msw3` is the devDependency alias of msw 3). */
interface Msw {
  major: 2 | 3;
  mocks: (base: string) => unknown[];
  start: (handlers: unknown[]) => { close(): void };
}
async function loadMsw(major: 2 | 3): Promise<Msw> {
  const name = major === 2 ? 'msw' : 'msw3';
  const core = (await import(name)) as typeof import('msw');
  const node = (await import(`${name}/node`)) as typeof import('msw/node');
  return {
    major,
    mocks: (base) => [
      core.http.get(`${base}/only-in-msw`, () => core.HttpResponse.json({ from: 'msw' })),
      core.http.get(`${base}/only-in-msw-http`, () => core.HttpResponse.json({ from: 'msw', via: 'http' })),
    ],
    start: (handlers) => {
      const started = node.setupServer(...(handlers as Parameters<typeof node.setupServer>));
      // msw 3 renamed onUnhandledRequest to onUnhandledFrame
      started.listen((major === 2 ? { onUnhandledRequest: 'bypass' } : { onUnhandledFrame: 'bypass' }) as Parameters<typeof started.listen>[0]);
      return started;
    },
  };
}
const nodeMajor = Number(process.versions.node.split('.')[0]);

let server: TestServer;
let dir: string;
useServerAndDir('alongside-msw', startTestServer, (s, d) => ((server = s), (dir = d)));

const originals = {
  fetch: globalThis.fetch,
  httpRequest: http.request,
  httpGet: http.get,
  httpsRequest: https.request,
  httpsGet: https.get,
};
let msw: { close(): void } | undefined;
let lib: Msw;

beforeAll(() => {
  uninstallInterception();
  // the suite starts from the originals (nothing else in this file installed interception yet)
  expect(globalThis.fetch).toBe(originals.fetch);
});

afterEach(() => {
  msw?.close();
  msw = undefined;
  uninstallInterception();
});

const getText = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });

function startMsw(): void {
  msw = lib.start(lib.mocks(server.url));
}

const run = (): Promise<unknown[]> =>
  Promise.all([
    fetch(`${server.url}/json`).then((r) => r.json()),
    getText(`${server.url}/json?via=http`).then((t) => JSON.parse(t) as unknown),
    fetch(`${server.url}/only-in-msw`).then((r) => r.json()),
    getText(`${server.url}/only-in-msw-http`).then((t) => JSON.parse(t) as unknown),
  ]);

async function recordedUrls(name: string): Promise<string[]> {
  const cassette = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as { interactions: Array<{ request: { url: string } }> };
  return cassette.interactions.map((i) => new URL(i.request.url).pathname + new URL(i.request.url).search).sort();
}

function expectOriginals(): void {
  expect(globalThis.fetch).toBe(originals.fetch);
  expect(http.request).toBe(originals.httpRequest);
  expect(http.get).toBe(originals.httpGet);
  expect(https.request).toBe(originals.httpsRequest);
  expect(https.get).toBe(originals.httpsGet);
}

describe.each([2, 3] as const)('msw %i', (major) => {
  beforeAll(async () => {
    lib = await loadMsw(major);
  });
  if (major === 3 && nodeMajor < 22) {
    it.skip('msw 3 needs Node 22.12+ (runs in the Node 22 and 24 legs of .ci/run)', () => undefined);
    return;
  }

  describe.each([
    ['msw server first', () => (startMsw(), installInterception())],
    ['reeltape first', () => (installInterception(), startMsw())],
    ['msw server first, cassette installs lazily', () => startMsw()],
  ])('%s', (_order, start) => {
    it('msw answers its routes (never recorded), the cassette records and replays the rest', async () => {
      start();
      const name = `msw${major}-order-${_order.replace(/\W+/g, '-')}`;
      const recorded = await withCassette(name, run, { mode: 'record', dir });
      expect(recorded[2]).toEqual({ from: 'msw' });
      expect(recorded[3]).toEqual({ from: 'msw', via: 'http' });
      expect(await recordedUrls(name)).toEqual(['/json', '/json?via=http']);
      const hits = server.hits.length;
      const replayed = await withCassette(name, run, { mode: 'replay', dir });
      expect(replayed).toEqual(recorded);
      expect(server.hits.length).toBe(hits); // replay reached nothing
      // the cassette closing leaves both interceptions working
      expect(isIntercepting()).toBe(true);
      expect(await (await fetch(`${server.url}/only-in-msw`)).json()).toEqual({ from: 'msw' });
      expect(JSON.parse(await getText(`${server.url}/only-in-msw-http`))).toEqual({ from: 'msw', via: 'http' });
    });

    it('once both are closed, in either order, fetch and http(s).request/get are the originals', async () => {
      start();
      await withCassette(`msw${major}-close-${_order.replace(/\W+/g, '-')}`, run, { mode: 'record', dir });
      uninstallInterception();
      // msw still answers after reeltape let go
      expect(await (await fetch(`${server.url}/only-in-msw`)).json()).toEqual({ from: 'msw' });
      expect(JSON.parse(await getText(`${server.url}/only-in-msw-http`))).toEqual({ from: 'msw', via: 'http' });
      msw!.close();
      msw = undefined;
      // the originals are back at once (also when msw 3 had patched on top of reeltape), and
      // requests outside any cassette go out untouched
      expectOriginals();
      expect(await (await fetch(`${server.url}/json`)).json()).toEqual({ hello: 'world', n: 1 });
      expect(JSON.parse(await getText(`${server.url}/json`))).toEqual({ hello: 'world', n: 1 });
      expectOriginals();

      start();
      msw!.close();
      msw = undefined;
      // reeltape still records after msw let go
      await withCassette(`msw${major}-after-msw`, () => fetch(`${server.url}/json`).then((r) => r.json()), { mode: 'record', dir });
      expect(await recordedUrls(`msw${major}-after-msw`)).toEqual(['/json']);
      uninstallInterception();
      expectOriginals();
    });
  });

  it('https (CA trusted only by the client): msw answers its route, the rest records and replays with 0 hits', async () => {
    const cert = await createCertificate();
    const secure = await startTestServer({ tls: cert });
    try {
      const getSecure = (path: string): Promise<unknown> =>
        new Promise((resolve, reject) => {
          https
            .get(`${secure.url}${path}`, { ca: cert.cert }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (text += c));
              res.on('end', () => resolve(JSON.parse(text)));
            })
            .on('error', reject);
        });
      installInterception();
      msw = lib.start([...lib.mocks(secure.url)]);
      const runSecure = async (): Promise<unknown[]> => [await getSecure('/json'), await getSecure('/only-in-msw-http')];
      const recorded = await withCassette(`msw${major}-https`, runSecure, { mode: 'record', dir });
      expect(recorded).toEqual([{ hello: 'world', n: 1 }, { from: 'msw', via: 'http' }]);
      expect(await recordedUrls(`msw${major}-https`)).toEqual(['/json']);
      const hits = secure.hits.length;
      expect(await withCassette(`msw${major}-https`, runSecure, { mode: 'replay', dir })).toEqual(recorded);
      expect(secure.hits.length).toBe(hits);
    } finally {
      await secure.close();
    }
  });

  it('reeltape stopped under a listening msw, then a cassette opens: msw still answers first, the rest is recorded', async () => {
    installInterception();
    startMsw();
    uninstallInterception(); // msw 3 patched over reeltape: reeltape's interceptor stays until msw closes
    const recorded = await withCassette(`msw${major}-readopted`, run, { mode: 'record', dir });
    expect(recorded[2]).toEqual({ from: 'msw' });
    expect(recorded[3]).toEqual({ from: 'msw', via: 'http' });
    expect(await recordedUrls(`msw${major}-readopted`)).toEqual(['/json', '/json?via=http']);
    uninstallInterception();
    // msw still answers after reeltape let go again; once it closes too, the originals are back
    expect(await (await fetch(`${server.url}/only-in-msw`)).json()).toEqual({ from: 'msw' });
    expect(JSON.parse(await getText(`${server.url}/only-in-msw-http`))).toEqual({ from: 'msw', via: 'http' });
    msw!.close();
    msw = undefined;
    expectOriginals();
  });

  it('msw closed and listening again beside reeltape: not patched twice, its routes still never recorded', async () => {
    installInterception();
    startMsw();
    msw!.close();
    startMsw();
    const recorded = await withCassette(`msw${major}-relisten`, run, { mode: 'record', dir });
    expect(recorded[2]).toEqual({ from: 'msw' });
    expect(await recordedUrls(`msw${major}-relisten`)).toEqual(['/json', '/json?via=http']);
    msw!.close();
    msw = undefined;
    uninstallInterception();
    expectOriginals();
  });
});
