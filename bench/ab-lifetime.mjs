/**
 * A/B of reeltape builds on the whole cassette lifetime (decision 00XX-one-plain-loader): records one
 * 10,000-interaction cassette with the first build, then replays it in fresh processes with every build,
 * interleaved (round 1: A one, A all, B one, B all, …), and prints the medians and every run.
 *
 *   node bench/ab-lifetime.mjs A=path/to/distA/index.js B=path/to/distB/index.js   [ROUNDS=7 N=10000]
 *
 * Each case is `cases/first-response.mjs` (import → open → requests → close, peak RSS); "one" replays the
 * last item, "all" every item in order.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const builds = process.argv.slice(2).map((a) => a.split('=')).map(([name, dist]) => ({ name, dist: path.resolve(dist) }));
const rounds = Number(process.env.ROUNDS ?? 7);
const n = Number(process.env.N ?? 10_000);
if (builds.length === 0) throw new Error('usage: node bench/ab-lifetime.mjs A=dist/index.js B=other/index.js');

const env = (dist) => {
  const e = { ...process.env, BENCH_REELTAPE_DIST: dist };
  for (const k of ['CI', 'REELTAPE_MODE', 'NOCK_BACK_MODE']) delete e[k];
  return e;
};

function run(script, argv, dist) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(BENCH, 'cases', script), ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env: env(dist) });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('close', () => {
      const line = out.split('\n').filter((l) => l.startsWith('BENCH_RESULT ')).pop();
      resolve(line ? JSON.parse(line.slice('BENCH_RESULT '.length)) : { error: out.slice(-300) });
    });
  });
}

const server = spawn(process.execPath, [path.join(BENCH, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const { port } = JSON.parse(await new Promise((resolve) => readline.createInterface({ input: server.stdout }).once('line', resolve)));
const base = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reeltape-ab-'));
try {
  const setup = await run('record.mjs', ['--case', 'setup', '--tool', 'reeltape', '--client', 'fetch', '--base', base, '--dir', dir, '--name', 'fr', '--n', String(n), '--concurrency', '50', '--limit', '600'], builds[0].dist);
  if (setup.error) throw new Error(`recording failed: ${setup.error}`);
  const results = new Map();
  for (let r = 0; r < rounds; r++)
    for (const b of builds)
      for (const all of ['0', '1']) {
        const res = await run('first-response.mjs', ['--case', 'lifetime', '--tool', 'reeltape', '--base', base, '--dir', dir, '--name', 'fr', '--n', String(n), '--all', all, '--limit', '300'], b.dist);
        const key = `${b.name} ${all === '1' ? 'all' : 'one'}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(res);
        process.stderr.write(`round ${r + 1} ${key}: ${res.error ? res.error : `${res.lifetimeMs} ms, rss ${res.peakRssMiB}`}\n`);
      }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`| build, case | lifetime (median) | first response after import | closing | peak RSS (MiB) | lifetime runs (ms) |`);
  console.log('|---|--:|--:|--:|--:|---|');
  for (const [key, runs] of results) {
    const ok = runs.filter((x) => !x.error);
    const m = (f) => median(ok.map((x) => x[f]));
    console.log(`| ${key} | ${m('lifetimeMs')} | ${m('afterImportMs')} | ${m('closeMs')} | ${m('peakRssMiB')} | ${ok.map((x) => x.lifetimeMs).join(', ')} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  server.kill('SIGTERM');
}
