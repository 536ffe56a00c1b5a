/**
 * Types of the output-snapshot validator: options, the snapshot file format (v1), diffs and results.
 */

import type { TableDiff } from './table-diff.js';

/** How the rows of a CSV file are compared. */
export type RowOrder = 'strict' | 'ignore';

/** What a snapshot compares: parsed CSV content (default) or raw bytes. */
export type CompareMode = 'content' | 'bytes';

/**
 * Options of {@link OutputSnapshot.capture}. They are stored in the snapshot and applied again by validation,
 * so capture and validation always agree.
 *
 * @example
 * ```ts
 * await OutputSnapshot.capture('out', { ignoreColumns: ['extracted_at'], rowOrder: 'ignore' });
 * ```
 */
export interface OutputSnapshotOptions {
  /** Glob patterns (picomatch, relative to the output dir) of files to snapshot. Default `['**\/*.csv']`. */
  include?: string[];
  /** Glob patterns of files to leave out. Default `[]`. */
  exclude?: string[];
  /** `'strict'` (default): row order matters. `'ignore'`: rows are compared as a multiset. */
  rowOrder?: RowOrder;
  /** Columns (by header name) hashed as if absent, e.g. `extracted_at`, `run_id`. Default `[]`. */
  ignoreColumns?: string[];
  /**
   * `'content'` (default): parsed rows are compared, so CRLF vs LF, a BOM and optional quoting do not count.
   * `'bytes'`: the raw SHA-256 is compared.
   */
  compare?: CompareMode;
  /** Field delimiter, one character. Default `,`. */
  delimiter?: string;
  /**
   * Store up to this many rows per file inside the snapshot (the first rows, or with `rowOrder: 'ignore'`
   * the rows with the smallest row digests), so a mismatch can show the old row next to the new one. Default 0.
   */
  keepRows?: number;
  /**
   * Store a full copy of every expected CSV next to the snapshot (`<snapshot>.outputs/<file>` for
   * `<snapshot>.outputs.json`), so a mismatch shows the exact differing rows anywhere in the file. Default false.
   */
  storeContent?: boolean;
  /**
   * Key columns of the CSVs. Each file that has them keeps a compact digest per key (up to
   * 100,000 rows), so a mismatch names the keys whose rows were changed, added or removed even without the
   * expected content; with `storeContent` it also shows the changed cells. Files without these columns are
   * snapshotted as usual. Default none.
   */
  keys?: string[];
}

/** {@link OutputSnapshotOptions} with every default filled in, as stored in a snapshot file. */
export interface ResolvedSnapshotOptions {
  include: string[];
  exclude: string[];
  rowOrder: RowOrder;
  ignoreColumns: string[];
  compare: CompareMode;
  delimiter: string;
  keepRows: number;
  storeContent: boolean;
  /** Present only when key columns were given (older snapshots have none). */
  keys?: string[];
}

/** The CSV dialect a file was read with. */
export interface CsvDialect {
  /** Field delimiter. */
  delimiter: string;
  /** Quote character (always `"`, RFC 4180). */
  quote: '"';
  /** The first row is a header (always true). */
  header: true;
  /** Text encoding (always `utf-8`). */
  encoding: 'utf-8';
  /** Line ending detected on the first line; `none` when the file has a single line without one. */
  lineEnding: 'lf' | 'crlf' | 'cr' | 'none';
}

/**
 * Compact per-row digests kept so a mismatch can say which rows changed without the old file.
 * `first-rows`: the digests of the first rows in order (`rowOrder: 'strict'`);
 * `smallest`: the smallest row digests of the whole file, ascending (`rowOrder: 'ignore'`, a bottom-k sketch).
 */
export interface RowSample {
  /** Which rows the digests are of. */
  kind: 'first-rows' | 'smallest';
  /** Base64 of 6-byte (48-bit) row digests, concatenated. */
  digests: string;
}

/** What a snapshot records for one file. */
export interface SnapshotFileEntry {
  /** Path relative to the output dir, `/`-separated. */
  path: string;
  /** Byte size. */
  size: number;
  /** SHA-256 (hex) of the raw bytes. */
  sha256: string;
  /** SHA-256 (hex) of the parsed content (canonical rows, ignored columns removed, per `rowOrder`). */
  contentHash: string;
  /** Number of data rows (the header row not counted, empty lines skipped). */
  rows: number;
  /** Column names from the header row (including ignored columns). */
  columns: string[];
  /** The dialect the file was read with. */
  dialect: CsvDialect;
  /** Row digests for locating changed rows. */
  sample: RowSample;
  /** With `keepRows`: the sampled rows themselves (ignored columns removed), aligned with `sample`. */
  keptRows?: string[][];
  /** With `keys`: one row digest per key. */
  keyed?: KeyedDigests;
}

/**
 * Per-key row digests of one file: `rows` maps each key (the value of a single key column, or the JSON array
 * of several) to the base64 48-bit digest of its row (ignored columns removed).
 *
 * @example
 * ```ts
 * const keyed: KeyedDigests = { keys: ['id'], rows: { '1': 'q0V3Xk8a', '2': 'ZmQ1c2Fk' } };
 * ```
 */
export interface KeyedDigests {
  /** The key columns. */
  keys: string[];
  /** Key → row digest. */
  rows: Record<string, string>;
}

/**
 * Which keys' rows differ, from the per-key digests; with the expected content, the table diff with cell values.
 *
 * @example
 * ```ts
 * const k: KeyedRowChanges = { keys: ['id'], counts: { added: 0, removed: 0, changed: 1 }, added: [], removed: [], changed: [{ id: '7' }] };
 * ```
 */
export interface KeyedRowChanges {
  /** The key columns. */
  keys: string[];
  /** Exact numbers of keys added, removed and changed. */
  counts: { added: number; removed: number; changed: number };
  /** The first keys of each kind (column → value). */
  added: Array<Record<string, string>>;
  removed: Array<Record<string, string>>;
  changed: Array<Record<string, string>>;
  /** With `storeContent`: the keyed table diff of the stored and the new file (cell before/after values). */
  table?: TableDiff;
}

/** The JSON document of a snapshot file (`version: 1`). */
export interface SnapshotDocument {
  /** Format version. */
  version: 1;
  /** The options capture used; validation applies them again. */
  options: ResolvedSnapshotOptions;
  /** One entry per file, sorted by path. */
  files: SnapshotFileEntry[];
}

/** One differing row found on a mismatch. */
export interface ChangedRow {
  /** 1-based data row number (header not counted) in the new file; for `removed` rows, in the old file when known. */
  row?: number;
  /** `changed`: same position, other content (strict order). `added`/`removed`: with `rowOrder: 'ignore'`. */
  change: 'changed' | 'added' | 'removed';
  /** The old row (ignored columns removed), when the snapshot kept it. */
  before?: string[];
  /** The new row (ignored columns removed). */
  after?: string[];
}

/** A file whose content (or bytes, with `compare: 'bytes'`) no longer matches the snapshot. */
export interface HashMismatchDiff {
  type: 'hash_mismatch';
  /** Path relative to the output dir. */
  file: string;
  /** Which hash was compared. */
  compare: CompareMode;
  /** Expected hash (from the snapshot). */
  expected: string;
  /** Hash of the file now. */
  actual: string;
  /** Columns added or removed (ignored columns not counted); both empty when only the order changed. */
  columns_changed?: { added: string[]; removed: string[] };
  /** Data row count before and after. */
  row_count_changed?: { before: number; after: number };
  /** The first differing rows that could be located (at most 5). */
  changed_rows?: ChangedRow[];
  /** Extra explanation, e.g. why no row could be shown. */
  note?: string;
  /** With `keys`: the changed, added and removed keys (and, with `storeContent`, their cells). */
  keyed?: KeyedRowChanges;
}

/** A file recorded in the snapshot that was not produced. */
export interface MissingDiff {
  type: 'missing';
  /** Path relative to the output dir. */
  file: string;
}

/** A produced file that the snapshot does not know. */
export interface UnexpectedDiff {
  type: 'unexpected';
  /** Path relative to the output dir. */
  file: string;
  /** Its data row count. */
  rows: number;
  /** Its columns. */
  columns: string[];
}

/** One difference between the outputs and their snapshot. */
export type SnapshotDiff = HashMismatchDiff | MissingDiff | UnexpectedDiff;

/** Options of {@link validateOutputs}: the capture options (checked against the stored ones) plus the update flow. */
export interface ValidateOptions extends OutputSnapshotOptions {
  /** Rewrite the snapshot (and accept options that differ from the stored ones). Default false. */
  update?: boolean;
  /**
   * Running in CI: a missing snapshot is an error instead of being created.
   * Default: from the `CI` environment variable (set unless empty, `0` or `false`).
   */
  ci?: boolean;
}

/** The outcome of {@link validateOutputs}. */
export interface ValidationResult {
  /** True when nothing differs (or the snapshot was created/updated). */
  ok: boolean;
  /** Every difference found (also filled when updating, to say what the update changed). */
  diffs: SnapshotDiff[];
  /** The snapshot file. */
  snapshotFile: string;
  /** The output dir validated. */
  outputDir: string;
  /** The snapshot did not exist and was written. */
  created?: boolean;
  /** The snapshot was rewritten because `update` was set and something differed. */
  updated?: boolean;
}
