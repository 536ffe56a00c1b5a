import http from 'node:http';
import { afterEach, expect, it, vi } from 'vitest';
import { onCassetteEvent, withCassette } from '../../src/session/index.js';
import { listenOnLoopback, makeTempDir } from '../helpers/index.js';

// A recorded request that got no response is never lost in silence: it is named in a warning, and
// the cassette's event counts only what was stored.

afterEach(() => vi.restoreAllMocks());

it('a refused request while recording is named in a warning and not counted as recorded', async () => {
  const dir = await makeTempDir('unanswered');
  const { port, close } = await listenOnLoopback(http.createServer((_q, r) => r.end('ok')));
  await close(); // nothing listens there any more
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  let recorded = -1;
  const off = onCassetteEvent((e) => {
    if (e.type === 'closed' && e.name === 'refused') recorded = e.recorded;
  });
  try {
    const outcome = await withCassette('refused', () => fetch(`http://127.0.0.1:${port}/gone`).then(() => 'answered', (e: Error) => e.name), { dir, mode: 'record' });
    expect(outcome).toBe('TypeError');
  } finally {
    off();
  }
  const text = warn.mock.calls.map((c) => String(c[0])).join('\n');
  expect(text).toContain(`1 recorded request(s) got no response`);
  expect(text).toContain(`GET http://127.0.0.1:${port}/gone`);
  expect(recorded).toBe(0);
});
