import { execFile } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../adapters/fixture-project.js';
import { childEnv, closeServer, listenAt, listFiles, makeTempDir } from '../helpers/index.js';
import { readFile } from 'node:fs/promises';

// The real SDKs named in the README (Anthropic, Stripe, Octokit, Google's generated clients) and ky, each
// client built at module scope, record against a local fake API in one process, and replay in a fresh
// process with the API stopped and a counting server on its port; their keys never reach disk, and a
// replay with other keys still matches.

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/sdks');

/** Token-shaped keys, built at runtime (nothing key-shaped sits in the source). */
function keysFor(seed: string): Record<'anthropic' | 'stripe' | 'github' | 'google', string> {
  const body = (n: number): string => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);
  return {
    anthropic: ['sk', 'ant', 'api03', body(93)].join('-') + 'AA',
    stripe: ['sk', 'test', body(99)].join('_'),
    github: ['ghp', body(36)].join('_'),
    google: 'AI' + 'za' + body(35),
  };
}

/** A fake of each vendor's API on 127.0.0.1 that counts what reaches it. */
function fakeApi(): { server: http.Server; hits: string[] } {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.method} ${url.pathname}`);
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_1' });
        res.end(JSON.stringify(body));
      };
      const p = url.pathname;
      if (p === '/v1/messages') {
        return json(200, { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [{ type: 'text', text: 'hello from claude' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 3 } });
      }
      if (p === '/v1/models') return json(200, { data: [{ type: 'model', id: 'claude-test', display_name: 'Claude Test', created_at: '2026-01-01T00:00:00Z' }], has_more: false, first_id: 'claude-test', last_id: 'claude-test' });
      if (p === '/v1/customers') return json(200, { id: 'cus_123', object: 'customer', email: 'ada@example.com', name: 'Ada' });
      if (p === '/v1/customers/cus_123') return json(200, { id: 'cus_123', object: 'customer', email: 'ada@example.com', name: 'Ada' });
      if (p === '/repos/acme/widgets') return json(200, { id: 1, name: 'widgets', full_name: 'acme/widgets' });
      if (p === '/repos/acme/widgets/issues') return json(201, { id: 7, number: 42, title: 'Broken' });
      if (p === '/v4/spreadsheets/sheet-1/values/A1%3AB2' || p === '/v4/spreadsheets/sheet-1/values/A1:B2') {
        return json(200, { range: 'Sheet1!A1:B2', majorDimension: 'ROWS', values: [['id', 'name'], ['1', 'Ada']] });
      }
      if (p === '/items') return json(200, { page: Number(url.searchParams.get('page')), items: [1, 2] });
      json(404, { error: `no route ${p}` });
    });
  });
  return { server, hits };
}

async function runApp(env: Record<string, string>): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [join(fixture, 'app.mjs')], { env: childEnv(env), cwd: fixture, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const EXPECTED = {
  anthropic: { text: 'hello from claude', models: ['claude-test'] },
  stripe: { created: 'cus_123', email: 'ada@example.com' },
  octokit: { repo: 'acme/widgets', issue: 42 },
  google: { values: [['id', 'name'], ['1', 'Ada']] },
  ky: { page: { page: 2, items: [1, 2] } },
};

describe('real SDKs built at module scope', () => {
  const live = fakeApi();
  const keys = keysFor('Zq7Xw3Lm9Rt2');
  let port: number;
  let dir: string;
  beforeAll(async () => {
    ensureBuilt();
    dir = await makeTempDir('sdks');
    port = await listenAt(live.server);
  });
  afterAll(() => closeServer(live.server).catch(() => undefined));

  it('record each SDK into its own cassette, with no key on disk', async () => {
    const results = await runApp({ API_BASE: `http://127.0.0.1:${port}`, CASSETTE_DIR: dir, SDK_KEYS: JSON.stringify(keys), REELTAPE_MODE: 'record' });
    expect(results).toEqual(EXPECTED);
    expect(live.hits).toEqual([
      'POST /v1/messages',
      'GET /v1/models',
      'POST /v1/customers',
      'GET /v1/customers/cus_123',
      'GET /repos/acme/widgets',
      'POST /repos/acme/widgets/issues',
      expect.stringMatching(/^GET \/v4\/spreadsheets\/sheet-1\/values\/A1(%3A|:)B2$/),
      'GET /items',
    ]);
    const files = await listFiles(dir);
    expect(files.filter((f) => f.endsWith('.json')).map((f) => f.split('/').pop()).sort()).toEqual(
      ['anthropic.json', 'google.json', 'ky.json', 'octokit.json', 'stripe.json'],
    );
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8');
      for (const [vendor, key] of Object.entries(keys)) {
        expect(text, `${vendor} key in ${file}`).not.toContain(key);
        expect(text, `${vendor} key (URL-encoded) in ${file}`).not.toContain(encodeURIComponent(key));
      }
    }
  });

  it('replay every SDK in a fresh process with other keys while a counting server on the port sees nothing', async () => {
    await closeServer(live.server);
    const counting = fakeApi();
    await listenAt(counting.server, port);
    try {
      const other = keysFor('Pw4Kd8Hs1Vb6');
      const results = await runApp({ API_BASE: `http://127.0.0.1:${port}`, CASSETTE_DIR: dir, SDK_KEYS: JSON.stringify(other), REELTAPE_MODE: 'replay' });
      expect(results).toEqual(EXPECTED);
      expect(counting.hits).toEqual([]);
    } finally {
      await closeServer(counting.server);
    }
  });
});
