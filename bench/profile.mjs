/**
 * Profile one replay case with `node --cpu-prof` and print the top self-time functions.
 *
 *   node bench/profile.mjs [tool=reeltape] [client=fetch] [n=2000] [phase=replay|record] [concurrency=1]
 *
 * Starts the loopback server, records the items with the tool (not for `msw`), replays them sequentially
 * under --cpu-prof (phase `record`: profiles the sequential recording instead), then summarizes the .cpuprofile: self time per function (and per package/file), top 25.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const [tool = 'reeltape', client = 'fetch', nArg = '2000', phase = 'replay', concurrency = '1'] = process.argv.slice(2);
const n = Number(nArg);
const env = { ...process.env };
delete env.CI;
delete env.REELTAPE_MODE;

const work = await mkdtemp(path.join(os.tmpdir(), 'reeltape-prof-'));
const server = spawn(process.execPath, [path.join(BENCH, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env });
try {
  const { port } = JSON.parse(await new Promise((resolve) => readline.createInterface({ input: server.stdout }).once('line', resolve)));
  const base = `http://127.0.0.1:${port}`;
  const common = ['--tool', tool, '--client', client, '--base', base, '--dir', work, '--name', 'prof', '--n', String(n), '--warmup', '100'];
  const profDir = path.join(work, 'prof-out');
  if (phase === 'record') {
    const r = spawnSync(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', profDir, path.join(BENCH, 'cases/record.mjs'), ...common, '--concurrency', concurrency],
      { env, encoding: 'utf8' },
    );
    process.stderr.write(r.stdout + r.stderr);
    if (r.status !== 0) throw new Error('the record case failed; see its result line above');
  } else if (tool !== 'msw') {
    const r = spawnSync(process.execPath, [path.join(BENCH, 'cases/record.mjs'), ...common, '--concurrency', '20'], { env, encoding: 'utf8' });
    process.stderr.write(r.stdout);
    if (r.status !== 0) throw new Error('recording failed; see its result line above');
  }
  if (phase !== 'record') {
    const r = spawnSync(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', profDir, path.join(BENCH, 'cases/replay.mjs'), ...common, '--concurrency', concurrency],
      { env, encoding: 'utf8' },
    );
    process.stderr.write(r.stdout + r.stderr);
    if (r.status !== 0) throw new Error('the replay case failed; see its result line above');
  }
  const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const profile = JSON.parse(await readFile(path.join(profDir, file), 'utf8'));
  summarize(profile);
} finally {
  server.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
}

function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const files = new Map();
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const where = f.url ? f.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(process.cwd() + '/', '') : '(native)';
    const key = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const group = f.url ? where.replace(/^nm:((?:@[^/]+\/)?[^/]+).*/, '$1').replace(/^node:.*/, 'node: internals') : f.functionName;
    files.set(group, (files.get(group) ?? 0) + us);
  }
  // Inclusive time of reeltape's own functions (files under dist/): every sample counts once per function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const keyOf = (f) => `${f.functionName || '(anonymous)'}  ${f.url.replace(/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
  const inclusive = new Map();
  const ownSelf = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    let first = true;
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (f.url.includes('/dist/') && !f.url.includes('node_modules')) {
        const key = keyOf(f);
        if (first) ownSelf.set(key, (ownSelf.get(key) ?? 0) + (dt[i] ?? 0));
        if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + (dt[i] ?? 0));
        seen.add(key);
      }
      first = false;
    }
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\nTotal sampled: ${(total / 1000).toFixed(0)} ms  (${tool}, ${phase}, ${client}, ${n} requests, ${concurrency} in flight)\n\nTop self time by function:`);
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  // Who calls the top self-time functions (most frequent 9-frame caller chain).
  const chains = new Map();
  const top = [...fns].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k]) => k.split('  ')[0]);
  for (let i = 0; i < profile.samples.length; i++) {
    const leaf = byId.get(profile.samples[i]).callFrame.functionName;
    if (!top.includes(leaf) || leaf.startsWith('(')) continue;
    const frames = [];
    for (let id = parent.get(profile.samples[i]); id !== undefined && frames.length < 9; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      frames.push(`${f.functionName || '(anon)'}@${f.url.split('/').pop()}:${f.lineNumber + 1}`);
    }
    const key = `${leaf} <- ${frames.join(' <- ')}`;
    chains.set(key, (chains.get(key) ?? 0) + (dt[i] ?? 0));
  }
  console.log('\nMost frequent callers of the top functions:');
  for (const [k, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  if (inclusive.size) {
    console.log('\nreeltape (dist/) functions, inclusive time (self + callees):');
    for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
    console.log('\nreeltape (dist/) functions, self time:');
    for (const [k, us] of [...ownSelf].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  }
  console.log('\nSelf time by package / area:');
  for (const [k, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
}
