/**
 * One streaming pass over a CSV file: raw SHA-256, content hash, row count, header, row sample.
 *
 * Speed: csv-parse runs at ~28 MB/s on this machine, far under the 200 MB/s target, so it is used only for the
 * parts of a file that contain quotes. Every chunk is split at record boundaries (a newline outside quotes, found
 * by quote parity); runs of lines without a quote take the fast path, where a line's bytes are already its
 * canonical form (see `row-hash.ts`) and, for strict order, go into the content hash in bulk. Records that contain
 * quotes are parsed by csv-parse (sync API, one call per run of quoted records) and re-encoded canonically, so a
 * file hashes the same whichever path each record took. Memory stays flat: one chunk plus at most one partial
 * record is held at a time.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lazyRequire } from '../util/lazy-require.js';

const csvSync = lazyRequire<typeof import('csv-parse/sync')>('csv-parse/sync');
import { OutputSnapshotError } from '../errors/index.js';
import { digest48, encodeRow, rowHash128 } from './row-hash.js';
import { SmallestRows } from './smallest-rows.js';
import type { CsvDialect, RowOrder, SnapshotFileEntry } from './types.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const CHUNK = 1 << 20;
const OUT_SIZE = 1 << 20;
/** A record (or an unterminated quote) longer than this is reported as malformed instead of buffered further. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Number of row digests kept per file (first rows, or smallest digests). */
export const SAMPLE_ROWS = 1000;

/** How a file is read and hashed. */
export interface DigestSettings {
  delimiter: string;
  rowOrder: RowOrder;
  ignoreColumns: readonly string[];
  /** Rows to sample (at least {@link SAMPLE_ROWS}). */
  sampleSize?: number;
}

/** A sampled row: its digest, data row number and fields (ignored columns removed). */
export interface SampledRow {
  digest: number;
  row: number;
  fields: string[];
}

/** Everything one pass learns about a file: the snapshot entry's measurements, with the sampled rows in full. */
export interface FileDigest extends Pick<SnapshotFileEntry, 'size' | 'sha256' | 'contentHash' | 'rows' | 'columns' | 'dialect'> {
  /** `first-rows` (strict) or `smallest` (ignore), with contents, in sample order. */
  sample: SampledRow[];
}

/** Streams `file` once and digests it. Throws {@link OutputSnapshotError} naming the file (and line) on bad input. */
export async function digestCsvFile(file: string, settings: DigestSettings): Promise<FileDigest> {
  const digester = new CsvDigester(file, settings);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) digester.push(chunk as Buffer);
  } catch (error) {
    if (error instanceof OutputSnapshotError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new OutputSnapshotError(
      `Cannot read output file ${file}: ${message}. Check that it exists and is readable, or exclude it with the \`exclude\` option.`,
      file,
      undefined,
      { cause: error },
    );
  }
  return digester.end();
}

class CsvDigester {
  private readonly raw: Hash = createHash('sha256');
  private readonly content: Hash = createHash('sha256');
  private readonly out = Buffer.allocUnsafe(OUT_SIZE);
  private outLen = 0;
  private size = 0;
  private rows = 0;
  /** Newlines consumed so far (for 1-based line numbers in errors). */
  private lines = 0;
  private header: string[] | undefined;
  private ignoreIdx: Set<number> | undefined;
  private carry: Buffer | undefined;
  private started = false;
  private nl = LF;
  private lineEnding: CsvDialect['lineEnding'] = 'none';
  private readonly lanes = new Uint32Array(4);
  private readonly sums = new Uint32Array(4);
  private readonly sampleSize: number;
  private readonly delimByte: number;
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private readonly strictSample: SampledRow[] = [];
  /** The rows with the smallest digests seen (rowOrder ignore). */
  private readonly smallest: SmallestRows;

  constructor(
    private readonly file: string,
    private readonly settings: DigestSettings,
  ) {
    this.sampleSize = Math.max(SAMPLE_ROWS, settings.sampleSize ?? 0);
    this.smallest = new SmallestRows(this.sampleSize);
    this.delimByte = settings.delimiter.charCodeAt(0);
  }

  push(chunk: Buffer): void {
    this.raw.update(chunk);
    this.size += chunk.length;
    if (!this.started) {
      this.started = true;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      const lf = chunk.indexOf(LF);
      if (lf !== -1) this.lineEnding = lf > 0 && chunk[lf - 1] === CR ? 'crlf' : 'lf';
      else if (chunk.indexOf(CR) !== -1) {
        this.lineEnding = 'cr';
        this.nl = CR;
      }
    }
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const used = this.process(buf, false);
    this.carry = used < buf.length ? buf.subarray(used) : undefined;
    if (this.carry && this.carry.length > MAX_RECORD_BYTES) {
      throw new OutputSnapshotError(
        `Malformed CSV in ${this.file}: the record starting at line ${this.lines + 1} runs for more than ${MAX_RECORD_BYTES / 1048576} MiB, most likely a quote that is never closed. Fix the quoting in the file (RFC 4180: a quote inside a quoted field is written "").`,
        this.file,
        this.lines + 1,
      );
    }
  }

  end(): FileDigest {
    if (this.carry) this.process(this.carry, true);
    this.carry = undefined;
    this.flushOut();
    if (this.settings.rowOrder === 'ignore') {
      this.content.update(`rows ${this.rows}\n`);
      this.content.update(Buffer.from(this.sums.buffer));
    }
    const sample =
      this.settings.rowOrder === 'ignore' ? this.smallest.sorted() : this.strictSample;
    return {
      size: this.size,
      sha256: this.raw.digest('hex'),
      contentHash: this.content.digest('hex'),
      rows: this.rows,
      columns: this.header ?? [],
      dialect: { delimiter: this.settings.delimiter, quote: '"', header: true, encoding: 'utf-8', lineEnding: this.lineEnding },
      sample,
    };
  }

  /** Consumes complete records of `buf` (all of it when `final`); returns the number of bytes consumed. */
  private process(buf: Buffer, final: boolean): number {
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      const q = buf.indexOf(QUOTE, pos);
      if (q === -1) {
        let last: number;
        if (final) last = len;
        else {
          const i = buf.lastIndexOf(this.nl);
          last = i >= pos ? i + 1 : pos;
        }
        if (last > pos) this.fast(buf, pos, last);
        return last;
      }
      const lineStart = Math.max(pos, buf.lastIndexOf(this.nl, q) + 1);
      if (lineStart > pos) {
        this.fast(buf, pos, lineStart);
        pos = lineStart;
      }
      let end = this.recordEnd(buf, pos);
      if (end === -1) {
        if (!final) return pos;
        end = len;
      }
      // Group the following records that also contain quotes into one csv-parse call.
      while (end < len) {
        const nq = buf.indexOf(QUOTE, end);
        if (nq === -1) break;
        const nn = buf.indexOf(this.nl, end);
        if (nn !== -1 && nn < nq) break;
        const next = this.recordEnd(buf, end);
        if (next === -1) {
          if (final) end = len;
          break;
        }
        end = next;
      }
      this.slow(buf, pos, end);
      pos = end;
    }
    return pos;
  }

  /** Index just after the newline ending the record that starts at `start`, by quote parity; -1 if not in `buf`. */
  private recordEnd(buf: Buffer, start: number): number {
    let i = start;
    for (;;) {
      const nn = buf.indexOf(this.nl, i);
      const nq = buf.indexOf(QUOTE, i);
      if (nq === -1 || (nn !== -1 && nn < nq)) return nn === -1 ? -1 : nn + 1;
      const close = buf.indexOf(QUOTE, nq + 1);
      if (close === -1) return -1;
      i = close + 1;
    }
  }

  /** Lines without quotes: `buf[s, e)`, ending at a newline unless it is the end of the file. */
  private fast(buf: Buffer, s: number, e: number): void {
    let p = s;
    while (p < e) {
      if (this.header === undefined || this.rows < this.sampleSize || this.ignoreIdx || this.settings.rowOrder === 'ignore') {
        p = this.fastLine(buf, p, e);
        continue;
      }
      let bulkEnd = e;
      if (buf[e - 1] !== this.nl) {
        const i = buf.lastIndexOf(this.nl, e - 1);
        bulkEnd = i >= p ? i + 1 : p;
      }
      if (bulkEnd > p) this.bulk(buf, p, bulkEnd);
      p = bulkEnd;
      while (p < e) p = this.fastLine(buf, p, e);
    }
  }

  /** Strict order, no ignored columns, sample full: whole lines straight into the hash. */
  private bulk(buf: Buffer, s: number, e: number): void {
    const seg = buf.subarray(s, e);
    const clean =
      this.nl === LF && seg[0] !== LF && seg.indexOf(CR) === -1 && seg.indexOf('\n\n') === -1;
    if (!clean) {
      let p = s;
      while (p < e) p = this.fastLine(buf, p, e);
      return;
    }
    this.flushOut();
    this.content.update(seg);
    let n = 0;
    let i = -1;
    while ((i = seg.indexOf(LF, i + 1)) !== -1) n++;
    this.rows += n;
    this.lines += n;
  }

  /** One unquoted line at `p`; returns where the next line starts. */
  private fastLine(buf: Buffer, p: number, e: number): number {
    let nlIdx = buf.indexOf(this.nl, p);
    let next: number;
    if (nlIdx === -1 || nlIdx >= e) {
      nlIdx = e;
      next = e;
    } else {
      next = nlIdx + 1;
      this.lines++;
    }
    let le = nlIdx;
    if (this.nl === LF && le > p && buf[le - 1] === CR) le--;
    if (le > p) this.row(undefined, buf, p, le);
    return next;
  }

  /** Records containing quotes: parsed by csv-parse. */
  private slow(buf: Buffer, s: number, e: number): void {
    let records: string[][];
    try {
      records = csvSync().parse(buf.subarray(s, e), {
        delimiter: this.settings.delimiter,
        quote: '"',
        escape: '"',
        record_delimiter: this.nl === CR ? '\r' : ['\r\n', '\n'],
        relax_column_count: true,
        skip_empty_lines: true,
      }) as string[][];
    } catch (error) {
      const rel = (error as { lines?: number }).lines;
      const line = this.lines + (typeof rel === 'number' && rel > 0 ? rel : 1);
      const reason = error instanceof Error ? error.message : String(error);
      throw new OutputSnapshotError(
        `Malformed CSV in ${this.file} near line ${line}: ${reason.replace(/ at line \d+/, '')}. Fix the file (RFC 4180: quoted fields start and end with ", a quote inside is written "") or check the \`delimiter\` option.`,
        this.file,
        line,
        { cause: error },
      );
    }
    for (const record of records) this.row(record, buf, 0, 0);
    let i = s - 1;
    while ((i = buf.indexOf(this.nl, i + 1)) !== -1 && i < e) this.lines++;
  }

  /** One record: `fields` from csv-parse, or an unquoted line `buf[s, e)`. */
  private row(fields: string[] | undefined, buf: Buffer, s: number, e: number): void {
    if (this.header === undefined) {
      const header = fields ?? this.split(buf, s, e);
      this.header = header;
      const ignored = new Set(this.settings.ignoreColumns);
      const idx = new Set<number>();
      header.forEach((name, i) => {
        if (ignored.has(name)) idx.add(i);
      });
      this.ignoreIdx = idx.size > 0 ? idx : undefined;
      const canon = Buffer.from(`${encodeRow(this.keep(header), this.settings.delimiter)}\n`);
      this.appendOut(canon, 0, canon.length);
      return;
    }
    let cb = buf;
    let cs = s;
    let ce = e;
    let kept: string[] | undefined;
    if (fields !== undefined) {
      kept = this.keep(fields);
      cb = Buffer.from(encodeRow(kept, this.settings.delimiter));
      cs = 0;
      ce = cb.length;
    } else if (this.ignoreIdx) {
      cb = this.scratch;
      cs = 0;
      ce = this.keepBytes(buf, s, e, this.ignoreIdx);
      buf = cb;
      s = cs;
      e = ce;
    }
    const rowNo = ++this.rows;
    if (this.settings.rowOrder === 'strict') {
      this.appendOut(cb, cs, ce);
      if (rowNo <= this.sampleSize) {
        rowHash128(cb, cs, ce, this.lanes);
        this.strictSample.push({ digest: digest48(this.lanes), row: rowNo, fields: kept ?? this.split(buf, s, e) });
      }
      return;
    }
    rowHash128(cb, cs, ce, this.lanes);
    const sums = this.sums;
    const lanes = this.lanes;
    sums[0] = sums[0]! + lanes[0]!;
    sums[1] = sums[1]! + lanes[1]!;
    sums[2] = sums[2]! + lanes[2]!;
    sums[3] = sums[3]! + lanes[3]!;
    const d = digest48(lanes);
    if (this.smallest.wants(d)) this.smallest.add({ digest: d, row: rowNo, fields: kept ?? this.split(buf, s, e) });
  }

  /** Copies the kept fields of the unquoted line `buf[s, e)` into `this.scratch` (canonical form); returns the length. */
  private keepBytes(buf: Buffer, s: number, e: number, idx: Set<number>): number {
    if (this.scratch.length < e - s + 2) this.scratch = Buffer.allocUnsafe(Math.max(2 * (e - s), 1024));
    const sc = this.scratch;
    const delim = this.delimByte;
    let n = 0;
    let kept = 0;
    let field = 0;
    let keeping = !idx.has(0);
    if (keeping) kept = 1;
    for (let i = s; i < e; i++) {
      const b = buf[i]!;
      if (b === delim) {
        field++;
        keeping = !idx.has(field);
        if (keeping && kept++ > 0) sc[n++] = delim;
      } else if (keeping) sc[n++] = b;
    }
    if (kept === 1 && n === 0) {
      sc[0] = QUOTE;
      sc[1] = QUOTE;
      n = 2;
    }
    return n;
  }

  private split(buf: Buffer, s: number, e: number): string[] {
    if (e - s === 2 && buf[s] === QUOTE && buf[s + 1] === QUOTE) return [''];
    return buf.toString('utf8', s, e).split(this.settings.delimiter);
  }

  private keep(fields: string[]): string[] {
    const idx = this.ignoreIdx;
    return idx ? fields.filter((_, i) => !idx.has(i)) : fields;
  }

  /** Appends canonical row bytes plus `\n` to the output buffer (flushed into the content hash when full). */
  private appendOut(src: Buffer, s: number, e: number): void {
    const n = e - s;
    if (this.outLen + n + 1 > OUT_SIZE) {
      this.flushOut();
      if (n + 1 > OUT_SIZE) {
        this.content.update(src.subarray(s, e));
        this.content.update('\n');
        return;
      }
    }
    src.copy(this.out, this.outLen, s, e);
    this.outLen += n;
    this.out[this.outLen++] = LF;
  }

  private flushOut(): void {
    if (this.outLen > 0) this.content.update(this.out.subarray(0, this.outLen));
    this.outLen = 0;
  }
}
