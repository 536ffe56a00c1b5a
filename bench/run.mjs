/**
 * reeltape benchmark runner (`npm run bench`): starts the loopback server in its own process, runs every case
 * in its own child process (one JSON result line each), prints markdown tables with ratios and issue 7's
 * targets, and writes bench/results/latest.json (+ latest.md).
 *
 * Env: BENCH_QUICK=1 (reduced smoke run), BENCH_ONLY=replay,record,memory,first-response,lifetime,csv-hash,keyed-diff (sections),
 * BENCH_TOOLS=msw,polly,... (tools), BENCH_CSV_MB (CSV size for csv-hash), BENCH_DIFF_MB (each CSV of keyed-diff),
 * BENCH_KEEP=1 (keep the temp dir),
 * BENCH_REELTAPE_OPTIONS (JSON merged into withCassette options).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX } from './lib/common.mjs';
import { REELTAPE_DIST } from './lib/tools.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  quick: QUICK,
  replayRequests: QUICK ? 200 : 2000,
  warmup: QUICK ? 20 : 100,
  recordRequests: QUICK ? 200 : 2000,
  bigMiB: QUICK ? 16 : 64,
  firstResponseSize: QUICK ? 2000 : 10000,
  loadSizes: QUICK ? [250, 500, 1000, 2000] : [1000, 5000, 10000, 20000],
  /** Fresh processes per first-response case, interleaved across tools and sizes; the median is reported. */
  firstResponseRepeats: Number(process.env.BENCH_FR_REPEATS ?? (QUICK ? 1 : 5)),
  csvMiB: Number(process.env.BENCH_CSV_MB ?? (QUICK ? 64 : 1024)),
  diffMiB: Number(process.env.BENCH_DIFF_MB ?? (QUICK ? 64 : 1024)),
  setupConcurrency: 20,
  /** Throughput cases run this many times, interleaved across tools; the median run is reported. */
  repeats: Number(process.env.BENCH_REPEATS ?? (QUICK ? 1 : 5)),
};
const SECTIONS = new Set((process.env.BENCH_ONLY ?? 'replay,record,memory,first-response,lifetime,csv-hash,keyed-diff').split(','));
const TOOL_FILTER = process.env.BENCH_TOOLS ? new Set(process.env.BENCH_TOOLS.split(',')) : undefined;
const TOOL_LABEL = { plain: 'plain', msw: 'bare MSW', 'msw-passthrough': 'MSW passthrough', polly: 'Polly', nock: 'nock', reeltape: 'reeltape' };
const NOT_BUILT = 'reeltape: not built yet';

/** Child env: no CI / REELTAPE_MODE / NOCK_BACK_MODE leaking into the tools' mode selection. */
function childEnv() {
  const env = { ...process.env };
  delete env.CI;
  delete env.REELTAPE_MODE;
  delete env.NOCK_BACK_MODE;
  return env;
}

/** Does dist/index.js export withCassette? Checked in a child so the runner never loads MSW itself. */
function reeltapeStatus() {
  if (!existsSync(REELTAPE_DIST)) return { ready: false, why: 'dist/index.js missing' };
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const m = await import(${JSON.stringify(REELTAPE_DIST)}); process.exit(typeof m.withCassette === 'function' ? 0 : 3);`],
    { env: childEnv(), encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status === 0) return { ready: true };
  return { ready: false, why: r.status === 3 ? 'dist/index.js does not export withCassette' : (r.stderr || '').trim().split('\n').slice(-1)[0] };
}

/** Start bench/server.mjs; resolves with its base URL and a stop function. */
async function startServer() {
  const child = spawn(process.execPath, [path.join(BENCH, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { port } = JSON.parse(line);
  return {
    base: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))),
  };
}

let server;
async function serverHits() {
  const res = await fetch(`${server.base}/__hits`);
  return (await res.json()).hits;
}

/**
 * Run one case script in a child process with a hard timeout; resolves with its parsed result line
 * (or `{ error }`). With `replay: true`, also counts requests that reached the live server.
 */
async function runCase(script, argv, { timeoutS = QUICK ? 120 : 300, replay = false } = {}) {
  const hitsBefore = replay ? await serverHits() : 0;
  const child = spawn(process.execPath, [path.join(BENCH, 'cases', script), ...argv, '--limit', String(timeoutS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(),
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 15) * 1000);
  const code = await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(killer);
  const line = out.split('\n').filter((l) => l.startsWith(RESULT_PREFIX)).pop();
  let result;
  if (line) result = JSON.parse(line.slice(RESULT_PREFIX.length));
  else result = { error: `no result (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}` };
  if (replay) {
    const live = (await serverHits()) - hitsBefore;
    if (live > 0) result.liveRequests = live;
  }
  return result;
}

const results = [];
function record(section, key, result) {
  const entry = { section, key, ...result };
  results.push(entry);
  const brief = result.error
    ? `ERROR ${result.error}`
    : ['reqPerSec', 'peakRssMiB', 'firstResponseMs', 'loadMs', 'ms']
        .filter((k) => result[k] !== undefined)
        .map((k) => `${k}=${result[k]}`)
        .join(' ');
  console.error(`[bench] ${section} ${key}: ${brief}${result.liveRequests ? ` (${result.liveRequests} live requests!)` : ''}`);
  return entry;
}

function toolEnabled(tool) {
  return !TOOL_FILTER || TOOL_FILTER.has(tool);
}

// ---------------------------------------------------------------------------------------------------------
const t0 = Date.now();
const reeltape = reeltapeStatus();
console.error(`[bench] ${QUICK ? 'QUICK' : 'full'} run; reeltape ${reeltape.ready ? 'ready' : `not ready (${reeltape.why})`}`);
const work = await mkdtemp(path.join(os.tmpdir(), 'reeltape-bench-'));
server = await startServer();
const base = server.base;
const dirOf = async (tool) => {
  const dir = path.join(work, tool);
  await mkdir(dir, { recursive: true });
  return dir;
};

/** Run a case for a tool unless it is filtered out or reeltape is not built (then a placeholder result). */
async function toolCase(section, key, tool, script, argv, opts) {
  if (!toolEnabled(tool)) return undefined;
  if (tool === 'reeltape' && !reeltape.ready) return record(section, key, { tool, notBuilt: true, error: NOT_BUILT });
  return record(section, key, { tool, ...(await runCase(script, argv, opts)) });
}

/**
 * Run throughput cases `CFG.repeats` times, interleaved (round 1 of every tool, then round 2, …) so that
 * background load hits all tools alike; report each case's median run (by req/s) with all runs' req/s.
 * @param {string} section
 * @param {Array<{ key: string, tool: string, script: string, argv: string[] | ((round: number) => string[]), opts?: object, skip?: object }>} specs
 */
async function throughputCases(section, specs) {
  const runs = new Map(specs.map((spec) => [spec.key, []]));
  for (let round = 0; round < CFG.repeats; round++) {
    for (const spec of specs) {
      if (spec.skip || !toolEnabled(spec.tool) || (spec.tool === 'reeltape' && !reeltape.ready)) continue;
      const r = await runCase(spec.script, typeof spec.argv === 'function' ? spec.argv(round) : spec.argv, spec.opts);
      runs.get(spec.key).push(r);
      console.error(`[bench]   ${section} ${spec.key} round ${round + 1}: ${r.error ? `ERROR ${r.error}` : `${r.reqPerSec} req/s`}`);
    }
  }
  for (const spec of specs) {
    if (spec.skip) {
      record(section, spec.key, spec.skip);
      continue;
    }
    if (!toolEnabled(spec.tool)) continue;
    if (spec.tool === 'reeltape' && !reeltape.ready) {
      record(section, spec.key, { tool: spec.tool, notBuilt: true, error: NOT_BUILT });
      continue;
    }
    const all = runs.get(spec.key);
    const good = all.filter((r) => !r.error).sort((x, y) => x.reqPerSec - y.reqPerSec);
    if (!good.length) {
      record(section, spec.key, { tool: spec.tool, ...all[0] });
      continue;
    }
    const median = good[Math.floor((good.length - 1) / 2)];
    const live = all.reduce((n, r) => n + (r.liveRequests ?? 0), 0);
    record(section, spec.key, {
      tool: spec.tool,
      ...median,
      runsReqPerSec: good.map((r) => r.reqPerSec),
      // in round order (null: that round failed), for ratios of runs made side by side (see bench/lib/report.mjs)
      roundsReqPerSec: all.map((r) => (r.error ? null : r.reqPerSec)),
      failedRuns: all.length - good.length || undefined,
      liveRequests: live || undefined,
    });
  }
}

/** Setup steps (recordings the replay cases read); failures are remembered per tool+recording. */
const setupErrors = new Map();
async function setup(tool, name, argv) {
  if (!toolEnabled(tool) || (tool === 'reeltape' && !reeltape.ready)) return;
  const r = await runCase('record.mjs', ['--case', 'setup', '--tool', tool, '--base', base, '--dir', await dirOf(tool), '--name', name, ...argv], {
    timeoutS: 600,
  });
  record('setup', `${tool}/${name}`, { tool, ...r });
  if (r.error) setupErrors.set(`${tool}/${name}`, r.error);
}
function setupError(tool, name) {
  const e = setupErrors.get(`${tool}/${name}`);
  return e ? { tool, error: `setup failed: ${e}` } : undefined;
}

try {
  // 1. Replay throughput of N distinct ~1 KiB GETs.
  if (SECTIONS.has('replay')) {
    for (const tool of ['polly', 'nock', 'reeltape'])
      for (const client of ['fetch', 'http'])
        await setup(tool, `items-${client}`, ['--client', client, '--n', String(CFG.replayRequests), '--warmup', String(CFG.warmup), '--concurrency', String(CFG.setupConcurrency)]);
    const specs = [];
    for (const client of ['fetch', 'http'])
      for (const concurrency of [1, 200])
        for (const tool of ['msw', 'polly', 'nock', 'reeltape'])
          specs.push({
            key: `${concurrency === 1 ? 'sequential' : `${concurrency}-concurrent`} ${client === 'fetch' ? 'fetch' : 'http.get'}|${tool}`,
            tool,
            skip: setupError(tool, `items-${client}`),
            script: 'replay.mjs',
            argv: [
              '--case', 'replay', '--tool', tool, '--client', client, '--base', base, '--dir', await dirOf(tool), '--name', `items-${client}`,
              '--n', String(CFG.replayRequests), '--warmup', String(CFG.warmup), '--concurrency', String(concurrency),
            ],
            opts: { replay: true },
          });
    await throughputCases('replay', specs);
  }

  // 2. Recording throughput, sequential fetch.
  if (SECTIONS.has('record')) {
    const specs = [];
    for (const tool of ['plain', 'msw-passthrough', 'nock', 'polly', 'reeltape'])
      specs.push({
        key: tool,
        tool,
        script: 'record.mjs',
        // every run records into a fresh recording
        argv: (round) => [
          '--case', 'record-throughput', '--tool', tool, '--client', 'fetch', '--base', base, '--dir', path.join(work, tool),
          '--name', `rec-seq-${round}`, '--n', String(CFG.recordRequests), '--concurrency', '1',
        ],
      });
    for (const tool of ['plain', 'msw-passthrough', 'nock', 'polly', 'reeltape']) await dirOf(tool);
    await throughputCases('record', specs);
  }

  // 3. Memory: record one big response, then replay that recording.
  if (SECTIONS.has('memory')) {
    for (const tool of ['plain', 'msw-passthrough', 'nock', 'polly', 'reeltape'])
      await toolCase('memory-record', tool, tool, 'record.mjs', [
        '--case', 'memory-record', '--tool', tool, '--client', 'fetch', '--base', base, '--dir', await dirOf(tool), '--name', 'big',
        '--path', 'big', '--mb', String(CFG.bigMiB),
      ]);
    for (const tool of ['plain', 'msw', 'nock', 'polly', 'reeltape']) {
      const recorded = results.find((r) => r.section === 'memory-record' && r.key === tool);
      if (['nock', 'polly', 'reeltape'].includes(tool) && recorded?.error && !recorded.notBuilt) {
        record('memory-replay', tool, { tool, error: `recording failed: ${recorded.error}` });
        continue;
      }
      await toolCase('memory-replay', tool, tool, 'replay.mjs', [
        '--case', 'memory-replay', '--tool', tool, '--client', 'fetch', '--base', base, '--dir', await dirOf(tool), '--name', 'big',
        '--path', 'big', '--mb', String(CFG.bigMiB),
      ], { replay: tool !== 'plain' });
    }
  }

  /**
   * Fresh-process runs of `cases/first-response.mjs` on a recording made by `setup` (`spec.recording`), each case
   * `firstResponseRepeats` times, interleaved across cases like the throughput cases. Cases whose tool is off,
   * not built, or whose recording failed are recorded as such and not run.
   */
  async function freshProcessRuns(section, specs) {
    const cases = [];
    for (const spec of specs) {
      const skip = setupError(spec.tool, spec.recording);
      if (skip) record(section, spec.key, skip);
      else if (!toolEnabled(spec.tool)) continue;
      else if (spec.tool === 'reeltape' && !reeltape.ready) record(section, spec.key, { tool: spec.tool, notBuilt: true, error: NOT_BUILT });
      else cases.push({ ...spec, runs: [] });
    }
    for (let k = 0; k < CFG.firstResponseRepeats; k++)
      for (const c of cases) c.runs.push(await runCase('first-response.mjs', await c.argv(), { replay: c.tool !== 'plain' }));
    return cases;
  }

  // 4. First response and load time from large recordings, fresh process each (median of a few runs).
  if (SECTIONS.has('first-response')) {
    const sizes = [...new Set([...CFG.loadSizes, CFG.firstResponseSize])].sort((x, y) => x - y);
    for (const tool of ['polly', 'nock', 'reeltape'])
      for (const size of sizes) await setup(tool, `fr-${size}`, ['--client', 'fetch', '--n', String(size), '--concurrency', '50']);
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const specs = [];
    for (const tool of ['plain', 'polly', 'nock', 'reeltape'])
      for (const size of tool === 'plain' ? [CFG.firstResponseSize] : sizes)
        specs.push({ key: `${tool}|${size}`, tool, recording: `fr-${size}`, argv: async () => ['--tool', tool, '--base', base, '--dir', await dirOf(tool), '--name', `fr-${size}`, '--n', String(size)] });
    const cases = await freshProcessRuns('first-response', specs);
    for (const { key, tool, runs } of cases) {
      const ok = runs.filter((r) => !r.error);
      if (!ok.length) {
        record('first-response', key, { tool, ...runs[0] });
        continue;
      }
      const m = (f) => median(ok.map((r) => r[f]));
      record('first-response', key, {
        ...ok[0],
        tool,
        runs: ok.length,
        bootMs: m('bootMs'),
        importedMs: m('importedMs'),
        afterImportMs: m('afterImportMs'),
        afterImportRunsMs: ok.map((r) => r.afterImportMs),
        loadedMs: m('loadedMs'),
        firstResponseMs: m('firstResponseMs'),
        loadMs: m('loadMs'),
        closeMs: m('closeMs'),
        peakRssMiB: m('peakRssMiB'),
        liveRequests: runs.reduce((s, r) => s + (r.liveRequests ?? 0), 0) || undefined,
      });
    }
  }

  // 4b. Whole cassette lifetime (open, requests, close) from the largest first-response recording: one
  // request, and every recorded request; fresh process each, interleaved, median.
  if (SECTIONS.has('lifetime')) {
    const size = CFG.firstResponseSize;
    for (const tool of ['polly', 'nock', 'reeltape']) await setup(tool, `fr-${size}`, ['--client', 'fetch', '--n', String(size), '--concurrency', '50']);
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const specs = [];
    for (const tool of ['polly', 'nock', 'reeltape'])
      for (const variant of ['one', 'all'])
        specs.push({
          key: `${tool}|${variant}`,
          tool,
          variant,
          recording: `fr-${size}`,
          argv: async () => ['--case', 'lifetime', '--tool', tool, '--base', base, '--dir', await dirOf(tool), '--name', `fr-${size}`, '--n', String(size), '--all', variant === 'all' ? '1' : '0'],
        });
    const cases = await freshProcessRuns('lifetime', specs);
    for (const { key, tool, variant, runs } of cases) {
      const ok = runs.filter((r) => !r.error);
      if (!ok.length) {
        record('lifetime', key, { tool, ...runs[0] });
        continue;
      }
      const m = (f) => median(ok.map((r) => r[f]));
      record('lifetime', key, { ...ok[0], tool, variant, runs: ok.length, lifetimeMs: m('lifetimeMs'), closeMs: m('closeMs'), peakRssMiB: m('peakRssMiB'), lifetimeRunsMs: ok.map((r) => r.lifetimeMs) });
    }
  }

  // 5. Output-snapshot hashing (H4's bench/csv-hash.mjs), if present.
  if (SECTIONS.has('csv-hash')) {
    if (existsSync(path.join(BENCH, 'csv-hash.mjs'))) {
      const prev = process.env.BENCH_CSV_MB;
      process.env.BENCH_CSV_MB = String(CFG.csvMiB);
      record('csv-hash', 'csv-hash', await runCase('csv-hash.mjs', [], { timeoutS: 900 }));
      if (prev === undefined) delete process.env.BENCH_CSV_MB;
      else process.env.BENCH_CSV_MB = prev;
    } else record('csv-hash', 'csv-hash', { error: 'bench/csv-hash.mjs not present' });
  }

  // 6. Keyed diff of two large CSVs (hash-partitioned, bounded memory).
  if (SECTIONS.has('keyed-diff')) {
    process.env.BENCH_DIFF_MB = String(CFG.diffMiB);
    record('keyed-diff', 'keyed-diff', await runCase('keyed-diff.mjs', [], { timeoutS: QUICK ? 300 : 1800 }));
  }
} finally {
  await server.stop();
  if (process.env.BENCH_KEEP === '1') console.error(`[bench] kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
const { renderReport } = await import('./lib/report.mjs');
const machine = {
  nproc: os.availableParallelism?.() ?? os.cpus().length,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  durationS: Math.round((Date.now() - t0) / 1000),
};
const report = renderReport({ machine, config: CFG, results, reeltape });
process.stdout.write(report + '\n');
const outDir = path.join(BENCH, 'results');
await mkdir(outDir, { recursive: true });
const json = JSON.stringify({ machine, config: CFG, reeltape, results }, null, 2) + '\n';
const flavour = QUICK ? 'quick' : 'full';
await writeFile(path.join(outDir, 'latest.json'), json);
await writeFile(path.join(outDir, 'latest.md'), report + '\n');
await writeFile(path.join(outDir, `latest-${flavour}.json`), json);
await writeFile(path.join(outDir, `latest-${flavour}.md`), report + '\n');
console.error(`[bench] wrote bench/results/latest.json and latest.md (${flavour}) in ${machine.durationS}s`);
