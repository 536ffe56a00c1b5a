import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it, vi } from 'vitest';
import { reportLateRequests, withCassette } from '../../src/session/index.js';
import { startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// A request that carries the async context of a cassette that already closed (a timer started
// inside it) never reaches the network from a replay, and is reported with the cassette and request.

let server: TestServer;
let dir: string;
useServerAndDir('late-requests', startTestServer, (s, d) => ((server = s), (dir = d)));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs a cassette whose code starts a timer that fetches after the cassette is done. */
async function withLateTimer(name: string, mode: 'record' | 'replay'): Promise<Promise<string>> {
  let late!: Promise<string>;
  await withCassette(
    name,
    async () => {
      await (await fetch(`${server.url}/json`)).text();
      late = new Promise((resolve) => {
        setTimeout(() => {
          fetch(`${server.url}/json?late=1`).then(
            (r) => r.text().then(() => resolve(`status ${r.status}`)),
            (error: Error) => resolve(`rejected ${error.name}`),
          );
        }, 30);
      });
    },
    { dir, mode },
  );
  return late;
}

it('from a replay: the late request gets a network error, reaches nothing, and is reported by the next reeltape event', async () => {
  await withCassette('late', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'record' });
  reportLateRequests();
  const hits = server.hits.length;
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const outcome = await withLateTimer('late', 'replay');
  expect(await outcome).toBe('rejected TypeError');
  await sleep(20);
  expect(server.hits.length).toBe(hits); // never reached the network
  // the next reeltape event reports it
  await withCassette('late', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'replay' });
  const report = warn.mock.calls.map((c) => String(c[0])).join('\n');
  expect(report).toContain(`GET ${server.url}/json?late=1 (cassette "late", mode replay`);
  expect(report).toContain('never reached the network');
  expect(reportLateRequests()).toEqual([]); // reported once
});

it('from a recording: the late request goes out, is not recorded, and is reported as not recorded', async () => {
  vi.stubEnv('CI', 'false'); // CI runs this suite with CI set, which blocks late requests
  reportLateRequests();
  const outcome = await withLateTimer('late-record', 'record');
  expect(await outcome).toBe('status 200');
  expect(server.hits.includes('GET /json?late=1')).toBe(true);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const reported = reportLateRequests();
  expect(reported).toEqual([
    expect.objectContaining({ cassette: 'late-record', mode: 'record', request: `GET ${server.url}/json?late=1`, outcome: 'not recorded' }),
  ]);
});

it('from a recording with CI set: blocked as from a replay', async () => {
  reportLateRequests();
  const hits = server.hits.filter((h) => h === 'GET /json?late=1').length;
  vi.stubEnv('CI', 'true');
  const outcome = await withLateTimer('late-record-ci', 'record');
  expect(await outcome).toBe('rejected TypeError');
  expect(server.hits.filter((h) => h === 'GET /json?late=1').length).toBe(hits);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  expect(reportLateRequests()).toEqual([expect.objectContaining({ cassette: 'late-record-ci', outcome: 'blocked' })]);
});

it('a setInterval started in a replay: every tick after the cassette closed (fetch and http.get) is blocked and reported', async () => {
  await withCassette('late-interval', () => fetch(`${server.url}/json`).then((r) => r.text()), { dir, mode: 'record' });
  reportLateRequests();
  const hits = server.hits.length;
  const outcomes: Array<Promise<string>> = [];
  await withCassette(
    'late-interval',
    async () => {
      await (await fetch(`${server.url}/json`)).text();
      let tick = 0;
      const timer = setInterval(() => {
        if (++tick === 3) clearInterval(timer);
        outcomes.push(fetch(`${server.url}/json?tick=${tick}`).then((r) => `status ${r.status}`, (e: Error) => `rejected ${e.name}`));
        outcomes.push(
          new Promise((resolve) => {
            http.get(`${server.url}/json?http=${tick}`, (r) => resolve(`status ${r.statusCode}`)).on('error', (e) => resolve(`error ${e.message}`));
          }),
        );
      }, 10);
    },
    { dir, mode: 'replay' },
  );
  await vi.waitFor(() => expect(outcomes).toHaveLength(6));
  expect(await Promise.all(outcomes)).toEqual(Array.from({ length: 3 }, () => ['rejected TypeError', 'error Network error']).flat());
  expect(server.hits.length).toBe(hits);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const reported = reportLateRequests().map((late) => `${late.request} ${late.outcome}`);
  expect(reported.sort()).toEqual([1, 2, 3].flatMap((n) => [`GET ${server.url}/json?http=${n} blocked`, `GET ${server.url}/json?tick=${n} blocked`]).sort());
});
