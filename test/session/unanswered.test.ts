import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { onCassetteEvent, withCassette } from '../../src/session/index.js';
import { listenOnLoopback, makeTempDir } from '../helpers/index.js';

// A recorded request that got no response is never lost in silence: a failure reeltape sees (refused,
// reset) is stored as a failure interaction (decision 0018-streams-and-failures), and counted.

afterEach(() => vi.restoreAllMocks());

it('a refused request while recording is stored as a failure and counted, without a no-response warning', async () => {
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
  expect(text).not.toContain('got no response');
  expect(recorded).toBe(1);
  const stored = JSON.parse(await readFile(join(dir, 'refused.json'), 'utf8')) as { interactions: Array<{ request: { url: string }; failure?: unknown }> };
  expect(stored.interactions).toEqual([expect.objectContaining({ request: expect.objectContaining({ url: `http://127.0.0.1:${port}/gone` }), failure: { error: expect.objectContaining({ code: 'ECONNREFUSED' }) } })]);
});
