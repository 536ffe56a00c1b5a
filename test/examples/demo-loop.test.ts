import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The whole loop on a copy of the example: the demo scaffolds the tests, records them with the API up,
 * replays them with it down, validates outputs, audits cassettes and checks no secret is in a committable
 * file; then a deliberate change to the extractor's output makes the replayed tests fail with a readable diff.
 * Needs a fresh build (`npm run build`; `npm test` runs it first) with every module in.
 */
const repo = path.resolve('.');
/** The build under test: `dist/`, or REELTAPE_DIST_DIR (a build made elsewhere). */
const distDir = path.resolve(process.env.REELTAPE_DIST_DIR ?? path.join(repo, 'dist'));
const TOKEN = 'loop-test-token-0f9e8d7c61';
let dir: string;
let example: string;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'CI' || key === 'REELTAPE_MODE' || key.startsWith('REELTAPE_SECRET') || key.startsWith('VITEST')) continue;
    clean[key] = value;
  }
  return { ...clean, REELTAPE_DIST_DIR: distDir, REELTAPE_ENTRY: path.join(distDir, 'index.js'), ...extra };
}

function node(argv: string[], cwd: string, extra: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('demo loop on a copy of the example', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-demo-loop-'));
    example = path.join(dir, 'extractor');
    await cp(path.join(repo, 'examples', 'extractor'), example, {
      recursive: true,
      filter: (src) => !/[/\\](test|cassettes|out|node_modules)$|\.reeltape-secrets\.json$/.test(src),
    });
    await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    // a free port for the bundled API, written into the copy's definitions (cassettes record the URL)
    const port = await freePort();
    const dbPort = await freePort();
    const file = path.join(example, 'reeltape.tests.json');
    const defs = JSON.parse(await readFile(file, 'utf8'));
    for (const test of defs.tests) {
      test.config.baseUrl = `http://127.0.0.1:${port}`;
      test.config['#api_token'] = TOKEN;
      // the customers table is read from the bundled PostgreSQL (PGlite) through pg
      if (test.config.databaseUrl) test.config.databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres`;
    }
    await writeFile(file, `${JSON.stringify(defs, null, 2)}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the built package has what the generated tests import', async () => {
    const mod = (await import(path.join(distDir, 'index.js'))) as Record<string, unknown>;
    for (const name of ['withCassette', 'configure', 'configSecretsSanitizer', 'validateOutputs', 'formatDiffTable', 'loadFunctionalConfig', 'prepareOutputDir']) {
      expect(typeof mod[name], `dist/index.js must export ${name} (run npm run build)`).toBe('function');
    }
  });

  it('scaffold → record (API up) → replay (API down) → validate → audit → no secrets; a changed output fails readably', async () => {
    const demo = await node([path.join(repo, 'examples', 'demo.mjs'), '--example', example], repo);
    expect(demo.out).toMatch(/✔ start API/);
    expect(demo.out).toMatch(/✔ start DB .*PGlite/);
    expect(demo.out).toMatch(/✔ stop DB/);
    expect(demo.out).toMatch(/full-load: matches its snapshot \(customers\.csv 12 rows/);
    expect(demo.out).toMatch(/✔ scaffold tests .*moved 4 secret/);
    expect(demo.out).toMatch(/✔ record \(API up\)\s+4\/4 tests passed/);
    expect(demo.out).toMatch(/✔ stop API/);
    expect(demo.out).toMatch(/✔ replay \(API down\)\s+4\/4 tests passed/);
    expect(demo.out).toMatch(/✔ validate CSV outputs/);
    expect(demo.out).toMatch(/✔ compare live\/replay\s+PERFECT MATCH: \d+ files equal/);
    expect(demo.out).toMatch(/✔ reeltape audit/);
    expect(demo.out).toMatch(/✔ no secret in git files/);
    expect(demo.code, demo.out).toBe(0);

    const cassettes = (await allFiles(path.join(example, 'cassettes'))).map((f) => path.relative(example, f)).sort();
    expect(cassettes).toEqual(
      ['api-error', 'empty-result', 'full-load', 'incremental'].map((n) => path.join('cassettes', 'functional', `${n}.json`)),
    );
    for (const file of await allFiles(example)) {
      if (file.endsWith('.reeltape-secrets.json') || file.includes(`${path.sep}out${path.sep}`)) continue;
      const bytes = await readFile(file);
      expect(bytes.includes(Buffer.from(TOKEN)), file).toBe(false);
      expect(bytes.includes(Buffer.from(Buffer.from(TOKEN).toString('base64'))), file).toBe(false);
    }

    // a deliberate change to what the extractor writes: replay must fail with a readable diff
    const extractor = path.join(example, 'extractor.mjs');
    const source = await readFile(extractor, 'utf8');
    await writeFile(extractor, source.replace('rows.push(...body);', 'rows.push(...body.map((u) => ({ ...u, name: u.name.toUpperCase() })));'));
    const vitest = path.join(repo, 'node_modules', 'vitest', 'vitest.mjs');
    const replay = await node([vitest, 'run', '--config', path.join(example, 'vitest.config.ts')], example, {
      REELTAPE_MODE: 'replay',
      REELTAPE_SECRETS_FILE: 'none',
    });
    expect(replay.code).not.toBe(0);
    expect(replay.out).toContain('users.csv');
    expect(replay.out).toMatch(/hash_mismatch|changed/);
    expect(replay.out).toMatch(/FAIL .*full-load\.test\.ts/);
    expect(replay.out).not.toMatch(/FAIL .*api-error\.test\.ts/);
  }, 180_000); // two Vitest runs, the API and PGlite (WebAssembly) started and stopped
});
