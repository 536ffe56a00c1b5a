import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CassetteExpiredError, ReeltapeConfigError } from '../../src/errors/index.js';
import { parseDuration, withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';

let server: TestServer;
let dir: string;

beforeEach(async () => {
  vi.stubEnv('REELTAPE_MODE', '');
  vi.stubEnv('CI', '');
  server = await startTestServer();
  dir = await makeTempDir('time');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await server.close();
  await removeTempDirs();
});

const DAY = 86_400_000;

/** Records a cassette, then rewrites its recordedAt to `daysAgo` days in the past. */
async function recordAged(name: string, daysAgo: number): Promise<string> {
  await withCassette(name, () => fetch(`${server.url}/json`), { dir, mode: 'record' });
  const file = join(dir, `${name}.json`);
  const cassette = JSON.parse(await readFile(file, 'utf8')) as { meta: { recordedAt: string } };
  cassette.meta.recordedAt = new Date(Date.now() - daysAgo * DAY).toISOString();
  await writeFile(file, `${JSON.stringify(cassette, null, 2)}\n`);
  return cassette.meta.recordedAt;
}

describe('parseDuration', () => {
  it.each([
    ['30d', 30 * DAY],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['45s', 45_000],
    ['500ms', 500],
    [1234, 1234],
  ] as const)('%s', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it('rejects garbage naming the accepted forms', () => {
    expect(() => parseDuration('soon')).toThrow(ReeltapeConfigError);
    expect(() => parseDuration('soon')).toThrow(/'30d'/);
  });
});

describe('maxAge', () => {
  it("onExpired 'warn' replays and warns", async () => {
    await recordAged('warn', 40);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const mode = await withCassette('warn', async (c) => (await fetch(`${server.url}/json`), c.mode), { dir, maxAge: '30d' });
    expect(mode).toBe('replay');
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/recorded 40d ago .*maxAge 30d/);
  });

  it("onExpired 'error' fails before fn", async () => {
    await recordAged('err', 40);
    const fn = vi.fn();
    await expect(withCassette('err', fn, { dir, maxAge: '30d', onExpired: 'error' })).rejects.toThrow(CassetteExpiredError);
    expect(fn).not.toHaveBeenCalled();
  });

  it("onExpired 'record' re-records (auto, no CI) and updates recordedAt even when traffic is unchanged", async () => {
    const old = await recordAged('rec', 40);
    server.hits.length = 0;
    const mode = await withCassette('rec', async (c) => (await fetch(`${server.url}/json`), c.mode), { dir, maxAge: '30d', onExpired: 'record' });
    expect(mode).toBe('record');
    expect(server.hits).toEqual(['GET /json']);
    const cassette = JSON.parse(await readFile(join(dir, 'rec.json'), 'utf8')) as { meta: { recordedAt: string } };
    expect(cassette.meta.recordedAt).not.toBe(old);
    expect(Date.now() - Date.parse(cassette.meta.recordedAt)).toBeLessThan(DAY);
  });

  it('a fresh cassette is not expired', async () => {
    await recordAged('fresh', 1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await withCassette('fresh', () => fetch(`${server.url}/json`), { dir, maxAge: '30d', onExpired: 'error' });
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('freezeTime', () => {
  it('replays with Date starting at the recorded time, only inside the cassette', async () => {
    const recordedAt = await recordAged('frozen', 100);
    const inside = await withCassette(
      'frozen',
      async () => {
        await fetch(`${server.url}/json`);
        return { now: Date.now(), date: new Date().toISOString(), explicit: new Date(0).getTime() };
      },
      { dir, mode: 'replay', freezeTime: true },
    );
    const recorded = Date.parse(recordedAt);
    expect(inside.now - recorded).toBeGreaterThanOrEqual(0);
    expect(inside.now - recorded).toBeLessThan(60_000);
    expect(Date.parse(inside.date) - recorded).toBeLessThan(60_000);
    expect(inside.explicit).toBe(0);
    expect(Date.now() - recorded).toBeGreaterThan(99 * DAY); // outside: real time
  });

  it('an ISO string freezes at that time; concurrent cassettes each keep their own clock', async () => {
    await withCassette('a', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    await withCassette('b', () => fetch(`${server.url}/json`), { dir, mode: 'record' });
    const year = (name: string, at: string) =>
      withCassette(
        name,
        async () => {
          const before = new Date().getUTCFullYear();
          await fetch(`${server.url}/json`);
          await new Promise((r) => setTimeout(r, 10));
          return [before, new Date().getUTCFullYear(), new Date() instanceof Date, new globalThis.Date(Date()).getUTCFullYear()];
        },
        { dir, mode: 'replay', freezeTime: at },
      );
    const [a, b] = await Promise.all([year('a', '2001-06-01T00:00:00Z'), year('b', '2012-06-01T00:00:00Z')]);
    expect(a).toEqual([2001, 2001, true, 2001]);
    expect(b).toEqual([2012, 2012, true, 2012]);
    expect(new Date().getUTCFullYear()).toBeGreaterThan(2020);
    expect(Date.name).toBe('Date'); // the real Date is back
  });

  it('in record mode, freezeTime: true uses the real time and stores it as recordedAt', async () => {
    const seen = await withCassette('rt', async (c) => ({ now: Date.now(), recordedAt: c.recordedAt }), { dir, mode: 'record', freezeTime: true });
    expect(Math.abs(seen.now - Date.now())).toBeLessThan(60_000);
    expect(Math.abs(Date.parse(seen.recordedAt ?? '') - seen.now)).toBeLessThan(60_000);
  });

  it('rejects an invalid freezeTime', async () => {
    await expect(withCassette('x', () => 1, { dir, mode: 'record', freezeTime: 'yesterday' })).rejects.toThrow(/Invalid freezeTime/);
  });
});
