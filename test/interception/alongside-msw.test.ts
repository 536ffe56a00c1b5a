import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installInterception, isIntercepting, uninstallInterception } from '../../src/interception/index.js';
import { withCassette } from '../../src/session/index.js';
import { startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// A test's own msw 2 server beside reeltape (one interceptors copy, deduped by npm): whichever is
// started first, the msw handlers answer first and what they answer is never recorded; neither
// side stops the other's interception; once both are closed the originals are back.

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
let msw: SetupServer | undefined;

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
  const started = setupServer(
    mswHttp.get(`${server.url}/only-in-msw`, () => HttpResponse.json({ from: 'msw' })),
    mswHttp.get(`${server.url}/only-in-msw-http`, () => HttpResponse.json({ from: 'msw', via: 'http' })),
  );
  started.listen({ onUnhandledRequest: 'bypass' });
  msw = started;
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

describe.each([
  ['msw server first', () => (startMsw(), installInterception())],
  ['reeltape first', () => (installInterception(), startMsw())],
  ['msw server first, cassette installs lazily', () => startMsw()],
])('%s', (_order, start) => {
  it('msw answers its routes (never recorded), the cassette records and replays the rest', async () => {
    start();
    const name = `order-${_order.replace(/\W+/g, '-')}`;
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
    await withCassette(`close-${_order.replace(/\W+/g, '-')}`, run, { mode: 'record', dir });
    uninstallInterception();
    // msw still answers after reeltape let go
    expect(await (await fetch(`${server.url}/only-in-msw`)).json()).toEqual({ from: 'msw' });
    expect(JSON.parse(await getText(`${server.url}/only-in-msw-http`))).toEqual({ from: 'msw', via: 'http' });
    msw!.close();
    msw = undefined;
    expectOriginals();

    start();
    msw!.close();
    msw = undefined;
    // reeltape still records after msw let go
    await withCassette('after-msw', () => fetch(`${server.url}/json`).then((r) => r.json()), { mode: 'record', dir });
    expect(await recordedUrls('after-msw')).toEqual(['/json']);
    uninstallInterception();
    expectOriginals();
  });
});

it('msw closed and listening again beside reeltape: not patched twice, its routes still never recorded', async () => {
  installInterception();
  startMsw();
  msw!.close();
  startMsw();
  const recorded = await withCassette('relisten', run, { mode: 'record', dir });
  expect(recorded[2]).toEqual({ from: 'msw' });
  expect(await recordedUrls('relisten')).toEqual(['/json', '/json?via=http']);
  msw!.close();
  msw = undefined;
  uninstallInterception();
  expectOriginals();
});
