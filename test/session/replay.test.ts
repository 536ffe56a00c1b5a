import http from 'node:http';
import { get as namedGet } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CassetteMismatchError, UnusedInteractionsError } from '../../src/errors/index.js';
import { onCassetteEvent, withCassette, type CassetteEvent } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

let server: TestServer;
let dir: string;

beforeEach(async () => {
  vi.stubEnv('REELTAPE_MODE', '');
  vi.stubEnv('REELTAPE_DEBUG', '');
  server = await startTestServer();
  dir = await makeTempDir('replay');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await server.close();
  await removeTempDirs();
});

const status = async (url: string): Promise<string> => ((await (await fetch(url)).json()) as { status: string }).status;

describe('repeated requests', () => {
  it('replay a polled endpoint in recorded order, then mismatch', async () => {
    const url = `${server.url}/poll`;
    const poll3 = async (): Promise<string[]> => [await status(url), await status(url), await status(url)];
    const recorded = await withCassette('poll', poll3, { dir, mode: 'record' });
    expect(recorded).toEqual(['STARTING', 'STARTING', 'RUNNING']);
    await server.close();
    expect(await withCassette('poll', poll3, { dir, mode: 'replay' })).toEqual(recorded);

    const error = await withCassette('poll', async () => [...(await poll3()), await status(url)], { dir, mode: 'replay' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CassetteMismatchError);
    expect((error as Error).message).toContain('already used');
    expect((error as Error).message).toContain('allowRepeats: true');
  });

  it('with allowRepeats, replay the last response again', async () => {
    const url = `${server.url}/poll`;
    await withCassette('poll', async () => [await status(url), await status(url), await status(url)], { dir, mode: 'record' });
    await server.close();
    const replayed = await withCassette('poll', async () => [await status(url), await status(url), await status(url), await status(url)], {
      dir,
      mode: 'replay',
      allowRepeats: true,
    });
    expect(replayed).toEqual(['STARTING', 'STARTING', 'RUNNING', 'RUNNING']);
  });
});

describe('mismatch', () => {
  it('rejects with an explaining CassetteMismatchError even when the client swallowed the network error', async () => {
    const post = (query: string, body: unknown) =>
      fetch(`${server.url}/echo?${query}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await withCassette('mm', () => post('page=2', { user: 'ada', limit: 10 }), { dir, mode: 'record' });
    await withCassette('mm', () => post('page=2', { user: 'ada', limit: 10 }), { dir, mode: 'replay' });

    let swallowed: unknown;
    const error = await withCassette(
      'mm',
      async () => {
        try {
          await post('page=3', { user: 'ada', limit: 20 });
        } catch (e) {
          swallowed = e; // the client saw a network error and the code ignored it
        }
        return 'ok';
      },
      { dir, mode: 'replay' },
    ).catch((e: unknown) => e);
    expect(swallowed).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(CassetteMismatchError);
    const { message, details } = error as CassetteMismatchError;
    expect(details.request).toBe(`POST ${server.url}/echo?page=3`);
    expect(message).toContain(`POST ${server.url}/echo?page=3`);
    expect(message).toContain('"limit":20'); // body excerpt
    expect(message).toContain(join(dir, 'mm.json'));
    expect(message).toContain('mode: replay');
    expect(message).toContain('#0 POST');
    expect(message).toMatch(/query\.page: "2" ≠ "3"/);
    expect(message).toMatch(/limit/);
    expect(message).toContain('REELTAPE_MODE=update');
    expect(message).toContain('REELTAPE_MODE=record');
    expect(message).toContain('1 of 1 recorded interaction(s) have not been played (#0)');
    expect(message).toContain(`ignoreHosts: ['${server.host}']`);
  });

  it('debug log says each request\'s fate and the matcher verdicts', async () => {
    await withCassette('dbg', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    const lines: string[] = [];
    await withCassette(
      'dbg',
      async () => {
        await fetch(`${server.url}/json`);
        await fetch(`${server.url}/text`).catch(() => undefined);
      },
      { dir, mode: 'replay', debug: (line) => lines.push(line) },
    ).catch(() => undefined);
    expect(lines).toContainEqual(`[reeltape dbg] GET ${server.url}/json → replayed #0`);
    expect(lines).toContainEqual(`[reeltape dbg] GET ${server.url}/text → unmatched (network error)`);
    expect(lines).toContainEqual('[reeltape dbg]     #0: method ✓, url ✗, body ✓');
  });

  it('REELTAPE_DEBUG=1 logs to console.error', async () => {
    vi.stubEnv('REELTAPE_DEBUG', '1');
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await withCassette('dbg-env', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    expect(spy).toHaveBeenCalledWith(`[reeltape dbg-env] GET ${server.url}/json → recorded`);
  });
});

describe('unused interactions', () => {
  beforeEach(async () => {
    await withCassette(
      'unused',
      async () => {
        await fetch(`${server.url}/json`);
        await fetch(`${server.url}/text`);
      },
      { dir, mode: 'record' },
    );
  });

  it('are reported with console.warn by default', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await withCassette('unused', () => fetch(`${server.url}/json`), { dir, mode: 'replay' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(`#1 GET ${server.url}/text`);
  });

  it('fail the cassette with strict: true', async () => {
    const error = await withCassette('unused', () => fetch(`${server.url}/json`), { dir, mode: 'replay', strict: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnusedInteractionsError);
    expect((error as UnusedInteractionsError).unused).toEqual([1]);
  });
});

describe('ignoreHosts', () => {
  it('passes matching requests through untouched and never stores them', async () => {
    const other = await startTestServer();
    try {
      const run = async (): Promise<unknown[]> => [
        await (await fetch(`${server.url}/json`)).json(),
        await (await fetch(`${other.url}/text`)).text(),
      ];
      await withCassette('ignore', run, { dir, mode: 'record', ignoreHosts: [other.host] });
      const cassette = JSON.parse(await readFile(join(dir, 'ignore.json'), 'utf8')) as { interactions: Array<{ request: { url: string } }> };
      expect(cassette.interactions.map((i) => i.request.url)).toEqual([`${server.url}/json`]);
      await server.close();
      // replay: the ignored host is still live and reached for real
      const replayed = await withCassette('ignore', run, { dir, mode: 'replay', ignoreHosts: [/127\.0\.0\.1:\d+\/text$/] });
      expect(replayed).toEqual([{ hello: 'world', n: 1 }, 'hello text\n']);
      expect(other.hits).toEqual(['GET /text', 'GET /text']);
    } finally {
      await other.close();
    }
  });
});

describe('outside a cassette', () => {
  it('requests pass through untouched, and named node:http imports are intercepted inside', async () => {
    const viaNamed = (url: string) =>
      new Promise<string>((resolve, reject) => {
        namedGet(url, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
    await withCassette('named', () => viaNamed(`${server.url}/text`), { dir, mode: 'record' });
    expect(await (await fetch(`${server.url}/json`)).json()).toEqual({ hello: 'world', n: 1 });
    await server.close();
    expect(await withCassette('named', () => viaNamed(`${server.url}/text`), { dir, mode: 'replay' })).toBe('hello text\n');
    expect(typeof http.get).toBe('function');
  });
});

describe('handle and events', () => {
  it('exposes mode, file, stats, and emits a closed event', async () => {
    const events: CassetteEvent[] = [];
    const off = onCassetteEvent((e) => events.push(e));
    try {
      const handle = await withCassette(
        'stats',
        async (c) => {
          await fetch(`${server.url}/json`);
          return { mode: c.mode, file: c.file, stats: c.stats(), recordedAt: c.recordedAt };
        },
        { dir, mode: 'record' },
      );
      expect(handle).toMatchObject({ mode: 'record', file: join(dir, 'stats.json'), stats: { recorded: 1, replayed: 0 } });
      expect(Date.parse(handle.recordedAt ?? '')).not.toBeNaN();
      await withCassette('stats', () => fetch(`${server.url}/json`), { dir, mode: 'replay' });
      expect(events).toEqual([
        expect.objectContaining({ type: 'closed', name: 'stats', mode: 'record', recorded: 1, written: true }),
        expect.objectContaining({ type: 'closed', name: 'stats', mode: 'replay', replayed: 1, unused: [], written: false }),
      ]);
    } finally {
      off();
    }
  });
});
