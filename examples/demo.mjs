#!/usr/bin/env node
/**
 * The reeltape demo (`npm run demo`, which builds first): the whole loop on the example extractor.
 *
 *  1. start the bundled API and DB    6. validate the CSV outputs against their snapshots
 *  2. scaffold the functional tests   7. compare the live run's outputs with the replay's (compareOutputs)
 *  3. record them (Vitest, both up)   8. `reeltape audit` the cassettes
 *  4. stop the API and the DB         9. check byte-wise that no secret is in any committable file
 *  5. replay them offline (dummy credentials)
 *
 * The DB is PostgreSQL in WebAssembly (PGlite behind its socket server, `db-server.mjs`), read through
 * `pg`; its queries are recorded by `reeltape/pg` into the same cassettes as the HTTP traffic.
 *
 *   node examples/demo.mjs                     work on a fresh copy of examples/extractor in .demo/extractor
 *   node examples/demo.mjs --example <dir>     work in <dir> itself (e.g. a copy you made)
 *
 * The default copy is a git repository of its own (so "files git would commit" is real git's answer),
 * gets a free port for the API written into its definitions (cassettes record the URL), and is kept
 * after the run for you to look at; the repository itself is never modified.
 * Exits non-zero when a step fails. The API port is taken from the definitions' `baseUrl`.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';

const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values: args } = parseArgs({ options: { example: { type: 'string' } } });
const example = path.resolve(args.example ?? path.join(repo, '.demo', 'extractor'));
// The built package (`npm run build`); REELTAPE_DIST_DIR points at a build elsewhere.
const distDir = path.resolve(process.env.REELTAPE_DIST_DIR ?? path.join(repo, 'dist'));
const dist = {
  index: path.join(distDir, 'index.js'),
  scaffold: path.join(distDir, 'cli', 'scaffold-tests.js'),
  reeltape: path.join(distDir, 'cli', 'reeltape.js'),
};
const vitestBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

const results = [];
const color = process.stdout.isTTY ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;

function report(step, ok, summary, detail = '') {
  results.push({ step, ok });
  process.stdout.write(`${ok ? color(32, '✔') : color(31, '✘')} ${step.padEnd(22)} ${summary}\n`);
  if (detail) process.stdout.write(`${detail.replace(/^/gm, '    ')}\n`);
}

/** The environment for child processes: no CI, no REELTAPE_MODE, nothing from an enclosing Vitest. */
function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'CI' || key === 'REELTAPE_MODE' || key === 'REELTAPE_SECRETS_FILE' || key.startsWith('VITEST') || key.startsWith('REELTAPE_SECRET_')) delete env[key];
  }
  return { ...env, REELTAPE_ENTRY: env.REELTAPE_ENTRY ?? dist.index, ...extra };
}

function runNode(argv, { cwd = repo, env = childEnv() } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** A path for display: relative to the working directory when inside it. */
function shown(file) {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function readJson(file, fallback) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return fallback;
    throw error;
  }
}

/** Starts `api-server.mjs` on `port`; resolves once it prints its URL. */
function startApi(port, tokens) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(example, 'api-server.mjs'), '--port', String(port)], {
      cwd: example,
      env: childEnv({ EXAMPLE_API_TOKEN: tokens.join(',') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const match = /API listening on (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the API server exited (code ${code}) before listening:\n${out}`)));
  });
}

/** Starts `db-server.mjs` (PGlite) on `port`; resolves once it prints its URL. */
function startDb(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(example, 'db-server.mjs'), '--port', String(port)], { cwd: example, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /DB listening on (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the DB server exited (code ${code}) before listening:\n${out}`)));
  });
}

function stopApi(api) {
  if (!api || api.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    api.child.removeAllListeners('exit');
    api.child.once('exit', () => resolve());
    api.child.kill('SIGTERM');
  });
}

/** Runs the example's Vitest suite in a child process; returns counts and output. */
async function runVitest(mode, extraEnv) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-demo-'));
  const report = path.join(dir, 'report.json');
  try {
    const { code, out } = await runNode(
      [vitestBin, 'run', '--config', path.join(example, 'vitest.config.ts'), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      { cwd: example, env: childEnv({ REELTAPE_MODE: mode, ...extraEnv }) },
    );
    const json = await readJson(report, undefined);
    return { code, out, passed: json?.numPassedTests ?? 0, failed: json?.numFailedTests ?? 0, total: json?.numTotalTests ?? 0 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Files git would commit under the example (tracked or untracked, not ignored). */
async function committableFiles() {
  try {
    const listing = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', '.'], { cwd: example, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listing.split('\0').filter(Boolean).map((f) => path.join(example, f));
  } catch {
    // not a git checkout: walk the folder, honouring the example's own .gitignore (names and /dir/ entries)
    const ignore = (await readFile(path.join(example, '.gitignore'), 'utf8').catch(() => ''))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const ignored = (rel, isDir) =>
      rel.split('/').includes('node_modules') ||
      ignore.some((p) => (p.endsWith('/') ? isDir && (p.startsWith('/') ? `/${rel}/` === p : rel.split('/').includes(p.replace(/\//g, ''))) : path.basename(rel) === p.replace(/^\//, '')));
    const files = [];
    const walk = async (dir) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const rel = path.relative(example, full).split(path.sep).join('/');
        if (ignored(rel, entry.isDirectory())) continue;
        if (entry.isDirectory()) await walk(full);
        else files.push(full);
      }
    };
    await walk(example);
    return files;
  }
}

function secretForms(secret) {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')];
}

/** A port nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Copies examples/extractor (sources only) to `example`, makes it a git repository, and gives its API a free port. */
async function prepareCopy() {
  const source = path.join(repo, 'examples', 'extractor');
  await rm(example, { recursive: true, force: true });
  await cp(source, example, {
    recursive: true,
    filter: (src) => !/[/\\](test|cassettes|out|node_modules)$|\.reeltape-secrets\.json$/.test(src),
  });
  execFileSync('git', ['init', '-q'], { cwd: example, stdio: 'ignore' });
  const file = path.join(example, 'reeltape.tests.json');
  const defs = JSON.parse(await readFile(file, 'utf8'));
  const port = await freePort();
  const dbPort = await freePort();
  for (const test of defs.tests) {
    test.config.baseUrl = `http://127.0.0.1:${port}`;
    if (test.config.databaseUrl) test.config.databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres`;
  }
  await writeFile(file, `${JSON.stringify(defs, null, 2)}\n`);
  report('copy example', true, `${shown(source)} → ${shown(example)} (API port ${port}, DB port ${dbPort})`);
}

async function main() {
  if (!args.example) await prepareCopy();
  for (const [name, file] of Object.entries(dist)) {
    if (!existsSync(file)) {
      report('build', false, `${file} is missing (${name}): run \`npm run build\` first (npm run demo does).`);
      return;
    }
  }
  const definitionsFile = path.join(example, 'reeltape.tests.json');
  const definitions = await readJson(definitionsFile, undefined);
  if (!definitions) {
    report('definitions', false, `${definitionsFile} not found`);
    return;
  }
  const port = Number(new URL(definitions.tests[0].config.baseUrl).port);
  const outRoot = path.join(example, definitions.outputDir ?? 'out');
  const liveOut = await mkdtemp(path.join(os.tmpdir(), 'reeltape-demo-live-'));
  try {
    await loop(definitions, port, outRoot, liveOut);
  } finally {
    await rm(liveOut, { recursive: true, force: true });
  }
}

/** Steps 1-9 (the definitions are read, the live outputs' copy is made and removed by `main`). */
async function loop(definitions, port, outRoot, liveOut) {
  const dbUrl = definitions.tests.find((t) => t.config.databaseUrl)?.config.databaseUrl;
  const dbPort = dbUrl ? Number(new URL(dbUrl).port) : undefined;
  // Every secret value in play: literal tokens still in the definitions (first run), the local secrets
  // file, or — on a checkout that has neither — a token made up for this run. The API accepts them all,
  // and the leak check below looks for every one of them.
  const knownSecrets = new Set();
  for (const test of definitions.tests) {
    const token = test.config['#api_token'];
    if (typeof token === 'string' && !token.startsWith('${')) knownSecrets.add(token);
  }
  const secretsPath = path.join(example, '.reeltape-secrets.json');
  for (const test of Object.values(await readJson(secretsPath, {}))) for (const value of Object.values(test)) knownSecrets.add(value);
  const runToken = knownSecrets.size > 0 ? [...knownSecrets][0] : `demo-${randomBytes(12).toString('hex')}`;
  knownSecrets.add(runToken);

  // 1. API up
  let api;
  try {
    api = await startApi(port, [...knownSecrets]);
    report('start API', true, `${api.url} (pid ${api.child.pid})`);
  } catch (error) {
    report('start API', false, `could not start the API on port ${port}: ${error.message}`);
    return;
  }

  let db;
  if (dbPort !== undefined) {
    try {
      db = await startDb(dbPort);
      report('start DB', true, `${db.url} (PGlite, pid ${db.child.pid})`);
    } catch (error) {
      await stopApi(api);
      report('start DB', false, `could not start the DB on port ${dbPort}: ${error.message}`);
      return;
    }
  }

  try {
    // 2. scaffold
    const scaffolded = await runNode([dist.scaffold, '--cwd', example]);
    const counts = {};
    for (const m of scaffolded.out.matchAll(/^\s{2}(create|update|unchanged|skip|overwrite)\s/gm)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    const moved = /Moved (\d+) secret/.exec(scaffolded.out)?.[1];
    report(
      'scaffold tests',
      scaffolded.code === 0,
      `${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}${moved ? `; moved ${moved} secret(s) to .reeltape-secrets.json` : ''}`,
      scaffolded.code === 0 ? '' : tail(scaffolded.out),
    );
    if (scaffolded.code !== 0) return;

    // Secrets for recording come from .reeltape-secrets.json; a test it does not cover (e.g. on a fresh
    // checkout whose definitions already hold placeholders) gets this run's token through REELTAPE_SECRET_*.
    const secretsFile = await readJson(secretsPath, {});
    for (const test of Object.values(secretsFile)) for (const value of Object.values(test)) knownSecrets.add(value);
    const recordEnv = {};
    const functional = path.join(example, 'test', 'functional');
    for (const test of definitions.tests) {
      const config = await readJson(path.join(functional, test.name, 'config.json'), {});
      const name = /^\$\{(\w+)\}$/.exec(config['#api_token'] ?? '')?.[1];
      if (name && !secretsFile[test.name]?.['#api_token']) recordEnv[name] = runToken;
    }

    // 3. record
    const recorded = await runVitest('record', recordEnv);
    report(
      'record (API up)',
      recorded.code === 0,
      `${recorded.passed}/${recorded.total} tests passed, cassettes in ${shown(path.join(example, 'cassettes'))}/`,
      recorded.code === 0 ? '' : tail(recorded.out),
    );
    if (recorded.code !== 0) return;
    // keep the live run's outputs: the replay writes over them, and step 7 compares the two
    await cp(outRoot, liveOut, { recursive: true });
  } finally {
    // 4. API and DB down
    await stopApi(api);
    await stopApi(db);
  }
  const down = await fetch(`http://127.0.0.1:${port}/health`).then(
    () => false,
    () => true,
  );
  report('stop API', down, down ? `nothing listens on port ${port} any more` : `port ${port} still answers`);
  if (!down) return;
  if (dbPort !== undefined) {
    const dbDown = await new Promise((resolve) => {
      const socket = connect(dbPort, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    report('stop DB', dbDown, dbDown ? `nothing listens on port ${dbPort} any more` : `port ${dbPort} still answers`);
    if (!dbDown) return;
  }

  // 5. replay offline, with dummy credentials only
  const replayed = await runVitest('replay', { REELTAPE_SECRETS_FILE: 'none' });
  report(
    'replay (API down)',
    replayed.code === 0,
    `${replayed.passed}/${replayed.total} tests passed offline with dummy credentials`,
    replayed.code === 0 ? '' : tail(replayed.out),
  );
  if (replayed.code !== 0) return;

  // 6. validate outputs
  const { validateOutputs, formatDiffTable } = await import(pathToFileURL(dist.index).href);
  const lines = [];
  let valid = true;
  for (const test of definitions.tests) {
    if (test.expectError) {
      lines.push(`${test.name}: expected error "${test.expectError}" (outputs not validated)`);
      continue;
    }
    const outDir = path.join(example, definitions.outputDir ?? 'out', test.name);
    const snapshot = path.join(example, 'test', 'functional', '__snapshots__', `${test.name}.outputs.json`);
    const result = await validateOutputs(outDir, snapshot);
    valid &&= result.ok;
    const files = (await readdir(outDir)).filter((f) => f.endsWith('.csv'));
    const rows = await Promise.all(files.map(async (f) => `${f} ${parseCsv(await readFile(path.join(outDir, f), 'utf8')).length - 1} rows`));
    lines.push(`${test.name}: ${result.ok ? 'matches its snapshot' : 'DIFFERS'} (${rows.join(', ')})${result.ok ? '' : `\n${formatDiffTable(result)}`}`);
  }
  report('validate CSV outputs', valid, valid ? 'every output matches its snapshot' : 'outputs differ from their snapshots', lines.join('\n'));

  // 7. the Equalizer: live run vs replay, rows aligned by id, timestamp columns ignored
  const { compareOutputs, compareVerdictLine, formatCompareReport } = await import(pathToFileURL(dist.index).href);
  const timestamps = ['updated_at', 'created_at', 'occurred_at'];
  const compared = await compareOutputs(liveOut, outRoot, { files: { '**/*.csv': { keys: ['id'], ignoreColumns: timestamps } } });
  report(
    'compare live/replay',
    compared.ok,
    `${compareVerdictLine(compared)} (CSVs by key id, ${timestamps.join(', ')} ignored)`,
    compared.ok ? '' : formatCompareReport(compared),
  );

  // 8. audit
  const audit = await runNode([dist.reeltape, 'audit', path.join(example, 'cassettes')]);
  report('reeltape audit', audit.code === 0, audit.code === 0 ? 'no secrets found in the cassettes' : `findings (exit ${audit.code})`, audit.code === 0 ? '' : tail(audit.out));

  // 9. byte-wise leak check over every committable file
  const files = await committableFiles();
  const hits = [];
  for (const file of files) {
    const bytes = await readFile(file);
    for (const secret of knownSecrets) {
      if (secretForms(secret).some((form) => bytes.includes(Buffer.from(form)))) hits.push(path.relative(example, file));
    }
  }
  report(
    'no secret in git files',
    hits.length === 0,
    hits.length === 0 ? `${files.length} committable files checked for ${knownSecrets.size} secret value(s) (raw, URL-encoded, base64)` : `secret found in: ${[...new Set(hits)].join(', ')}`,
  );
}

try {
  await main();
} catch (error) {
  report('demo', false, error instanceof Error ? (error.stack ?? error.message) : String(error));
}
const failed = results.filter((r) => !r.ok);
process.stdout.write(
  failed.length === 0 ? `\n${color(32, 'demo passed')}: ${results.length} steps\n` : `\n${color(31, 'demo failed')} at: ${failed.map((r) => r.step).join(', ')}\n`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
