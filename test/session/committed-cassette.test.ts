/**
 * A cassette committed to the repository (cassettes/examples/paginated-users.json, recorded once from a
 * local server that is gone) replays in the default mode and directory: `auto` replays an existing
 * cassette, and with `CI` set it could do nothing else. No server, no token.
 */
import { readFile } from 'node:fs/promises';
import axios from 'axios';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { withCassette } from '../../src/session/index.js';

beforeEach(() => vi.stubEnv('REELTAPE_MODE', ''));
afterEach(() => vi.unstubAllEnvs());

async function followPages(get: (url: string) => Promise<{ users: unknown[]; link: string | null; encoding: string | null }>) {
  const users: unknown[] = [];
  const encodings: Array<string | null> = [];
  let next: string | undefined = 'http://127.0.0.1:4599/users?page=1';
  while (next) {
    const page = await get(next);
    users.push(...page.users);
    encodings.push(page.encoding);
    next = /<([^>]+)>;\s*rel="next"/.exec(page.link ?? '')?.[1];
  }
  return { users, encodings };
}

const expected = [{ id: 1, login: 'ada' }, { id: 2, login: 'grace' }, { id: 3, login: 'linus' }];

it('replays the committed cassette with fetch: Link pagination and gzip, with a dummy token', async () => {
  const before = await readFile('cassettes/examples/paginated-users.json');
  const result = await withCassette('examples/paginated-users', (cassette) => {
    expect(cassette.mode).toBe('replay');
    return followPages(async (url) => {
      const res = await fetch(url, { headers: { authorization: 'Bearer dummy-token-for-replay' } });
      return { users: (await res.json()) as unknown[], link: res.headers.get('link'), encoding: res.headers.get('content-encoding') };
    });
  });
  expect(result.users).toEqual(expected);
  expect(result.encodings).toEqual(['gzip', 'gzip']);
  expect(await readFile('cassettes/examples/paginated-users.json')).toEqual(before); // replay never writes
});

it('replays the same cassette with axios (node:http), which decompresses the re-encoded body itself', async () => {
  const result = await withCassette('examples/paginated-users', () =>
    followPages(async (url) => {
      const res = await axios.get<unknown[]>(url, { headers: { authorization: 'Bearer another-dummy-token' } });
      return { users: res.data, link: (res.headers.link as string | undefined) ?? null, encoding: null };
    }),
  );
  expect(result.users).toEqual(expected);
});
