import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import * as http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect, it } from 'vitest';
import { expandExample } from '../../src/secrets/index.js';
import { withCassette } from '../../src/session/index.js';
import { childEnv, listenOnLoopback, makeTempDir, removeTempDirs, stopChild } from '../helpers/index.js';
import { findPlanted, readAll } from './planted.js';

const CHILD = fileURLToPath(new URL('./fixtures/kill-child.ts', import.meta.url));
let child: ChildProcess | undefined;
afterEach(() => stopChild(child));
afterAll(removeTempDirs);

it('a recording killed (SIGKILL) while streaming a large body leaves no secret in any file, and the next run removes its temp file', async () => {
  const token = `opaque-${expandExample('{a:32}')}`; // no known shape: only the request tells it is a secret
  const shaped = expandExample('ghp_{a:36}');
  const pairValue = expandExample('{a:28}');
  const filler = Buffer.alloc(64 * 1024, 'abcdefgh,'.repeat(1000));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (req.url !== '/echo-stream') return void res.end('ok');
    // the secrets early, then ~1 MiB of filler, then the body never ends
    res.write(`echo: ${(req.headers.authorization ?? '').slice('Bearer '.length)}\nkey ${shaped}\n{"client_secret":"${pairValue}"}\n`);
    let sent = 0;
    const timer = setInterval(() => {
      if (sent++ < 16) res.write(filler);
    }, 20);
    res.on('close', () => clearInterval(timer));
  });
  const { port, close } = await listenOnLoopback(server);
  const dir = await makeTempDir('kill9');
  try {
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, 'big', `http://127.0.0.1:${port}`, token], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
    // wait until the temp side file holds most of the body (the secrets are well behind the redactor's window)
    const deadline = Date.now() + 30_000;
    let temp: string | undefined;
    for (;;) {
      const files = await readAll(dir).catch(() => []);
      temp = files.find((f) => /\.rec-\d+-[0-9a-f]+\.tmp$/.test(f.file))?.file;
      if (temp && (await stat(temp)).size > 600 * 1024) break;
      if (Date.now() > deadline) throw new Error(`no large temp file appeared (child stderr: ${stderr})`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    const files = await readAll(dir);
    expect(files.map((f) => f.file)).toContain(temp);
    const secrets = { token, shaped, pairValue };
    expect(findPlanted(files, secrets)).toEqual([]);
    // the temp file is encrypted with a key that died with the process: not even the (redacted) text is readable
    const left = files.find((f) => f.file === temp)?.bytes.toString('latin1') ?? '';
    expect(left.length).toBeGreaterThan(600 * 1024);
    expect(left).not.toContain('echo:');
    expect(left).not.toContain('abcdefgh,');

    // the next run of the same cassette removes the dead process's temp file
    await withCassette('big', () => fetch(`http://127.0.0.1:${port}/small`).then((r) => r.text()), { dir, mode: 'record', sideFileThreshold: 64 * 1024 });
    expect((await readAll(dir)).map((f) => f.file).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  } finally {
    await close();
  }
}, 60_000);
