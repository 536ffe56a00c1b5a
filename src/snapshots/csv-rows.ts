/**
 * Row-level helpers of the table diff: a CSV file read as a stream of records, and the per-column value
 * normalization (trim, case) and numeric tolerance.
 */
import { createReadStream } from 'node:fs';
import { OutputCompareError } from '../errors/index.js';
import { lazyRequire } from '../util/lazy-require.js';
import { MAX_RECORD_BYTES } from './csv-digest.js';

const csvSync = lazyRequire<typeof import('csv-parse/sync')>('csv-parse/sync');

/** Numeric tolerance of one column: equal when `|a - b| <= abs` or `|a - b| <= rel * max(|a|, |b|)`. */
export interface ColumnTolerance {
  /** Absolute tolerance, e.g. `0.01`. */
  abs?: number;
  /** Relative tolerance, e.g. `1e-6`. */
  rel?: number;
}

/** How values are normalized before comparing: which columns are trimmed and which compared case-insensitively. */
export interface NormalizeOptions {
  ignoreCase?: boolean | string[];
  trim?: boolean | string[];
}

/** A data row: its 1-based number (header excluded) and its fields. */
export type NumberedRow = [row: number, fields: string[]];

/** Per column, the function that turns a raw value into its compared form (trim, case). */
export function normalizers(columns: string[], options: NormalizeOptions): Array<(v: string) => string> {
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

/** True when `a` and `b` are both numbers within `tol`. */
export function withinTolerance(a: string, b: string, tol: ColumnTolerance | undefined): boolean {
  if (!tol || a.trim() === '' || b.trim() === '') return false;
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  const delta = Math.abs(x - y);
  return (tol.abs !== undefined && delta <= tol.abs) || (tol.rel !== undefined && delta <= tol.rel * Math.max(Math.abs(x), Math.abs(y)));
}

/** A CSV file read as its header, then its numbered data rows in batches. */
export interface CsvRows {
  header(): Promise<string[]>;
  rows(): AsyncGenerator<NumberedRow[]>;
  close(): Promise<void>;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Opens `file` as batches of records (one batch per ~1 MiB read). Lines without a quote are split directly,
 * which runs many times faster than csv-parse; a batch that contains a quote is cut at a record boundary (a
 * newline outside quotes, by quote parity) and parsed by csv-parse. The file is opened on the first read; read
 * and parse errors become {@link OutputCompareError} naming the file.
 */
export function openCsv(file: string, delimiter = ','): CsvRows {
  let stream: ReturnType<typeof createReadStream> | undefined;
  let header: string[] | undefined;
  let first: string[][] = [];
  const fail = (error: unknown): never => {
    if (error instanceof OutputCompareError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new OutputCompareError(`Cannot read CSV ${file}: ${message}. Check that it exists and is well-formed CSV.`, file, { cause: error });
  };
  async function* records(): AsyncGenerator<string[][]> {
    stream = createReadStream(file, { highWaterMark: 1 << 20 });
    let carry: Buffer | undefined;
    let nl = LF;
    let started = false;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
        if (!started) {
          started = true;
          if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
          if (buf.indexOf(LF) === -1 && buf.indexOf(CR) !== -1) nl = CR;
        }
        const end = recordBoundary(buf, nl);
        carry = end < buf.length ? buf.subarray(end) : undefined;
        if (carry && carry.length > MAX_RECORD_BYTES) {
          throw new OutputCompareError(
            `Malformed CSV in ${file}: a record runs for more than ${MAX_RECORD_BYTES / 1048576} MiB, most likely a quote that is never closed. Fix the quoting (RFC 4180: a quote inside a quoted field is written "").`,
            file,
          );
        }
        if (end > 0) yield parseRecords(buf.subarray(0, end), delimiter, nl);
      }
      if (carry && carry.length > 0) yield parseRecords(carry, delimiter, nl);
    } catch (error) {
      fail(error);
    }
  }
  let source: AsyncGenerator<string[][]> | undefined;
  return {
    async header() {
      source ??= records();
      while (header === undefined) {
        const next = await source.next();
        if (next.done) return (header = []);
        first = next.value;
        header = first.shift();
      }
      return header;
    },
    async *rows() {
      await this.header();
      let row = 1;
      const number = (batch: string[][]): NumberedRow[] => batch.map((fields) => [row++, fields]);
      if (first.length > 0) yield number(first);
      first = [];
      for await (const batch of source!) yield number(batch);
    },
    async close() {
      await source?.return(undefined);
      stream?.destroy();
    },
  };
}

/** Index just after the last newline of `buf` that lies outside quotes (0 when there is none). */
function recordBoundary(buf: Buffer, nl: number): number {
  let end = buf.lastIndexOf(nl);
  if (end === -1) return 0;
  let quotes = 0;
  for (let i = buf.indexOf(QUOTE); i !== -1 && i < end; i = buf.indexOf(QUOTE, i + 1)) quotes++;
  while (quotes % 2 === 1) {
    const prev = buf.lastIndexOf(nl, end - 1);
    if (prev === -1) return 0;
    for (let i = buf.indexOf(QUOTE, prev); i !== -1 && i < end; i = buf.indexOf(QUOTE, i + 1)) quotes--;
    end = prev;
  }
  return end + 1;
}

/** Complete records of `buf`: split directly when it holds no quote, else parsed by csv-parse. Empty lines are skipped. */
function parseRecords(buf: Buffer, delimiter: string, nl: number): string[][] {
  if (buf.indexOf(QUOTE) !== -1) {
    return csvSync().parse(buf, {
      delimiter,
      quote: '"',
      escape: '"',
      record_delimiter: nl === CR ? '\r' : ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  }
  const out: string[][] = [];
  for (let line of buf.toString('utf8').split(nl === CR ? '\r' : '\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line !== '') out.push(line.split(delimiter));
  }
  return out;
}
