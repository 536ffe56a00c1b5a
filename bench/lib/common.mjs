/**
 * Shared helpers for benchmark case processes: argument parsing, peak-RSS sampling,
 * a hard time limit, and the one-line JSON result protocol the runner reads.
 */
import { parseArgs } from 'node:util';

export const MiB = 1024 * 1024;
/** Prefix of the one result line a case prints on stdout (tools may print other lines). */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/**
 * Parse `--key value` arguments into a plain object of strings.
 * @param {string[]} names
 */
export function args(names) {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' }]));
  return parseArgs({ args: process.argv.slice(2), options, strict: true }).values;
}

/**
 * Samples `process.memoryUsage.rss()` every 5 ms; `peakMiB()` combines the samples with
 * `process.resourceUsage().maxRSS` (the kernel's high-water mark, which catches spikes between samples).
 */
export function startRssSampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, 5);
  timer.unref();
  return {
    /** Peak RSS so far, in MiB. */
    peakMiB() {
      const sampled = Math.max(peak, process.memoryUsage.rss());
      const kernel = process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
      return round(Math.max(sampled, kernel) / MiB);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Current RSS in MiB. */
export function rssMiB() {
  return round(process.memoryUsage.rss() / MiB);
}

/** Round to one decimal. */
export function round(n, digits = 1) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Print the result line and exit 0. */
export function emit(result) {
  process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n', () => process.exit(0));
}

/** Print an error result line and exit 1. */
export function fail(base, error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stdout.write(RESULT_PREFIX + JSON.stringify({ ...base, error: message.slice(0, 500) }) + '\n', () =>
    process.exit(1),
  );
}

/**
 * Kill this case (with an error result) if it runs longer than `seconds`: every case is bounded.
 */
export function timeLimit(base, seconds) {
  const t = setTimeout(() => fail(base, new Error(`case exceeded its ${seconds}s time limit`)), seconds * 1000);
  t.unref();
}
