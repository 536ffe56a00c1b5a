/**
 * The logic of `expect(outputDir).toMatchOutputSnapshot(name?, options?)`, framework-free: the Vitest (and Jest)
 * adapters register {@link matchOutputSnapshot} with `expect.extend` and pass the context.
 */
import path from 'node:path';
import { ReeltapeError } from '../errors/index.js';
import { formatDiffTable } from './format.js';
import type { OutputSnapshotOptions } from './types.js';
import { validateOutputs } from './validate.js';

/** The failure message shows at most this many lines of the diff table. */
const MAX_MESSAGE_LINES = 40;

/** The first `max` lines of `text`, then a line saying how many were left out and where to see them all. */
function cutLines(text: string, max: number): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length <= max) return `${lines.join('\n')}\n`;
  return `${lines.slice(0, max).join('\n')}\n… ${lines.length - max} more lines (\`reeltape validate-snapshots --html report.html\` shows everything)\n`;
}

/** What the adapter knows about the running test. */
export interface MatcherContext {
  /** Directory of the snapshot files, normally `__snapshots__` next to the test file. */
  snapshotDir: string;
  /** Rewrite snapshots (`vitest -u`); see {@link isVitestUpdate}. */
  update: boolean;
  /** Running in CI: a missing snapshot fails instead of being created. */
  ci: boolean;
  /** Snapshot name when the test gives none (e.g. the current test's name); default: the output dir's base name. */
  defaultName?: string;
  /** Set when the assertion is negated (`expect(...).not`). */
  isNot?: boolean;
}

/** The matcher result, in the shape `expect.extend` expects. */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** Turns a snapshot name into a safe file name (`/`, `\`, spaces and other odd characters become `-`). */
export function snapshotFileName(name: string): string {
  const safe = name.trim().replace(/[^\w.@-]+/g, '-').replace(/^-+|-+$/g, '') || 'outputs';
  return `${safe}.outputs.json`;
}

/**
 * Validates `received` (an output directory) against `<snapshotDir>/<name>.outputs.json`.
 * Never throws for a difference: returns `pass: false` with the diff table. Bad input (malformed CSV, missing
 * snapshot in CI, contradicting options…) fails the assertion with the error's message.
 *
 * @example
 * ```ts
 * expect.extend({
 *   async toMatchOutputSnapshot(received: string, name?: string, options?: OutputSnapshotOptions) {
 *     return matchOutputSnapshot(received, name, options, {
 *       snapshotDir: path.join(path.dirname(this.testPath!), '__snapshots__'),
 *       update: isVitestUpdate(this.snapshotState), ci: isCiEnv(), defaultName: this.currentTestName,
 *     });
 *   },
 * });
 * ```
 */
export async function matchOutputSnapshot(
  received: unknown,
  name: string | undefined,
  options: OutputSnapshotOptions | undefined,
  ctx: MatcherContext,
): Promise<MatcherResult> {
  if (typeof received !== 'string') {
    return { pass: false, message: () => `toMatchOutputSnapshot expects an output directory path (string), got ${typeof received}` };
  }
  const snapshotName = name ?? ctx.defaultName ?? path.basename(path.resolve(received));
  const file = path.join(ctx.snapshotDir, snapshotFileName(snapshotName));
  try {
    const result = await validateOutputs(received, file, { ...options, update: ctx.update, ci: ctx.ci });
    if (result.ok) {
      return {
        pass: true,
        message: () => `expected ${received} not to match output snapshot ${file}, but it does`,
      };
    }
    return {
      pass: false,
      message: () =>
        `Outputs in ${received} do not match snapshot ${file}:\n\n${cutLines(formatDiffTable(result), MAX_MESSAGE_LINES)}\nIf the change is intended, update the snapshot with \`vitest -u\`.`,
    };
  } catch (error) {
    if (!(error instanceof ReeltapeError)) throw error;
    return { pass: false, message: () => error.message };
  }
}

/**
 * True when Vitest runs with `-u` / `--update`: its `SnapshotState` (from `expect.getState().snapshotState`, or
 * `this.snapshotState` in a matcher) reports `'all'`. Vitest's other values are `'new'` (the local default: write
 * new snapshots only) and `'none'` (CI); reeltape's own CI rule covers those.
 */
export function isVitestUpdate(snapshotState: unknown): boolean {
  if (snapshotState === null || typeof snapshotState !== 'object') return false;
  const s = snapshotState as { snapshotUpdateState?: unknown; _updateSnapshot?: unknown };
  return (s.snapshotUpdateState ?? s._updateSnapshot) === 'all';
}
