/**
 * Body-less GETs with plain URLs (once a fast path that skipped the sanitizers; since issue 16 every
 * request is sanitized before matching) replay under every option mix: sanitized live requests still
 * match, mismatches are still explained.
 */
import { expect, it } from 'vitest';
import { CassetteMismatchError } from '../../src/errors/index.js';
import { withCassette } from '../../src/session/index.js';
import { useServerAndDir } from '../helpers/index.js';
import { startBigBodyServer, type BigBodyServer } from './big-body-server.js';

let server: BigBodyServer;
let dir: string;
useServerAndDir('fast-path', startBigBodyServer, (s, d) => ((server = s), (dir = d)));

const get = (url: string, token: string): Promise<unknown> => fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());

it.each([
  ['plain URLs, default matching', {}],
  ['matching the (redacted) authorization header', { match: { headers: ['authorization'] } }],
  ['a custom sanitizer in the chain', { sanitizers: [{ name: 'noop', request: () => undefined }] }],
])('replays with %s, a dummy token matching the redacted real one', async (_label, extra) => {
  const urls = [`${server.url}/item/1`, `${server.url}/item/2`];
  const run = async (token: string): Promise<unknown[]> => [await get(urls[0]!, token), await get(urls[1]!, token)];
  const recorded = await withCassette('fast', () => run('real-token-123456'), { dir, mode: 'record', ...extra });
  const hits = server.hits.length;
  expect(await withCassette('fast', () => run('dummy-token-000000'), { dir, mode: 'replay', ...extra })).toEqual(recorded);
  expect(server.hits.length).toBe(hits);
});

it('an unmatched plain GET still gets a full mismatch explanation', async () => {
  await withCassette('fast-miss', () => fetch(`${server.url}/item/1`).then((r) => r.arrayBuffer()), { dir, mode: 'record' });
  const error = await withCassette('fast-miss', () => fetch(`${server.url}/item/2`).catch(() => undefined), { dir, mode: 'replay' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CassetteMismatchError);
  expect((error as CassetteMismatchError).details.request).toBe(`GET ${server.url}/item/2`);
  expect((error as CassetteMismatchError).details.candidates[0]?.request).toBe(`GET ${server.url}/item/1`);
});
