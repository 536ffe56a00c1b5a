/**
 * Output-snapshot hashing case: runs H4's `bench/csv-hash.mjs` inside this process (size via env BENCH_CSV_MB)
 * with the RSS sampler running, so its peak RSS is measured the same way as every other case. Its output lines
 * go to stderr and the last few are kept; a "N MiB/s" figure in them becomes mibPerSec / mbPerSec, and a JSON
 * line, if it prints one, becomes `script`.
 */
import { fileURLToPath } from 'node:url';
import { args, RESULT_PREFIX, round, rssMiB, startRssSampler } from '../lib/common.mjs';

const a = args(['limit']);
const script = fileURLToPath(new URL('../csv-hash.mjs', import.meta.url));
const sampler = startRssSampler();
const baselineRssMiB = rssMiB();
const t0 = performance.now();
let lastJson;
let mibPerSec;
const lines = [];
let finished = false;

// Capture the script's own JSON output line without losing its other output (sent to stderr).
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const text = String(chunk);
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t) lines.push(t.slice(0, 300));
    if (lines.length > 8) lines.shift();
    const speed = /([\d.]+)\s*MiB\/s/.exec(t);
    if (speed) mibPerSec = Number(speed[1]);
    if (t.startsWith('{') && t.endsWith('}')) {
      try {
        lastJson = JSON.parse(t);
      } catch {
        /* not JSON after all */
      }
    }
  }
  return process.stderr.write(chunk, ...rest);
};

function report(error) {
  if (finished) return;
  finished = true;
  const result = {
    case: 'csv-hash',
    tool: 'reeltape',
    client: '-',
    csvMiB: Number(process.env.BENCH_CSV_MB ?? 1024),
    ms: round(performance.now() - t0),
    peakRssMiB: sampler.peakMiB(),
    baselineRssMiB,
    ...(mibPerSec !== undefined ? { mibPerSec, mbPerSec: round(mibPerSec * 1.048576, 0) } : {}),
    ...(lastJson ? { script: lastJson } : {}),
    scriptOutput: lines,
    ...(error ? { error: String(error instanceof Error ? error.message : error).slice(0, 500) } : {}),
  };
  write(RESULT_PREFIX + JSON.stringify(result) + '\n');
}

// The script may call process.exit itself; 'exit' listeners run synchronously, so the result still gets out.
process.on('exit', () => report());
setTimeout(() => {
  report(new Error(`csv-hash exceeded its ${a.limit ?? 600}s time limit`));
  process.exit(1);
}, Number(a.limit ?? 600) * 1000).unref();

try {
  const mod = await import(script);
  // A module may export main() instead of running on import.
  if (typeof mod.main === 'function') await mod.main();
  else if (typeof mod.default === 'function') await mod.default();
} catch (error) {
  report(error);
  process.exit(1);
}
