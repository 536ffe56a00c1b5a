import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseCassette } from '../../src/cassette/index.js';
import { SanitizerError } from '../../src/errors/index.js';
import type { Sanitizer } from '../../src/sanitizers/index.js';
import { withCassette } from '../../src/session/index.js';
import { startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// Recorded interactions are sanitized in request order while the recording runs, in the time the
// client waits for its next response, instead of all at once when the cassette is written. The
// outcome must be the one of sanitizing at the end: same order, each once, errors at the same place.

let server: TestServer;
let dir: string;
useServerAndDir('early-sanitizing', startTestServer, (s, d) => ((server = s), (dir = d)));

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A response hook that notes the interactions it sees (and the time it sees), and marks the body. */
function noting(): Sanitizer & { seen: Array<{ index: number; url: string | undefined; now: number }> } {
  const seen: Array<{ index: number; url: string | undefined; now: number }> = [];
  return {
    name: 'noting',
    seen,
    response(response, ctx) {
      seen.push({ index: ctx.index, url: ctx.request?.url, now: Date.now() });
      return { ...response, headers: { ...response.headers, 'x-seen-as': String(ctx.index) } };
    },
  };
}

describe('sanitizing while recording', () => {
  it('runs each hook once per interaction, in request order, before the recording ends', async () => {
    const sanitizer = noting();
    const seenDuring: number[][] = [];
    await withCassette(
      'order',
      async () => {
        for (const path of ['/json', '/text', '/echo?x=1']) {
          await (await fetch(`${server.url}${path}`)).arrayBuffer();
          await turns(3);
          seenDuring.push(sanitizer.seen.map((s) => s.index));
        }
      },
      { dir, mode: 'record', sanitizers: [sanitizer] },
    );
    expect(seenDuring).toEqual([[0], [0, 1], [0, 1, 2]]);
    expect(sanitizer.seen.map((s) => s.url)).toEqual([`${server.url}/json`, `${server.url}/text`, `${server.url}/echo?x=1`]);
    const file = join(dir, 'order.json');
    const cassette = parseCassette(await readFile(file, 'utf8'), file);
    expect(cassette.interactions.map((i) => i.response.headers['x-seen-as'])).toEqual(['0', '1', '2']);
  });

  it('keeps request order when responses arrive out of order', async () => {
    const sanitizer = noting();
    await withCassette(
      'out-of-order',
      () => Promise.all([fetch(`${server.url}/slow?ms=150`).then((r) => r.text()), fetch(`${server.url}/json`).then((r) => r.text())]),
      { dir, mode: 'record', sanitizers: [sanitizer] },
    );
    expect(sanitizer.seen.map((s) => [s.index, s.url])).toEqual([
      [0, `${server.url}/slow?ms=150`],
      [1, `${server.url}/json`],
    ]);
  });

  it('runs hooks outside the cassette’s frozen time', async () => {
    const sanitizer = noting();
    await withCassette(
      'clock',
      async () => {
        expect(new Date().getUTCFullYear()).toBe(2001);
        await (await fetch(`${server.url}/json`)).text();
        await turns(3);
      },
      { dir, mode: 'record', sanitizers: [sanitizer], freezeTime: '2001-02-03T04:05:06Z' },
    );
    expect(sanitizer.seen).toHaveLength(1);
    expect(sanitizer.seen[0]!.now).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
  });

  it('a hook that throws while the recording runs still fails the write with SanitizerError naming the interaction, writing nothing', async () => {
    const broken: Sanitizer = {
      name: 'breaks-on-second',
      response(response, ctx) {
        if (ctx.index === 1) throw new Error('cannot parse');
        return response;
      },
    };
    const run = withCassette(
      'broken',
      async () => {
        await (await fetch(`${server.url}/json`)).text();
        await (await fetch(`${server.url}/text`)).text();
        await turns(3);
        return 'fn finished';
      },
      { dir, mode: 'record', sanitizers: [broken] },
    );
    await expect(run).rejects.toBeInstanceOf(SanitizerError);
    await expect(run).rejects.toMatchObject({ sanitizer: 'breaks-on-second', interaction: 1 });
    expect((await readdir(dir)).filter((f) => f.startsWith('broken'))).toEqual([]);
  });

  it('with saveOnError on (the default), a hook that throws while saving does not replace the code’s own error: the failed save is reported beside it', async () => {
    const broken: Sanitizer = {
      name: 'always-breaks',
      response() {
        throw new Error('cannot parse');
      },
    };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const run = withCassette(
        'own-error-saved',
        async () => {
          await (await fetch(`${server.url}/json`)).text();
          throw new Error('the test failed first');
        },
        { dir, mode: 'record', sanitizers: [broken] },
      );
      await expect(run).rejects.toThrow('the test failed first');
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/cassette "own-error-saved" \(.*own-error-saved\.json\) was not saved after the code under test threw: SanitizerError: .*always-breaks/);
      expect((await readdir(dir)).filter((f) => f.startsWith('own-error-saved'))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });

  it('with saveOnError off, a hook that threw while the recording ran does not replace the code’s own error', async () => {
    const broken: Sanitizer = {
      name: 'always-breaks',
      response() {
        throw new Error('cannot parse');
      },
    };
    const run = withCassette(
      'own-error',
      async () => {
        await (await fetch(`${server.url}/json`)).text();
        await turns(3);
        throw new Error('the test failed first');
      },
      { dir, mode: 'record', sanitizers: [broken], saveOnError: false },
    );
    await expect(run).rejects.toThrow('the test failed first');
    expect((await readdir(dir)).filter((f) => f.startsWith('own-error'))).toEqual([]);
  });
});
