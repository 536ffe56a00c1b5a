/**
 * Explains a hash mismatch: which columns, how many rows, and the first differing rows it can locate, from the
 * row sample kept in the snapshot, from `keepRows`, or (with `storeContent`) from the stored expected CSV.
 */
import { access } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { lazyRequire } from '../util/lazy-require.js';

const csvParse = lazyRequire<typeof import('csv-parse')>('csv-parse');
import { digestCsvFile, SAMPLE_ROWS, type SampledRow } from './csv-digest.js';
import { decodeDigests } from './row-hash.js';
import { keyedChanges } from './key-digest.js';
import { diffCsvFiles } from './table-diff.js';
import type { ChangedRow, HashMismatchDiff, ResolvedSnapshotOptions, SnapshotFileEntry } from './types.js';

/** At most this many changed rows are reported per file. */
export const MAX_CHANGED_ROWS = 5;
/** With keys and stored content, at most this many rows of each kind are shown with their cells. */
const MAX_KEYED_CELL_ROWS = 20;

/** Inputs of {@link explainMismatch}. */
export interface MismatchInputs {
  options: ResolvedSnapshotOptions;
  before: SnapshotFileEntry;
  after: SnapshotFileEntry;
  /** The new file's sampled rows, with contents. */
  afterSample: SampledRow[];
  /** The new file on disk. */
  afterFile: string;
  /** The stored expected copy (storeContent), if any. */
  storedFile: string | undefined;
}

/** Builds the `hash_mismatch` diff for a file whose compared hash moved. */
export async function explainMismatch(input: MismatchInputs): Promise<HashMismatchDiff> {
  const { options, before, after } = input;
  const compare = options.compare;
  const diff: HashMismatchDiff = {
    type: 'hash_mismatch',
    file: after.path,
    compare,
    expected: compare === 'bytes' ? before.sha256 : before.contentHash,
    actual: compare === 'bytes' ? after.sha256 : after.contentHash,
  };
  const ignored = new Set(options.ignoreColumns);
  const oldCols = before.columns.filter((c) => !ignored.has(c));
  const newCols = after.columns.filter((c) => !ignored.has(c));
  if (oldCols.join('\u0000') !== newCols.join('\u0000')) {
    diff.columns_changed = {
      added: newCols.filter((c) => !oldCols.includes(c)),
      removed: oldCols.filter((c) => !newCols.includes(c)),
    };
  }
  if (before.rows !== after.rows) diff.row_count_changed = { before: before.rows, after: after.rows };
  if (compare === 'bytes' && before.contentHash === after.contentHash) {
    diff.note = `parsed content is identical; only the bytes differ (line endings ${before.dialect.lineEnding} → ${after.dialect.lineEnding}, quoting or a BOM)`;
    return diff;
  }

  let rows: ChangedRow[];
  const stored = input.storedFile !== undefined && (await exists(input.storedFile)) ? input.storedFile : undefined;
  if (stored !== undefined && options.rowOrder === 'strict') {
    rows = await lockstepDiff(stored, input.afterFile, options);
  } else {
    let oldSample: Array<{ digest: number; row?: number; fields?: string[] }>;
    let oldComplete: boolean;
    if (stored !== undefined) {
      const d = await digestCsvFile(stored, {
        delimiter: options.delimiter,
        rowOrder: options.rowOrder,
        ignoreColumns: options.ignoreColumns,
        sampleSize: Math.max(SAMPLE_ROWS, options.keepRows),
      });
      oldSample = d.sample;
      oldComplete = d.sample.length >= d.rows;
    } else {
      const digests = decodeDigests(before.sample.digests);
      oldSample = digests.map((digest, i) => {
        const fields = before.keptRows?.[i];
        return before.sample.kind === 'first-rows' ? { digest, row: i + 1, fields } : { digest, fields };
      });
      oldComplete = digests.length >= before.rows;
    }
    const newComplete = input.afterSample.length >= after.rows;
    rows =
      options.rowOrder === 'strict'
        ? strictSampleDiff(oldSample, input.afterSample)
        : multisetSampleDiff(oldSample, oldComplete, input.afterSample, newComplete);
    if (rows.length === 0 && !diff.columns_changed) {
      diff.note =
        options.rowOrder === 'strict'
          ? `the first ${Math.min(oldSample.length, input.afterSample.length)} rows are unchanged; the difference is further down (capture with storeContent: true to see it)`
          : 'the changed rows are not among the sampled ones (capture with storeContent: true to see them)';
    }
  }
  if (rows.length > 0) diff.changed_rows = rows;
  if (options.keys && before.keyed && after.keyed && before.keyed.keys.join('\u0000') === after.keyed.keys.join('\u0000')) {
    diff.keyed = keyedChanges(before.keyed, after.keyed);
    if (stored !== undefined) {
      const { keys, ignoreColumns, delimiter } = options;
      diff.keyed.table = await diffCsvFiles(stored, input.afterFile, { keys, ignoreColumns, delimiter, maxRows: MAX_KEYED_CELL_ROWS });
    }
    // the keys say where the change is, so the hint about the row sample does not apply
    if (rows.length === 0) delete diff.note;
  }
  if (rows.some((r) => r.change === 'removed' && r.before === undefined) && diff.note === undefined) {
    diff.note = 'old row contents are not stored; capture with keepRows or storeContent: true to see them';
  }
  return diff;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function strictSampleDiff(
  old: Array<{ digest: number; row?: number; fields?: string[] }>,
  now: SampledRow[],
): ChangedRow[] {
  const out: ChangedRow[] = [];
  const n = Math.max(old.length, now.length);
  for (let i = 0; i < n && out.length < MAX_CHANGED_ROWS; i++) {
    const a = old[i];
    const b = now[i];
    if (a && b && a.digest === b.digest) continue;
    const row: ChangedRow = { row: i + 1, change: a && b ? 'changed' : b ? 'added' : 'removed' };
    if (a?.fields) row.before = a.fields;
    if (b) row.after = b.fields;
    out.push(row);
  }
  return out;
}

/**
 * Bottom-k sketches of two multisets: every row whose digest is at most both thresholds is in both sketches if it
 * is in both files, so the entries under the common threshold that appear on one side only are real changes.
 */
function multisetSampleDiff(
  old: Array<{ digest: number; row?: number; fields?: string[] }>,
  oldComplete: boolean,
  now: SampledRow[],
  nowComplete: boolean,
): ChangedRow[] {
  const maxOf = (s: Array<{ digest: number }>, complete: boolean): number =>
    complete || s.length === 0 ? Number.POSITIVE_INFINITY : s[s.length - 1]!.digest;
  const limit = Math.min(maxOf(old, oldComplete), maxOf(now, nowComplete));
  const counts = new Map<number, number>();
  for (const r of now) if (r.digest <= limit) counts.set(r.digest, (counts.get(r.digest) ?? 0) + 1);
  const removed: ChangedRow[] = [];
  for (const r of old) {
    if (r.digest > limit) continue;
    const c = counts.get(r.digest) ?? 0;
    if (c > 0) counts.set(r.digest, c - 1);
    else {
      const row: ChangedRow = { change: 'removed' };
      if (r.row !== undefined) row.row = r.row;
      if (r.fields) row.before = r.fields;
      removed.push(row);
    }
  }
  // Of equal rows, the last occurrences count as the added ones.
  const added: ChangedRow[] = [];
  for (let k = now.length - 1; k >= 0; k--) {
    const r = now[k]!;
    if (r.digest > limit) continue;
    const c = counts.get(r.digest) ?? 0;
    if (c > 0) {
      counts.set(r.digest, c - 1);
      added.unshift({ change: 'added', row: r.row, after: r.fields });
    }
  }
  const out: ChangedRow[] = [];
  while (out.length < MAX_CHANGED_ROWS && (removed.length > 0 || added.length > 0)) {
    const r = removed.shift();
    if (r) out.push(r);
    const a = added.shift();
    if (a && out.length < MAX_CHANGED_ROWS) out.push(a);
  }
  return out;
}

/** Streams both CSVs side by side (strict order) and reports the first differing rows anywhere in the files. */
async function lockstepDiff(oldFile: string, newFile: string, options: ResolvedSnapshotOptions): Promise<ChangedRow[]> {
  const open = (file: string): AsyncIterator<string[]> =>
    createReadStream(file)
      .pipe(
        csvParse().parse({
          delimiter: options.delimiter,
          bom: true,
          relax_column_count: true,
          skip_empty_lines: true,
        }),
      )
      [Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const a = open(oldFile);
  const b = open(newFile);
  const ignored = new Set(options.ignoreColumns);
  const keepIdx = async (it: AsyncIterator<string[]>): Promise<(r: string[]) => string[]> => {
    const h = await it.next();
    const header: string[] = h.done ? [] : h.value;
    const drop = new Set(header.flatMap((c, i) => (ignored.has(c) ? [i] : [])));
    return (r) => (drop.size ? r.filter((_, i) => !drop.has(i)) : r);
  };
  const keepA = await keepIdx(a);
  const keepB = await keepIdx(b);
  const out: ChangedRow[] = [];
  try {
    for (let row = 1; out.length < MAX_CHANGED_ROWS; row++) {
      const [ra, rb] = await Promise.all([a.next(), b.next()]);
      if (ra.done && rb.done) break;
      const fa = ra.done ? undefined : keepA(ra.value);
      const fb = rb.done ? undefined : keepB(rb.value);
      if (fa && fb && fa.length === fb.length && fa.every((v, i) => v === fb[i])) continue;
      const changed: ChangedRow = { row, change: fa && fb ? 'changed' : fb ? 'added' : 'removed' };
      if (fa) changed.before = fa;
      if (fb) changed.after = fb;
      out.push(changed);
    }
  } finally {
    await a.return?.();
    await b.return?.();
  }
  return out;
}

/** Where `storeContent` keeps the expected copy of `relPath`. */
export function storedCopyPath(contentDir: string, relPath: string): string {
  return path.join(contentDir, ...relPath.split('/'));
}
