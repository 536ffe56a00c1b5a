/**
 * Keyed CSV diff: aligns the rows of two CSV files by key columns (or, without keys, compares them as multisets)
 * and lists rows added, removed and changed, with each changed cell's before and after value.
 *
 * Memory: the expected rows are held in a map (keyed) or counted (unkeyed) while the actual rows stream against
 * it. Files larger than `partitionBytes` are first hash-partitioned into temp files (see `table-spill.ts`), so
 * memory follows the partition size whatever the file size. Only the first `maxRows` rows of each kind are kept
 * in the result; the counts are exact.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuplicateKeyError, OutputCompareError } from '../errors/index.js';
import { normalizers, openCsv, withinTolerance, type ColumnTolerance, type NumberedRow } from './csv-rows.js';
import { partitionOf, readSpilled, spillRows } from './table-spill.js';

export type { ColumnTolerance } from './csv-rows.js';

/**
 * Options of {@link diffCsvFiles}.
 *
 * @example
 * ```ts
 * const options: TableDiffOptions = {
 *   keys: ['id'],
 *   tolerance: { amount: { abs: 0.01 }, rate: { rel: 1e-6 } },
 *   ignoreColumns: ['extracted_at'],
 *   trim: ['name'],
 *   ignoreCase: ['email'],
 * };
 * ```
 */
export interface TableDiffOptions {
  /** Key columns that align rows whatever their order. Without keys, rows are compared as a multiset. */
  keys?: string[];
  /** Per-column numeric tolerance (needs `keys`). A value that is not a number is compared as text. */
  tolerance?: Record<string, ColumnTolerance>;
  /** Columns left out of the comparison entirely. */
  ignoreColumns?: string[];
  /** Compare these columns (or all, with `true`) case-insensitively. */
  ignoreCase?: boolean | string[];
  /** Ignore whitespace around the values of these columns (or all, with `true`). */
  trim?: boolean | string[];
  /** Field delimiter, one character. Default `,`. */
  delimiter?: string;
  /** At most this many rows of each kind (added, removed, changed) are listed. Default 100. */
  maxRows?: number;
  /**
   * Files larger than this (bytes) are hash-partitioned into temp files of about this size and diffed one
   * partition at a time, in bounded memory. Default 4 MiB (a partition takes roughly 20× its size in memory while it is diffed).
   */
  partitionBytes?: number;
}

/** One changed cell of a keyed row. */
export interface CellChange {
  /** Column name. */
  column: string;
  /** Value in the expected file. */
  before: string;
  /** Value in the actual file. */
  after: string;
}

/** A row present on one side only. */
export interface TableRow {
  /** The row's key (keyed diffs only). */
  key?: Record<string, string>;
  /** 1-based data row (header excluded) in the file it comes from. */
  row: number;
  /** The row's values by column (ignored columns left out). */
  values: Record<string, string>;
}

/** A row whose key is in both files and whose compared cells differ. */
export interface ChangedTableRow {
  /** The row's key. */
  key: Record<string, string>;
  /** 1-based data rows in the expected and the actual file. */
  rows: { before: number; after: number };
  /** The differing cells. */
  cells: CellChange[];
}

/**
 * Result of {@link diffCsvFiles}.
 *
 * @example
 * ```ts
 * const diff = await diffCsvFiles('a.csv', 'b.csv', { keys: ['id'] });
 * console.log(diff.counts); // { added: 1, removed: 0, changed: 2 }
 * ```
 */
export interface TableDiff {
  /** True when no row and no compared column differs. */
  equal: boolean;
  /** Key columns used (empty: multiset comparison). */
  keys: string[];
  /** Columns only in one file (ignored columns left out); only the common columns are compared. */
  columns?: { added: string[]; removed: string[] };
  /** Exact counts of rows added, removed and changed. */
  counts: { added: number; removed: number; changed: number };
  /** Rows only in the actual file (the first `maxRows`). */
  added: TableRow[];
  /** Rows only in the expected file (the first `maxRows`). */
  removed: TableRow[];
  /** Rows with the same key and different cells (keyed only; the first `maxRows`). */
  changed: ChangedTableRow[];
}

const DEFAULT_MAX_ROWS = 100;
const DEFAULT_PARTITION_BYTES = 4 * 1024 * 1024;
/** More partitions than this are not opened at once; partitions grow instead. */
const MAX_PARTITIONS = 1024;

/**
 * Diffs two CSV files (expected, actual) by key columns, or as multisets of rows without keys.
 * Throws {@link DuplicateKeyError} when a key repeats within one file and {@link OutputCompareError} for an
 * unreadable or malformed file or a key column the file lacks.
 *
 * @example
 * ```ts
 * const diff = await diffCsvFiles('expected/orders.csv', 'actual/orders.csv', { keys: ['id'], tolerance: { amount: { abs: 0.01 } } });
 * for (const row of diff.changed) console.log(row.key, row.cells); // { id: '7' } [{ column: 'status', before: 'open', after: 'paid' }]
 * ```
 */
export async function diffCsvFiles(expectedFile: string, actualFile: string, options: TableDiffOptions = {}): Promise<TableDiff> {
  const keys = options.keys ?? [];
  if (keys.length === 0 && options.tolerance && Object.keys(options.tolerance).length > 0) {
    throw new OutputCompareError(
      `A numeric tolerance was given for ${actualFile} without key columns; tolerance needs rows aligned by key. Add \`keys\` (e.g. keys: ['id']) or remove \`tolerance\`.`,
      actualFile,
    );
  }
  const max = options.maxRows ?? DEFAULT_MAX_ROWS;
  const expected = openCsv(expectedFile, options.delimiter);
  const actual = openCsv(actualFile, options.delimiter);
  let spillDir: string | undefined;
  try {
    const headA = await expected.header();
    const headB = await actual.header();
    const ignored = new Set(options.ignoreColumns ?? []);
    const colsA = headA.filter((c) => !ignored.has(c));
    const colsB = headB.filter((c) => !ignored.has(c));
    for (const [file, head] of [[expectedFile, headA], [actualFile, headB]] as const) {
      const missing = keys.filter((k) => !head.includes(k));
      if (missing.length > 0) {
        throw new OutputCompareError(
          `${file} has no key column ${missing.map((k) => `"${k}"`).join(', ')} (its columns: ${head.join(', ') || 'none'}). Fix \`keys\` for this file.`,
          file,
        );
      }
    }
    const common = colsA.filter((c) => colsB.includes(c));
    const diff: TableDiff = { equal: true, keys: [...keys], counts: { added: 0, removed: 0, changed: 0 }, added: [], removed: [], changed: [] };
    const added = colsB.filter((c) => !colsA.includes(c));
    const removed = colsA.filter((c) => !colsB.includes(c));
    if (added.length > 0 || removed.length > 0) diff.columns = { added, removed };

    const norm = normalizers(common, options);
    const view = (head: string[], fields: string[], columns: string[]): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const c of columns) out[c] = fields[head.indexOf(c)] ?? '';
      return out;
    };
    // Where each common column sits in each file (column order may differ between the files).
    const idxA = common.map((c) => headA.indexOf(c));
    const idxB = common.map((c) => headB.indexOf(c));
    const compared = (idx: number[], fields: string[]): string => JSON.stringify(idx.map((j, i) => norm[i]!(fields[j] ?? '')));
    const keyNorm = keys.map((k) => norm[common.indexOf(k)] ?? ((v: string) => v));
    const keyIdxA = keys.map((k) => headA.indexOf(k));
    const keyIdxB = keys.map((k) => headB.indexOf(k));
    // One key column: its value is the map key; several: their JSON array, which cannot collide.
    const keyOf = (idx: number[], fields: string[]): string =>
      idx.length === 1 ? keyNorm[0]!(fields[idx[0]!] ?? '') : JSON.stringify(idx.map((j, i) => keyNorm[i]!(fields[j] ?? '')));
    const keyView = (head: string[], fields: string[]): Record<string, string> => view(head, fields, keys);
    const groupA = (fields: string[]): string => (keys.length > 0 ? keyOf(keyIdxA, fields) : compared(idxA, fields));
    const groupB = (fields: string[]): string => (keys.length > 0 ? keyOf(keyIdxB, fields) : compared(idxB, fields));
    const diffPart = keys.length > 0 ? keyedDiff : multisetDiff;

    const partBytes = options.partitionBytes ?? DEFAULT_PARTITION_BYTES;
    const size = Math.max(...(await Promise.all([expectedFile, actualFile].map(async (f) => (await stat(f).catch(() => undefined))?.size ?? 0))));
    const parts = Math.min(MAX_PARTITIONS, Math.ceil(size / partBytes));
    if (parts <= 1) await diffPart(expected.rows(), actual.rows());
    else {
      spillDir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-diff-'));
      const filesA = await spillRows(expected.rows(), (f) => partitionOf(groupA(f), parts), parts, spillDir, 'expected');
      const filesB = await spillRows(actual.rows(), (f) => partitionOf(groupB(f), parts), parts, spillDir, 'actual');
      for (let p = 0; p < parts; p++) {
        await diffPart(readSpilled(filesA[p]!), readSpilled(filesB[p]!));
        // Each partition lists its first rows of each kind; together they hold the files' first `max` rows.
        diff.added.sort((x, y) => x.row - y.row).splice(max);
        diff.removed.sort((x, y) => x.row - y.row).splice(max);
        diff.changed.sort((x, y) => x.rows.after - y.rows.after).splice(max);
      }
    }
    diff.equal = diff.columns === undefined && diff.counts.added + diff.counts.removed + diff.counts.changed === 0;
    return diff;

    /** Diffs one pair of row streams (the whole files, or one partition of each) into `diff`. */
    async function keyedDiff(rowsA: AsyncIterable<NumberedRow[]>, rowsB: AsyncIterable<NumberedRow[]>): Promise<void> {
      const listed = { added: 0, removed: 0, changed: 0 };
      const duplicate = (file: string, head: string[], fields: string[], rows: [number, number]): DuplicateKeyError => {
        const key = keyView(head, fields);
        const shown = Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
        return new DuplicateKeyError(
          `${file}: duplicate key ${shown} (data rows ${rows[0]} and ${rows[1]}); rows cannot be aligned by key. Add a column to \`keys\` that makes rows unique, or compare without keys.`,
          file,
          key,
          rows,
        );
      };
      // Expected rows by key. An actual row marks its key as seen (`after`) and frees the expected fields, so a
      // repeated key in the actual file is found without a second map; the entries never seen are the removed rows.
      const before = new Map<string, { row: number; fields: string[] | undefined; after?: number }>();
      for await (const batch of rowsA) for (const [row, fields] of batch) {
        const k = keyOf(keyIdxA, fields);
        const seen = before.get(k);
        if (seen) throw duplicate(expectedFile, headA, fields, [seen.row, row]);
        before.set(k, { row, fields });
      }
      const tolerances = common.map((c) => options.tolerance?.[c]);
      for await (const batch of rowsB) for (const [row, fields] of batch) {
        const k = keyOf(keyIdxB, fields);
        const old = before.get(k);
        if (old?.after !== undefined) throw duplicate(actualFile, headB, fields, [old.after, row]);
        if (!old) {
          before.set(k, { row: 0, fields: undefined, after: row });
          diff.counts.added++;
          if (listed.added++ < max) diff.added.push({ key: keyView(headB, fields), row, values: view(headB, fields, colsB) });
          continue;
        }
        const oldFields = old.fields!;
        old.after = row;
        old.fields = undefined;
        const cells: CellChange[] = [];
        for (let i = 0; i < common.length; i++) {
          const a = norm[i]!(oldFields[idxA[i]!] ?? '');
          const b = norm[i]!(fields[idxB[i]!] ?? '');
          if (a === b || withinTolerance(a, b, tolerances[i])) continue;
          cells.push({ column: common[i]!, before: oldFields[idxA[i]!] ?? '', after: fields[idxB[i]!] ?? '' });
        }
        if (cells.length === 0) continue;
        diff.counts.changed++;
        if (listed.changed++ < max) diff.changed.push({ key: keyView(headB, fields), rows: { before: old.row, after: row }, cells });
      }
      for (const { row, fields, after } of before.values()) {
        if (after !== undefined || !fields) continue;
        diff.counts.removed++;
        if (listed.removed++ < max) diff.removed.push({ key: keyView(headA, fields), row, values: view(headA, fields, colsA) });
      }
    }

    async function multisetDiff(rowsA: AsyncIterable<NumberedRow[]>, rowsB: AsyncIterable<NumberedRow[]>): Promise<void> {
      const listed = { added: 0, removed: 0 };
      // Expected rows by canonical form, each with the rows it came from (consumed first to last).
      const before = new Map<string, Array<{ row: number; fields: string[] }>>();
      for await (const batch of rowsA) for (const [row, fields] of batch) {
        const k = compared(idxA, fields);
        const list = before.get(k);
        if (list) list.push({ row, fields });
        else before.set(k, [{ row, fields }]);
      }
      for await (const batch of rowsB) for (const [row, fields] of batch) {
        const list = before.get(compared(idxB, fields));
        if (list && list.length > 0) {
          list.shift();
          continue;
        }
        diff.counts.added++;
        if (listed.added++ < max) diff.added.push({ row, values: view(headB, fields, colsB) });
      }
      const left = [...before.values()].flat().sort((x, y) => x.row - y.row);
      for (const { row, fields } of left) {
        diff.counts.removed++;
        if (listed.removed++ < max) diff.removed.push({ row, values: view(headA, fields, colsA) });
      }
    }
  } finally {
    await expected.close();
    await actual.close();
    if (spillDir) await rm(spillDir, { recursive: true, force: true });
  }
}
