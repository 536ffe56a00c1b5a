/**
 * Errors about outputs: output snapshots, comparing output directories, and output calls of function
 * tapes that differ from their recording. Re-exported by `errors/index.ts`.
 */
import { ReeltapeError } from './base.js';

/** Bad input to the output-snapshot validator (unreadable file, malformed CSV, bad snapshot file). */
export class OutputSnapshotError extends ReeltapeError {
  /** The offending file. */
  readonly file: string;
  /** 1-based line number, if known. */
  readonly line: number | undefined;

  /**
   * @param message explanation naming the file and line
   * @param file the offending file
   * @param line 1-based line, if known
   */
  constructor(message: string, file: string, line?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutputSnapshotError';
    this.file = file;
    this.line = line;
  }
}

/**
 * Bad input to an output comparison (`compareOutputs`, `diffCsvFiles`, `diffJsonFiles`): an unreadable or
 * malformed file, a key column the file lacks, an invalid JSON path.
 *
 * @example
 * try { await compareOutputs('expected', 'actual'); }
 * catch (error) { if (error instanceof OutputCompareError) console.log(error.file); }
 */
export class OutputCompareError extends ReeltapeError {
  /** The offending file (or directory). */
  readonly file: string;

  /**
   * @param message what is wrong, where, and how to fix it
   * @param file the offending file or directory
   */
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutputCompareError';
    this.file = file;
  }
}

/**
 * A keyed table diff found two rows with the same key in one file, so rows cannot be aligned.
 *
 * @example
 * try { await diffCsvFiles('a.csv', 'b.csv', { keys: ['id'] }); }
 * catch (error) { if (error instanceof DuplicateKeyError) console.log(error.file, error.key); }
 */
export class DuplicateKeyError extends OutputCompareError {
  /** The duplicated key, column name to value. */
  readonly key: Readonly<Record<string, string>>;
  /** 1-based data row numbers (header excluded) of the first and the repeated occurrence. */
  readonly rows: readonly [number, number];

  /**
   * @param message names the file, the key and both rows
   * @param file the file with the duplicate
   * @param key the duplicated key
   * @param rows data rows of the first and the repeated occurrence
   */
  constructor(message: string, file: string, key: Record<string, string>, rows: [number, number]) {
    super(message, file);
    this.name = 'DuplicateKeyError';
    this.key = key;
    this.rows = rows;
  }
}

/** One difference between a replayed output call's arguments and the recorded ones. */
export interface OutputChange {
  /** JSON path inside the call's (encoded) argument list, e.g. `$[0].total`. */
  readonly path: string;
  /** `changed`, or present on one side only (`added`: only now, `removed`: only in the recording). */
  readonly change: 'changed' | 'added' | 'removed';
  /** The recorded value (absent for `added`). */
  readonly before?: unknown;
  /** The replayed value (absent for `removed`). */
  readonly after?: unknown;
}

/** An output call (`interceptOutput`) whose arguments differ from the recording. */
export interface OutputDifference {
  /** The tape's alias. */
  readonly alias: string;
  /** Which call of that alias (1-based, in call order). */
  readonly call: number;
  /** What differs, outside the tape's `ignorePaths`. */
  readonly changes: readonly OutputChange[];
}

/**
 * In replay, the code under test emitted different outputs (`interceptOutput` arguments) than it
 * did when the cassette was recorded. `withCassette` rejects with it once the code is done.
 *
 * @example
 * try { await withCassette('sync-orders', run) }
 * catch (e) { if (e instanceof OutputMismatchError) console.log(e.differences[0].changes[0].path) } // '$[0].total'
 */
export class OutputMismatchError extends ReeltapeError {
  /** The cassette file. */
  readonly file: string;
  /** Every output call that differed. */
  readonly differences: readonly OutputDifference[];

  /**
   * @param message the readable diff and how to fix it
   * @param file the cassette file
   * @param differences every differing output call
   */
  constructor(message: string, file: string, differences: readonly OutputDifference[]) {
    super(message);
    this.name = 'OutputMismatchError';
    this.file = file;
    this.differences = differences;
  }
}
