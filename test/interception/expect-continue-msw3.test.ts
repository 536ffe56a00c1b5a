import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, makeTempDir } from '../helpers/index.js';

// `Expect: 100-continue` beside a test's own msw 3 server (socket source, Node 22.12+): recorded
// through the server's 100, replayed in a fresh process with the server stopped, reeltape pushing the
// 100 on msw 3's client-side socket so the client sends the body it is matched on.

const run = promisify(execFile);
const fixture = join(import.meta.dirname, '../fixtures/expect-continue/with-msw3.mjs');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const msw3Runs = major > 22 || (major === 22 && minor >= 12);

interface Seen {
  status: number;
  body: string;
  interim: number[];
  sent: string;
}

async function upload(env: Record<string, string>): Promise<Seen> {
  // bounded: a deadlock fails the test instead of hanging it
  const { stdout } = await run(process.execPath, [fixture], { env: childEnv(env), timeout: 20_000, killSignal: 'SIGKILL' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Seen;
}

describe.skipIf(!msw3Runs)('Expect: 100-continue beside msw 3', () => {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url} (no expect)`);
    req.resume();
    req.on('end', () => res.end());
  });
  server.on('checkContinue', (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeContinue();
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => res.setHeader('content-type', 'application/json').end(JSON.stringify({ size, sha256: hash.digest('hex') })));
  });
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = await makeTempDir('expect-continue-msw3');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  let recorded: Seen;
  it('records the upload through the server’s 100 Continue', async () => {
    recorded = await upload({ API_BASE: base, CASSETTE_DIR: dir, MODE: 'record' });
    expect(recorded).toMatchObject({ status: 200, interim: [100] });
    expect(JSON.parse(recorded.body)).toEqual({ size: 3 * 1024 * 1024, sha256: recorded.sent });
    expect(hits).toEqual(['PUT /upload']);
  });

  it('replays it with the server stopped: reeltape’s 100 Continue, then the recorded response', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const replayed = await upload({ API_BASE: base, CASSETTE_DIR: dir, MODE: 'replay' });
    expect(replayed).toEqual(recorded);
    expect(hits).toEqual(['PUT /upload']);
  });
});
