import { get } from 'node:http';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { expect, it } from 'vitest';
import { isIntercepting } from '../../src/interception/index.js';
import { withCassette } from '../../src/session/index.js';
import { startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// reeltape drives @mswjs/interceptors directly; a test's own MSW server uses the same interceptors.
// Whichever is applied first owns them: neither may stop the other's interception.

let server: TestServer;
let dir: string;
useServerAndDir('alongside-msw', startTestServer, (s, d) => ((server = s), (dir = d)));

const getText = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });

it('records and replays while the test’s own MSW server is listening, and leaves it working', async () => {
  const mocked = `${server.url}/only-in-msw`;
  const msw = setupServer(mswHttp.get(mocked, () => HttpResponse.json({ from: 'msw' })));
  msw.listen({ onUnhandledRequest: 'bypass' });
  try {
    const run = () =>
      Promise.all([
        fetch(`${server.url}/json`).then((r) => r.text()),
        getText(`${server.url}/json?via=http`),
        fetch(mocked).then((r) => r.json()),
      ]);
    const recorded = await withCassette('alongside', run, { mode: 'record', dir });
    const hits = server.hits.length;
    const replayed = await withCassette('alongside', run, { mode: 'replay', dir });
    expect(replayed).toEqual(recorded);
    expect(recorded[2]).toEqual({ from: 'msw' });
    expect(server.hits.length).toBe(hits); // replay reached nothing
    expect(isIntercepting()).toBe(false);
    // the MSW server still intercepts after reeltape let go
    expect(await (await fetch(mocked)).json()).toEqual({ from: 'msw' });
    expect(JSON.parse(await getText(mocked))).toEqual({ from: 'msw' });
  } finally {
    msw.close();
  }
});
