import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { http as mock, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ReeltapeConfigError } from '../../src/errors/index.js';
import { outsideCassettes, uninstallInterception } from '../../src/interception/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/index.js';

// outsideCassettes(strategy) as msw 2's onUnhandledRequest, in this process (msw 3 and 'error' in
// real Vitest projects: test/adapters/vitest-msw.test.ts): inside a cassette msw stays quiet and
// reeltape records; outside, msw's own strategy applies.

let api: TestServer;
let server: ReturnType<typeof setupServer>;
beforeAll(async () => {
  api = await startTestServer();
  server = setupServer(mock.get(`${api.url}/mocked`, () => HttpResponse.json({ from: 'msw' })));
  server.listen({ onUnhandledRequest: outsideCassettes('warn') });
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  server.close();
  uninstallInterception();
  await api.close();
});

describe('outsideCassettes', () => {
  it("'warn': msw warns about an unhandled request outside a cassette, never about one inside", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dir = await makeTempDir('msw-unhandled');
    const inside = await withCassette('unhandled', async () => (await fetch(`${api.url}/json`)).json(), { mode: 'record', dir });
    expect(inside).toEqual({ hello: 'world', n: 1 });
    expect(warn).not.toHaveBeenCalled();
    expect(await (await fetch(`${api.url}/json`)).json()).toEqual({ hello: 'world', n: 1 });
    expect(warn.mock.calls.flat().join(' ')).toContain(`GET ${api.url}/json`);
    expect(await (await fetch(`${api.url}/mocked`)).json()).toEqual({ from: 'msw' });
  });

  it('type-checks as msw 2 onUnhandledRequest and msw 3 onUnhandledFrame (npm run typecheck)', () => {
    const forMsw2: NonNullable<Parameters<typeof server.listen>[0]>['onUnhandledRequest'] = outsideCassettes('error');
    const forMsw3: import('msw3').UnhandledFrameHandle = outsideCassettes('error');
    expect([typeof forMsw2, typeof forMsw3]).toEqual(['function', 'function']);
  });

  it('refuses a strategy msw does not have, naming it', () => {
    expect(() => outsideCassettes('fail' as never)).toThrow(ReeltapeConfigError);
    expect(() => outsideCassettes('fail' as never)).toThrow(/"fail"/);
  });
});
