/**
 * Keyed CSV diff case: two generated CSVs of BENCH_DIFF_MB MiB each (the second with every 1000th row changed,
 * rows 0.1% added and removed, and shuffled in blocks), diffed by `id` with `diffCsvFiles` from the built dist.
 * The files are written by a child process (so this process's peak RSS is the diff's) into a temp dir that is
 * removed afterwards, also on error. Reports time, MB/s over both files, and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, emit, fail, MiB, round, rssMiB, startRssSampler, timeLimit } from '../lib/common.mjs';

const a = args(['limit']);
const mb = Number(process.env.BENCH_DIFF_MB ?? 1024);
const base = { case: 'keyed-diff', tool: 'reeltape', client: '-', fileMiB: mb };
timeLimit(base, Number(a.limit ?? 900));

const GENERATE = `
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
const [file, mb, variant] = process.argv.slice(1);
const out = createWriteStream(file);
out.write('id,name,email,amount,created_at\\n');
let written = 0;
for (let i = 0; written < Number(mb) * 1048576; ) {
  const parts = [];
  for (let k = 0; k < 20000; k++, i++) {
    const other = variant === 'b';
    if (other && i % 997 === 0) continue; // removed
    const amount = other && i % 1000 === 0 ? i + 1 : i;
    parts.push(\`\${i},user\${i % 50000},user\${i % 50000}@example.com,\${amount}.50,2024-01-\${(i % 28) + 10}T10:00:00Z\\n\`);
    if (other && i % 991 === 0) parts.push(\`\${-i - 1},new,new@example.com,1.00,2024-02-01T00:00:00Z\\n\`); // added
  }
  if (variant === 'b') parts.reverse(); // another row order
  const block = parts.join('');
  written += block.length;
  if (!out.write(block)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
`;

const dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-bench-diff-'));
try {
  const files = { a: path.join(dir, 'expected.csv'), b: path.join(dir, 'actual.csv') };
  for (const [variant, file] of Object.entries(files)) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', GENERATE, file, String(mb), variant], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`generating ${file} failed (exit ${r.status})`);
  }
  const bytes = (await stat(files.a)).size + (await stat(files.b)).size;
  const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');
  const { diffCsvFiles } = await import(pathToFileURL(dist).href);
  const baselineRssMiB = rssMiB();
  const sampler = startRssSampler();
  const t0 = performance.now();
  const diff = await diffCsvFiles(files.a, files.b, { keys: ['id'], maxRows: 5 });
  const ms = performance.now() - t0;
  const result = {
    ...base,
    bytes,
    ms: round(ms, 0),
    mbPerSec: round(bytes / 1e6 / (ms / 1000), 1),
    mibPerSec: round(bytes / MiB / (ms / 1000), 1),
    peakRssMiB: sampler.peakMiB(),
    baselineRssMiB,
    counts: diff.counts,
  };
  await rm(dir, { recursive: true, force: true });
  emit(result);
} catch (error) {
  await rm(dir, { recursive: true, force: true });
  fail(base, error);
}
