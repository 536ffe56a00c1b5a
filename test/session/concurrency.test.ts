import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import axios from 'axios';
import { expect, it } from 'vitest';
import { CassetteMismatchError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

let server: TestServer;
let dir: string;
useServerAndDir('concurrency', startTestServer, (s, d) => ((server = s), (dir = d)));

const paths = async (name: string): Promise<string[]> => {
  const c = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as { interactions: Array<{ request: { url: string } }> };
  return c.interactions.map((i) => {
    const u = new URL(i.request.url);
    return u.pathname + u.search;
  });
};

/** Interleaves requests of one cassette with another's: each step yields to the event loop. */
async function steps(tag: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${server.url}/echo?cassette=${tag}&i=${i}`);
    out.push(((await res.json()) as { url: string }).url);
    await new Promise((r) => setTimeout(r, 1));
  }
  return out;
}

it('two cassettes in flight each record and replay only their own interactions', async () => {
  const shared = new http.Agent({ keepAlive: true });
  const viaAxios = (tag: string) => axios.get(`${server.url}/echo?cassette=${tag}&client=axios`, { httpAgent: shared }).then((r) => r.data as unknown);
  const run = (tag: string) => async () => [...(await steps(tag, 4)), await viaAxios(tag)];
  const recorded = await Promise.all([
    withCassette('left', run('left'), { dir, mode: 'record' }),
    withCassette('right', run('right'), { dir, mode: 'record' }),
  ]);
  expect(await paths('left')).toEqual([0, 1, 2, 3].map((i) => `/echo?cassette=left&i=${i}`).concat('/echo?cassette=left&client=axios'));
  expect(await paths('right')).toEqual([0, 1, 2, 3].map((i) => `/echo?cassette=right&i=${i}`).concat('/echo?cassette=right&client=axios'));

  await server.close();
  const replayed = await Promise.all([
    withCassette('left', run('left'), { dir, mode: 'replay', strict: true }),
    withCassette('right', run('right'), { dir, mode: 'replay', strict: true }),
  ]);
  expect(replayed).toEqual(recorded);
  shared.destroy();
});

it("a request of one cassette is not matched against another's interactions", async () => {
  await withCassette('only-left', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
  await withCassette('only-right', () => fetch(`${server.url}/text`), { dir, mode: 'record' });
  await server.close();
  const [left, right] = await Promise.allSettled([
    withCassette('only-left', () => fetch(`${server.url}/json`).then((r) => r.json()), { dir, mode: 'replay' }),
    withCassette('only-right', () => fetch(`${server.url}/json`).then((r) => r.json()), { dir, mode: 'replay' }),
  ]);
  expect(left).toEqual({ status: 'fulfilled', value: { hello: 'world', n: 1 } });
  expect(right.status).toBe('rejected');
  expect((right as PromiseRejectedResult).reason).toBeInstanceOf(CassetteMismatchError);
});

it('interception stays after the last cassette closes, and requests outside any cassette pass through', async () => {
  await withCassette('stop', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
  const { isIntercepting } = await import('../../src/interception/index.js');
  expect(isIntercepting()).toBe(true);
  expect(await (await fetch(`${server.url}/json`)).json()).toEqual({ hello: 'world', n: 1 });
});
