/**
 * Helpers for the adapter suites: a temp copy of a fixture project wired to the built package,
 * a local API server, and running Vitest/Jest in a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { listenOnLoopback } from '../helpers/loopback.js';

export const REPO = path.resolve(import.meta.dirname, '../..');

/** Builds `dist/` with tsup when it is missing or older than the sources (one build at a time across workers). */
export function ensureBuilt(): void {
  const lock = path.join(os.tmpdir(), 'reeltape-adapters-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    buildIfStale();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildIfStale(): void {
  const outputs = ['dist/index.js', 'dist/vitest.js', 'dist/jest.cjs', 'dist/jest.js'].map((f) => path.join(REPO, f));
  const newestSource = (dir: string): number => {
    let newest = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      newest = Math.max(newest, e.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
    }
    return newest;
  };
  const built = outputs.every((f) => existsSync(f)) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
  if (built > newestSource(path.join(REPO, 'src'))) return;
  // The JS bundles are what the fixtures need; a type-declaration failure elsewhere must not stop them.
  spawnSync(process.execPath, [path.join(REPO, 'node_modules/tsup/dist/cli-default.js')], { cwd: REPO, stdio: 'ignore' });
  for (const f of outputs) if (!existsSync(f)) throw new Error(`tsup did not produce ${f}; run npx tsup in ${REPO}`);
}

/**
 * Copies `test/fixtures/<name>` into a temp dir whose `node_modules` links every dependency of the
 * repo and `reeltape` itself (→ the repo root, so `reeltape/vitest` resolves to `dist/`).
 */
export async function copyFixture(name: string, options: { jest?: 29 | 30 } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `reeltape-${name}-`));
  await cp(path.join(REPO, 'test/fixtures', name), dir, { recursive: true });
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  linkPackages(path.join(REPO, 'node_modules'), modules, options.jest === 29 ? JEST29_MODULES : undefined);
  if (options.jest === 29) symlinkSync(path.join(REPO, 'node_modules/jest29'), path.join(modules, 'jest'));
  symlinkSync(REPO, path.join(modules, 'reeltape'));
  return dir;
}

/** Where npm put Jest 29's own copies of the packages that differ from Jest 30's (the `jest29` alias). */
const JEST29_MODULES = path.join(REPO, 'node_modules/jest29/node_modules');

/**
 * Links every package of `from` into `to`; with `over`, a package (or scoped package) that `over` also
 * holds is linked from there instead, so the copy looks like a project that installed Jest 29 itself.
 */
function linkPackages(from: string, to: string, over: string | undefined): void {
  for (const entry of readdirSync(from)) {
    if (entry.startsWith('.') || entry === 'reeltape' || (over && entry === 'jest')) continue;
    const overEntry = over ? path.join(over, entry) : undefined;
    if (overEntry && existsSync(overEntry) && entry.startsWith('@')) {
      mkdirSync(path.join(to, entry));
      linkPackages(path.join(from, entry), path.join(to, entry), overEntry);
    } else symlinkSync(overEntry && existsSync(overEntry) ? overEntry : path.join(from, entry), path.join(to, entry));
  }
  // Packages only the override holds (Jest 29 needs them, Jest 30 does not).
  if (over) {
    for (const entry of readdirSync(over)) {
      if (!entry.startsWith('.') && !existsSync(path.join(to, entry))) symlinkSync(path.join(over, entry), path.join(to, entry));
    }
  }
}

/** A local API the fixture tests call. */
export interface FixtureServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/** Starts the fixture API on 127.0.0.1 (port 0). */
export async function startServer(): Promise<FixtureServer> {
  const hits: string[] = [];
  const holding: Array<() => void> = [];
  let released = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.method} ${url.pathname}${url.search}`);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/users') return json({ path: '/users', users: ['ada', 'linus'] });
    if (url.pathname === '/items') return json({ page: Number(url.searchParams.get('page')), items: [1, 2, 3] });
    if (url.pathname === '/slow') {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`slow ${url.searchParams.get('id')}`);
      }, Number(url.searchParams.get('ms') ?? 50));
      return;
    }
    if (url.pathname === '/hold') {
      // Answers once someone called /release (before or after), or after 15 s.
      if (released) return json({ held: true });
      holding.push(() => json({ held: true }));
      setTimeout(() => holding.splice(0).forEach((r) => r()), 15_000);
      return;
    }
    if (url.pathname === '/release') {
      released = true;
      holding.splice(0).forEach((r) => r());
      return json({ released: true });
    }
    res.writeHead(404).end();
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, hits, close };
}

/** Result of a child test run. */
export interface RunResult {
  code: number | null;
  output: string;
}

/** An env for a child run: the parent's, without `CI`/`REELTAPE_*`, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'CI' || key.startsWith('REELTAPE_') || key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key.startsWith('JEST_')) delete env[key];
  }
  delete env['TEST'];
  env['NO_COLOR'] = '1';
  env['FORCE_COLOR'] = '0';
  return { ...env, ...extra };
}

/** Runs a node script in `cwd` and collects stdout+stderr. */
export function runNode(cwd: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `vitest run` in a fixture copy. */
export function runVitest(cwd: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return runNode(cwd, ['node_modules/vitest/vitest.mjs', 'run', ...args], env);
}

/** `jest` in a fixture copy (`esm` adds `--experimental-vm-modules`). */
export function runJest(cwd: string, args: string[], env: Record<string, string>, esm = false): Promise<RunResult> {
  const node = esm ? ['--experimental-vm-modules', '--no-warnings'] : [];
  return runNode(cwd, [...node, 'node_modules/jest/bin/jest.js', '--ci=false', ...args], env);
}

/** Reads a cassette of the fixture copy as JSON. */
export async function readCassette(dir: string, name: string): Promise<{ interactions: Array<{ request: { url: string } }> }> {
  return JSON.parse(await readFile(path.join(dir, 'cassettes', `${name}.json`), 'utf8')) as {
    interactions: Array<{ request: { url: string } }>;
  };
}
