/**
 * `validateOutputs`: compares an output directory with its snapshot file, creates or updates it when allowed.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { OutputSnapshotError } from '../errors/index.js';
import { explainMismatch, storedCopyPath } from './explain.js';
import { contentDirOf, OutputSnapshot, resolveSnapshotOptions, sampleRowsOf } from './output-snapshot.js';
import type {
  OutputSnapshotOptions,
  ResolvedSnapshotOptions,
  SnapshotDiff,
  ValidateOptions,
  ValidationResult,
} from './types.js';

/** `CI` is set unless it is empty, `0` or `false` (case-insensitive). */
export function isCiEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Validates `outputDir` against `snapshotFile`.
 *
 * - Missing snapshot: an {@link OutputSnapshotError} when `ci` (default: the `CI` env variable) and not `update`;
 *   otherwise it is captured, saved, and the result has `created: true`.
 * - The options stored in the snapshot are applied; an option given here that contradicts a stored one is an
 *   {@link OutputSnapshotError} unless `update` (then the new options are captured and saved).
 * - With `update`, a snapshot that differs is rewritten (`updated: true`, `ok: true`, `diffs` say what changed).
 *
 * @example
 * ```ts
 * const result = await validateOutputs('out', 'test/__snapshots__/orders.outputs.json');
 * if (!result.ok) console.log(formatDiffTable(result));
 * ```
 */
export async function validateOutputs(
  outputDir: string,
  snapshotFile: string,
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const { update = false, ci = isCiEnv(), ...captureOptions } = options;
  const file = path.resolve(snapshotFile);
  const dir = path.resolve(outputDir);
  const base = { snapshotFile: file, outputDir: dir };
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    if (ci && !update) {
      throw new OutputSnapshotError(
        `Output snapshot ${file} does not exist, and snapshots are not created in CI (CI is set). Create it locally (run the test, or \`reeltape validate-snapshots --update\` / \`vitest -u\`) and commit it.`,
        file,
      );
    }
    const snapshot = await OutputSnapshot.capture(dir, captureOptions);
    await snapshot.save(file);
    return { ok: true, diffs: [], created: true, ...base };
  }
  const stored = await OutputSnapshot.load(file);
  const conflicts = optionConflicts(stored.options, captureOptions);
  if (conflicts.length > 0 && !update) {
    throw new OutputSnapshotError(
      `Options given to validate ${dir} contradict the ones stored in ${file}: ${conflicts.join('; ')}. Drop them (the stored options are applied anyway) or re-capture with update (\`--update\` / \`vitest -u\`).`,
      file,
    );
  }
  const effective: OutputSnapshotOptions = update ? { ...stored.options, ...definedOnly(captureOptions) } : stored.options;
  const current = await OutputSnapshot.captureOrEmpty(dir, effective, true);
  const diffs = await diffSnapshots(stored, current, file);
  if (update) {
    const changed = current.serialize() !== stored.serialize();
    if (changed) await current.save(file);
    return { ok: true, diffs, ...(changed ? { updated: true } : {}), ...base };
  }
  return { ok: diffs.length === 0, diffs, ...base };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Human-readable contradictions between stored options and explicitly given ones. */
export function optionConflicts(stored: ResolvedSnapshotOptions, given: OutputSnapshotOptions): string[] {
  const explicit = definedOnly(given) as OutputSnapshotOptions;
  const resolved = resolveSnapshotOptions(explicit);
  const out: string[] = [];
  for (const key of Object.keys(explicit) as Array<keyof OutputSnapshotOptions>) {
    const a = JSON.stringify(stored[key]);
    const b = JSON.stringify(resolved[key]);
    if (a !== b) out.push(`${key}: snapshot has ${a}, given ${b}`);
  }
  return out;
}

/** Diffs a stored snapshot against a fresh capture (taken with the stored options). */
async function diffSnapshots(stored: OutputSnapshot, current: OutputSnapshot, snapshotFile: string): Promise<SnapshotDiff[]> {
  const now = new Map(current.files.map((f) => [f.path, f]));
  const before = new Map(stored.files.map((f) => [f.path, f]));
  const options = current.options;
  const contentDir = contentDirOf(snapshotFile);
  const diffs: SnapshotDiff[] = [];
  const paths = [...new Set([...before.keys(), ...now.keys()])].sort();
  for (const p of paths) {
    const a = before.get(p);
    const b = now.get(p);
    if (a && !b) diffs.push({ type: 'missing', file: p });
    else if (!a && b) diffs.push({ type: 'unexpected', file: p, rows: b.rows, columns: b.columns });
    else if (a && b) {
      const same = options.compare === 'bytes' ? a.sha256 === b.sha256 : a.contentHash === b.contentHash;
      if (same) continue;
      diffs.push(
        await explainMismatch({
          options,
          before: a,
          after: b,
          afterSample: sampleRowsOf(current, p) ?? [],
          afterFile: path.join(current.outputDir ?? '', ...p.split('/')),
          storedFile: stored.options.storeContent ? storedCopyPath(contentDir, p) : undefined,
        }),
      );
    }
  }
  return diffs;
}
