/**
 * Keyed CSV diff: aligns the rows of two CSV files by key columns (or, without keys, compares them as multisets)
 * and lists rows added, removed and changed, with each changed cell's before and after value.
 *
 * Memory: the expected file's rows are held in a map (keyed) or counted (unkeyed); the actual file is streamed
 * against it, so memory follows the expected file's size, not both. Only the first `maxRows` rows of each kind
 * are kept in the result; the counts are exact.
 */
import { createReadStream } from 'node:fs';
import { DuplicateKeyError, OutputCompareError } from '../errors/index.js';
import { lazyRequire } from '../util/lazy-require.js';

const csvParse = lazyRequire<typeof import('csv-parse')>('csv-parse');

/** Numeric tolerance of one column: equal when `|a - b| <= abs` or `|a - b| <= rel * max(|a|, |b|)`. */
export interface ColumnTolerance {
  /** Absolute tolerance, e.g. `0.01`. */
  abs?: number;
  /** Relative tolerance, e.g. `1e-6`. */
  rel?: number;
}

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
    const compared = (idx: number[], fields: string[]): string[] => idx.map((j, i) => norm[i]!(fields[j] ?? ''));
    if (keys.length > 0) await keyedDiff();
    else await multisetDiff();
    diff.equal = diff.columns === undefined && diff.counts.added + diff.counts.removed + diff.counts.changed === 0;
    return diff;

    async function keyedDiff(): Promise<void> {
      const keyNorm = keys.map((k) => norm[common.indexOf(k)] ?? ((v: string) => v));
      const keyIdxA = keys.map((k) => headA.indexOf(k));
      const keyIdxB = keys.map((k) => headB.indexOf(k));
      // One key column: its value is the map key; several: their JSON array, which cannot collide.
      const keyOf = (idx: number[], fields: string[]): string =>
        idx.length === 1 ? keyNorm[0]!(fields[idx[0]!] ?? '') : JSON.stringify(idx.map((j, i) => keyNorm[i]!(fields[j] ?? '')));
      const keyView = (head: string[], fields: string[]): Record<string, string> => view(head, fields, keys);
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
      for (let row = 1, fields; (fields = await expected.next()) !== undefined; row++) {
        const k = keyOf(keyIdxA, fields);
        const seen = before.get(k);
        if (seen) throw duplicate(expectedFile, headA, fields, [seen.row, row]);
        before.set(k, { row, fields });
      }
      const tolerances = common.map((c) => options.tolerance?.[c]);
      for (let row = 1, fields; (fields = await actual.next()) !== undefined; row++) {
        const k = keyOf(keyIdxB, fields);
        const old = before.get(k);
        if (old?.after !== undefined) throw duplicate(actualFile, headB, fields, [old.after, row]);
        if (!old) {
          before.set(k, { row: 0, fields: undefined, after: row });
          if (diff.counts.added++ < max) diff.added.push({ key: keyView(headB, fields), row, values: view(headB, fields, colsB) });
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
        if (cells.length > 0 && diff.counts.changed++ < max) {
          diff.changed.push({ key: keyView(headB, fields), rows: { before: old.row, after: row }, cells });
        }
      }
      for (const { row, fields, after } of before.values()) {
        if (after !== undefined || !fields) continue;
        if (diff.counts.removed++ < max) diff.removed.push({ key: keyView(headA, fields), row, values: view(headA, fields, colsA) });
      }
    }

    async function multisetDiff(): Promise<void> {
      // Expected rows by canonical form, each with the rows it came from (consumed first to last).
      const before = new Map<string, Array<{ row: number; fields: string[] }>>();
      for (let row = 1, fields; (fields = await expected.next()) !== undefined; row++) {
        const k = JSON.stringify(compared(idxA, fields));
        const list = before.get(k);
        if (list) list.push({ row, fields });
        else before.set(k, [{ row, fields }]);
      }
      for (let row = 1, fields; (fields = await actual.next()) !== undefined; row++) {
        const k = JSON.stringify(compared(idxB, fields));
        const list = before.get(k);
        if (list && list.length > 0) {
          list.shift();
          continue;
        }
        if (diff.counts.added++ < max) diff.added.push({ row, values: view(headB, fields, colsB) });
      }
      const left = [...before.values()].flat().sort((x, y) => x.row - y.row);
      for (const { row, fields } of left) {
        if (diff.counts.removed++ < max) diff.removed.push({ row, values: view(headA, fields, colsA) });
      }
    }
  } finally {
    await expected.close();
    await actual.close();
  }
}

/** Per common column, the function that turns a raw value into its compared form (trim, case). */
function normalizers(columns: string[], options: TableDiffOptions): Array<(v: string) => string> {
  const applies = (setting: boolean | string[] | undefined, column: string): boolean =>
    setting === true || (Array.isArray(setting) && setting.includes(column));
  return columns.map((c) => {
    const trim = applies(options.trim, c);
    const lower = applies(options.ignoreCase, c);
    if (trim && lower) return (v) => v.trim().toLowerCase();
    if (trim) return (v) => v.trim();
    if (lower) return (v) => v.toLowerCase();
    return (v) => v;
  });
}

function withinTolerance(a: string, b: string, tol: ColumnTolerance | undefined): boolean {
  if (!tol || a.trim() === '' || b.trim() === '') return false;
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  const delta = Math.abs(x - y);
  return (tol.abs !== undefined && delta <= tol.abs) || (tol.rel !== undefined && delta <= tol.rel * Math.max(Math.abs(x), Math.abs(y)));
}

/**
 * A CSV file read as a stream of records: the header first, then the data rows (`undefined` at the end). The file is opened on the
 * first read, so an open error reaches a running iterator instead of an unlistened stream.
 */
function openCsv(file: string, delimiter = ','): { header(): Promise<string[]>; next(): Promise<string[] | undefined>; close(): Promise<void> } {
  let source: { stream: ReturnType<typeof createReadStream>; it: AsyncIterator<string[]> } | undefined;
  const next = async (): Promise<IteratorResult<string[]>> => {
    if (!source) {
      const stream = createReadStream(file);
      const parser = stream.pipe(csvParse().parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true }));
      stream.on('error', (error) => parser.destroy(error));
      source = { stream, it: parser[Symbol.asyncIterator]() as AsyncIterator<string[]> };
    }
    try {
      return await source.it.next();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new OutputCompareError(`Cannot read CSV ${file}: ${message}. Check that it exists and is well-formed CSV.`, file, { cause: error });
    }
  };
  return {
    async header() {
      const first = await next();
      return first.done ? [] : first.value;
    },
    async next() {
      const r = await next();
      return r.done ? undefined : r.value;
    },
    async close() {
      await source?.it.return?.();
      source?.stream.destroy();
    },
  };
}
