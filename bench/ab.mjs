/**
 * A/B of reeltape builds (decision 0017-one-plain-loader), fresh process per run, builds interleaved per
 * round, medians and every run printed. Recordings are made once, with the first build.
 *
 *   node bench/ab.mjs A=path/to/distA/index.js B=path/to/distB/index.js   [CASE=lifetime|replay ROUNDS=7 N=10000]
 *
 * CASE=lifetime (default): `cases/first-response.mjs` on an N-interaction recording — "one" replays the last
 * item, "all" every item in order; import → open → requests → close, peak RSS.
 * CASE=replay: `cases/replay.mjs`, 2,000 GETs after 100 warm-up, sequential and 200-concurrent, fetch and
 * http.get, with bare MSW in every round; req/s and the paired ratio to MSW.
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
const CASE = process.env.CASE ?? 'lifetime';
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
if (builds.length === 0) throw new Error('usage: node bench/ab.mjs A=dist/index.js B=other/index.js');

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
  if (CASE === 'replay') await replayCases();
  else await lifetimeCases();
} finally {
  rmSync(dir, { recursive: true, force: true });
  server.kill('SIGTERM');
}


async function lifetimeCases() {
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
  console.log(`| build, case | lifetime (median) | first response after import | closing | peak RSS (MiB) | lifetime runs (ms) |`);
  console.log('|---|--:|--:|--:|--:|---|');
  for (const [key, runs] of results) {
    const ok = runs.filter((x) => !x.error);
    const m = (f) => median(ok.map((x) => x[f]));
    console.log(`| ${key} | ${m('lifetimeMs')} | ${m('afterImportMs')} | ${m('closeMs')} | ${m('peakRssMiB')} | ${ok.map((x) => x.lifetimeMs).join(', ')} |`);
  }
}

async function replayCases() {
  for (const client of ['fetch', 'http']) {
    const setup = await run('record.mjs', ['--case', 'setup', '--tool', 'reeltape', '--client', client, '--base', base, '--dir', dir, '--name', `items-${client}`, '--n', '2000', '--warmup', '100', '--concurrency', '20', '--limit', '600'], builds[0].dist);
    if (setup.error) throw new Error(`recording failed: ${setup.error}`);
  }
  const tools = [{ name: 'msw', tool: 'msw', dist: builds[0].dist }, ...builds.map((b) => ({ ...b, tool: 'reeltape' }))];
  const results = new Map();
  for (let r = 0; r < rounds; r++)
    for (const client of ['fetch', 'http'])
      for (const concurrency of ['1', '200'])
        for (const t of tools) {
          const argv = ['--case', 'replay', '--tool', t.tool, '--client', client, '--base', base, '--dir', dir, '--name', `items-${client}`, '--n', '2000', '--warmup', '100', '--concurrency', concurrency, '--limit', '300'];
          const res = await run('replay.mjs', argv, t.dist);
          const scenario = `${concurrency === '1' ? 'sequential' : '200-concurrent'} ${client === 'fetch' ? 'fetch' : 'http.get'}`;
          const key = `${scenario}|${t.name}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(res.error ? NaN : res.reqPerSec);
          process.stderr.write(`round ${r + 1} ${key}: ${res.error ?? res.reqPerSec}\n`);
        }
  console.log(`| scenario | ${tools.map((t) => t.name).join(' | ')} | ${builds.map((b) => `${b.name} ÷ MSW, paired`).join(' | ')} |`);
  console.log(`|---|${tools.map(() => '--:').join('|')}|${builds.map(() => '--:').join('|')}|`);
  for (const scenario of [...new Set([...results.keys()].map((k) => k.split('|')[0]))]) {
    const msw = results.get(`${scenario}|msw`);
    const cells = tools.map((t) => Math.round(median(results.get(`${scenario}|${t.name}`))));
    const paired = builds.map((b) => median(results.get(`${scenario}|${b.name}`).map((x, i) => x / msw[i])).toFixed(2));
    console.log(`| ${scenario} | ${cells.join(' | ')} | ${paired.join(' | ')} |`);
  }
}
