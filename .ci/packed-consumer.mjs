#!/usr/bin/env node
// Packed-tarball leg: test/fixtures/packed-consumer installs the `npm pack`ed reeltape with msw 3 and
// Vitest 5 from the registry, type-checks (skipLibCheck: false), records against a loopback API (once
// alone, once while the user's own msw server answers /mocked), stops the API, and replays in fresh
// processes. Every check prints PASS or FAIL; any FAIL fails the leg.
// Usage: node .ci/packed-consumer.mjs (after `npm run build`). KEEP=1 keeps the temp project.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.log(`SKIP packed-consumer: Vitest 5 and msw 3 need Node >= 22.12; this is ${process.version}.`);
  process.exit(0);
}
if (!existsSync(path.join(repo, 'dist', 'index.js'))) {
  console.error('packed-consumer: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}

const failures = [];
/** Records one check's verdict; the leg fails at the end if any failed. */
function check(name, ok, detail = '') {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${ok || !detail ? '' : `\n${detail}`}`);
  if (!ok) failures.push(name);
}

/**
 * Runs a command in `cwd` with `CI`/`REELTAPE_*` scrubbed, plus `env`; resolves to its status and output.
 * Asynchronous, so the API server in this process keeps answering while the child runs.
 */
function run(cmd, args, cwd, env = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('REELTAPE_')));
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...base, NO_COLOR: '1', ...env }, timeout: 300_000 });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (error) => (out += String(error)));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** A loopback API: /greeting answers JSON, /mocked answers something the user's msw must shadow. */
function startApi(port = 0) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const body = req.url?.startsWith('/greeting') ? { hello: 'packed' } : { from: 'the real server' };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const close = () => new Promise((done) => (server.close(() => done()), server.closeAllConnections()));
      resolve({ port: server.address().port, hits, close });
    });
  });
}

/** Every cassette file of the project, with its text. */
function cassettes(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .filter((f) => String(f).endsWith('.json'))
    .map((f) => ({ file: String(f), text: readFileSync(path.join(dir, String(f)), 'utf8') }));
}

const work = mkdtempSync(path.join(os.tmpdir(), 'reeltape-packed-consumer-'));
try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, encoding: 'utf8' }).replace(/^[^[]*/, ''));
  const project = path.join(work, 'project');
  cpSync(path.join(repo, 'test', 'fixtures', 'packed-consumer'), project, { recursive: true });
  const typescript = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).devDependencies.typescript;
  const deps = [path.join(work, packed[0].filename), 'msw@^3', 'vitest@^5', `typescript@${typescript}`, '@types/node@^24'];
  const install = await run('npm', ['install', '--no-audit', '--no-fund', ...deps], project);
  check(`npm install ${deps.map((d) => path.basename(d)).join(' ')}`, install.code === 0, install.out);
  if (install.code !== 0) throw new Error('packed-consumer: the install failed (see above)');
  const versions = await run('npm', ['ls', 'reeltape', 'msw', 'vitest', '@mswjs/interceptors'], project);
  console.log(versions.out.trim());

  const tsc = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], project);
  check('tsc with skipLibCheck: false (Vitest 5, msw 3)', tsc.code === 0, tsc.out);

  // tests/alone.test.ts: reeltape by itself; tests/api.test.ts: with the user's msw server alongside.
  const vitest = (file, env) => run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', file], project, env);
  const api = await startApi();
  const url = `http://127.0.0.1:${api.port}`;
  const recordEnv = { API_URL: url, REELTAPE_MODE: 'record', EXPECT_MODE: 'record' };
  const alone = await vitest('tests/alone.test.ts', recordEnv);
  check('record, reeltape alone: passes', alone.code === 0, alone.out);
  const beside = await vitest('tests/api.test.ts', recordEnv);
  check('record, user msw server alongside: passes', beside.code === 0, beside.out);
  const expected = ['GET /greeting?alone=1', 'GET /greeting?alone=2', 'GET /greeting', 'GET /greeting?via=http'];
  check('the API saw every request to record', expected.every((h) => api.hits.includes(h)), `hits: ${api.hits.join(', ') || 'none'}`);
  check('the API never saw /mocked (msw answered it)', !api.hits.some((h) => h.includes('/mocked')), `hits: ${api.hits.join(', ')}`);
  await api.close();

  const recorded = cassettes(path.join(project, 'cassettes'));
  const holding = (needle) => recorded.some((c) => c.text.includes(needle));
  const list = `cassettes:\n${recorded.map((c) => `${c.file}:\n${c.text}`).join('\n') || 'none'}`;
  check('cassettes hold every recorded request', ['/greeting?alone=1', '/greeting?alone=2', '/greeting"', '/greeting?via=http'].every(holding), list);
  // Only meaningful when the record run got as far as the mocked request.
  check('the route the user\'s msw answered is in no cassette (and the record run reached it)', beside.code === 0 && !holding('/mocked'), list);

  // Replay in fresh processes as CI does; a counting server on the same port catches any leak.
  const counter = await startApi(api.port);
  const replayEnv = { API_URL: url, CI: 'true', EXPECT_MODE: 'replay' };
  const aloneReplay = await vitest('tests/alone.test.ts', replayEnv);
  check('replay, reeltape alone (API stopped, CI=true): passes', aloneReplay.code === 0, aloneReplay.out);
  const besideReplay = await vitest('tests/api.test.ts', replayEnv);
  check('replay, user msw server alongside (API stopped, CI=true): passes', besideReplay.code === 0, besideReplay.out);
  check('replay sent nothing to the network', counter.hits.length === 0, `hits: ${counter.hits.join(', ')}`);
  await counter.close();
} finally {
  if (process.env.KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`packed-consumer: ${failures.length} check(s) failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('packed-consumer: all checks passed');
