import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import type { CassetteBytes } from './cassette-bytes.js';
import { LAYOUT } from './layout.js';

/**
 * The scan of a cassette in the writer's layout (`layout.ts`): finds each interaction by its
 * separators, front to back through one small window, and parses the file with the large
 * responses cut out, in batches of whole interactions. A cut response is left in the file, at a
 * byte span the caller reads later (`deferred-responses.ts`). Anything not in the layout (a hand
 * edit, another indent, a BOM) makes the scan answer `false`: the caller parses the whole file.
 *
 * Soundness: cuts fall only at separators, which JSON strings cannot contain (no raw line break),
 * and each batch must parse into exactly the interactions the scan found. A separator re-spaced by
 * hand is not found, so the text up to the next one holds more than one interaction: a response is
 * cut only if its text holds no `sponse"` (the tail of the `"response"` key), else it is parsed
 * with its request and the count tells.
 */

/**
 * Recorded responses shorter than this (bytes of cassette text) are parsed with their request.
 *
 * @example
 * if (responseText.length >= DEFERRED_RESPONSE_MIN) console.log('left in the file until asked for');
 */
export const DEFERRED_RESPONSE_MIN = 512;

/** Bytes read per step of the scan. */
const SCAN_CHUNK = 256 * 1024;
/** Longest interaction the scan holds; a longer one leaves the file to the whole-file parse (bounds memory on a hostile file). */
const MAX_SCAN_WINDOW = 64 * 1024 * 1024;
/** Text parsed per batch: a string this small is allocated in V8's young generation, whose memory is reused. */
const BATCH_SIZE = 64 * 1024;

/** The tail of the `"response"` key, searched instead of the whole key: `"` starts almost every line, `s` fewer. */
const RESPONSE_TAIL = Buffer.from('sponse"');
const RESPONSE_TAIL_AT = LAYOUT.responseKey.indexOf(RESPONSE_TAIL);
/** {@link LAYOUT.between} split after its first line break and indent: its tail starts with the rarer `}`. */
const BETWEEN_HEAD = LAYOUT.between.subarray(0, LAYOUT.between.indexOf('}'));
const BETWEEN_TAIL = LAYOUT.between.subarray(BETWEEN_HEAD.length);
const ARRAY_OPEN = Buffer.from('[\n');
const ARRAY_CLOSE = Buffer.from('\n]');
const OBJECT_CLOSE = Buffer.from('\n}');

/** Options of {@link scanLayout} (tests use tiny sizes to cut patterns at chunk and batch edges). */
export interface ScanOptions {
  /** Bytes read per step. */
  chunkSize?: number;
  /** Text parsed per batch, in bytes (a batch ends after the interaction that reaches it). */
  batchSize?: number;
}

/** One parsed batch of whole interactions. */
export interface ScannedBatch {
  /** The interactions as parsed; one whose response was cut holds only `request`. */
  readonly elements: readonly unknown[];
  /** Per element: where its cut response starts in the file, or -1 when it was parsed with its request. */
  readonly responseStart: readonly number[];
  /** Per element: where its response ends in the file. */
  readonly responseEnd: readonly number[];
}

/**
 * Scans `bytes`: hands the envelope (everything but `interactions`, parsed) to `onEnvelope`, then
 * each batch to `onBatch`, in order. Returns `false` as soon as the bytes turn out not to be in the
 * layout (batches may have been handed over by then).
 *
 * @example
 * const inLayout = scanLayout(bytes, {}, (root) => void (envelope = root), (batch) => batches.push(batch));
 */
export function scanLayout(bytes: CassetteBytes, options: ScanOptions, onEnvelope: (root: object) => void, onBatch: (batch: ScannedBatch) => void): boolean {
  const scan = new ScanWindow(bytes, options.chunkSize ?? SCAN_CHUNK);
  if (!scan.matches(LAYOUT.open, 0, 0)) return false;
  const headAt = scan.find(LAYOUT.head, 0, 0);
  if (headAt < 0) return false;
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const sink = new ByteSink(batchSize + (batchSize >> 1));
  // the envelope: everything before the interactions, closed (it parses only if `head` is at the top level)
  sink.append(scan.buf, scan.at(0), scan.at(headAt));
  sink.append(OBJECT_CLOSE);
  const root = sink.parse();
  if (root === NOT_JSON || root === null || typeof root !== 'object' || Array.isArray(root)) return false;
  onEnvelope(root);

  let at = headAt + LAYOUT.head.length;
  if (!scan.matches(LAYOUT.elementStart, at, 0)) return false;
  // runs of parsed bytes are copied whole: a cut response's `[end, next)` is `\n    }`, which closes its interaction
  sink.reset(ARRAY_OPEN);
  let runStart = at;
  let responseStart: number[] = [];
  let responseEnd: number[] = [];
  /** Where the next interaction's response key probably is (found while checking a cut response), or -1. */
  let nextKey = -1;
  for (;;) {
    let end = findBetween(scan, at, runStart);
    let last = false;
    if (end < 0) {
      end = scan.find(LAYOUT.lastEnd, at, runStart);
      if (end < 0 || !isWhitespace(scan.buf, scan.at(end + LAYOUT.lastEnd.length), scan.at(scan.end))) return false;
      last = true;
    }
    const next = end + LAYOUT.elementEndLength;
    const key = nextKey >= at && scan.matches(LAYOUT.responseKey, nextKey, runStart) ? nextKey : scan.findHere(LAYOUT.responseKey, at);
    const start = key + LAYOUT.responseKey.length;
    let cut = key > at && key < end && end - start >= DEFERRED_RESPONSE_MIN && !endsLikeFileBody(scan.buf, scan.at(start), scan.at(end));
    nextKey = -1;
    if (cut) {
      // a separator re-spaced by hand is skipped by the search: then this text runs over whole interactions, each with a "response" key
      const tail = scan.findHere(RESPONSE_TAIL, start);
      cut = tail < 0 || tail >= end;
      if (tail >= 0) nextKey = tail - RESPONSE_TAIL_AT;
    }
    if (cut) {
      sink.append(scan.buf, scan.at(runStart), scan.at(key));
      runStart = end;
    }
    responseStart.push(cut ? start : -1);
    responseEnd.push(end);
    if (last || sink.length + (next - runStart) >= batchSize) {
      sink.append(scan.buf, scan.at(runStart), scan.at(next));
      sink.append(ARRAY_CLOSE);
      const elements = sink.parse();
      if (!isBatch(elements, responseStart)) return false;
      onBatch({ elements, responseStart, responseEnd });
      if (last) return true;
      sink.reset(ARRAY_OPEN);
      responseStart = [];
      responseEnd = [];
      runStart = next + LAYOUT.separatorLength;
    }
    at = next + LAYOUT.separatorLength;
  }
}

/** Whether a parsed batch is what the scan found: an array of as many interactions, each cut one request-only. */
function isBatch(raw: unknown, responseStart: readonly number[]): raw is unknown[] {
  if (!Array.isArray(raw) || raw.length !== responseStart.length) return false;
  for (let k = 0; k < raw.length; k++) if ((responseStart[k] as number) >= 0 && !isRequestOnly(raw[k])) return false;
  return true;
}

/** An interaction parsed without its response: exactly one member, `request`. */
function isRequestOnly(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  let n = 0;
  for (const key in value) {
    if (key !== 'request') return false;
    n++;
  }
  return n === 1;
}

function matchesAt(bytes: Buffer, at: number, pattern: Buffer): boolean {
  if (at < 0 || at + pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

function isWhitespace(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

/** Whether the response text `bytes[start, end)` ends like a `file` body: such responses are parsed at load, so their side files are checked then. */
function endsLikeFileBody(bytes: Buffer, start: number, end: number): boolean {
  let at = end - LAYOUT.fileBodyEnd.length;
  if (at <= start || !matchesAt(bytes, at, LAYOUT.fileBodyEnd)) return false;
  let digits = 0;
  while (at - 1 > start && (bytes[at - 1] as number) >= 0x30 && (bytes[at - 1] as number) <= 0x39) {
    at--;
    digits++;
  }
  return digits > 0 && matchesAt(bytes, at - LAYOUT.sizeKey.length, LAYOUT.sizeKey);
}

/** What {@link ByteSink.parse} answers for bytes that are not JSON. */
export const NOT_JSON = Symbol('not JSON');

/**
 * `JSON.parse(text)`, or {@link NOT_JSON}.
 *
 * @example
 * if (tryParse(text) === NOT_JSON) console.log('not JSON');
 */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/**
 * A sliding view of `bytes` for one front-to-back pass: holds `[start, end)`; reading on keeps the
 * bytes from a `keep` offset (the interaction being scanned), growing only for a longer interaction.
 */
class ScanWindow {
  buf: Buffer;
  start = 0;
  end = 0;
  private done = false;

  constructor(
    private readonly bytes: CassetteBytes,
    private readonly chunk: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunk, bytes.size)));
  }

  /** Reads on, keeping `[keep, end)`; `false` at the end of the bytes. */
  private more(keep: number): boolean {
    if (this.done || this.end >= this.bytes.size) return false;
    const kept = this.end - keep;
    if (keep > this.start) {
      this.buf.copyWithin(0, keep - this.start, this.end - this.start);
      this.start = keep;
    }
    const want = Math.min(this.chunk, this.bytes.size - this.end);
    if (kept + want > MAX_SCAN_WINDOW) {
      this.done = true;
      return false;
    }
    if (kept + want > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, kept + want));
      this.buf.copy(bigger, 0, 0, kept);
      this.buf = bigger;
    }
    const n = this.bytes.read(this.buf, kept, Math.min(this.buf.length - kept, this.bytes.size - this.end), this.end);
    if (n === 0) this.done = true; // shorter than its size: what is missing is not in the layout
    this.end += n;
    return n > 0;
  }

  /** Offset of the first `pattern` at or after `from`, reading on as needed (keeping `[keep, …)`); -1 if none. */
  find(pattern: Buffer, from: number, keep: number): number {
    let search = from;
    for (;;) {
      if (this.end - search >= pattern.length) {
        const found = this.findHere(pattern, search);
        if (found >= 0) return found;
        search = Math.max(from, this.end - pattern.length + 1);
      }
      if (!this.more(keep)) return -1;
    }
  }

  /** Offset of the first `pattern` at or after `from` among the bytes the window holds; -1 if none there. */
  findHere(pattern: Buffer, from: number): number {
    const i = this.buf.indexOf(pattern, from - this.start);
    // bytes past `end` are stale: a match that reaches them is not one
    return i >= 0 && this.start + i + pattern.length <= this.end ? this.start + i : -1;
  }

  /** Whether `pattern` lies at `at` (reading on as needed, keeping `[keep, …)`). */
  matches(pattern: Buffer, at: number, keep: number): boolean {
    while (this.end < at + pattern.length) if (!this.more(keep)) return false;
    return matchesAt(this.buf, at - this.start, pattern);
  }

  /** Where file offset `offset` (in the window) lies in `buf`. */
  at(offset: number): number {
    return offset - this.start;
  }
}

/** Offset of the first {@link LAYOUT.between} at or after `from` (-1 if none), keeping `[keep, …)` in the window. */
function findBetween(scan: ScanWindow, from: number, keep: number): number {
  for (let search = from + BETWEEN_HEAD.length; ; ) {
    const tail = scan.find(BETWEEN_TAIL, search, keep);
    if (tail < 0) return -1;
    const start = tail - BETWEEN_HEAD.length;
    if (matchesAt(scan.buf, scan.at(start), BETWEEN_HEAD)) return start;
    search = tail + 1;
  }
}

/** An append-only byte buffer, reused for each batch of parsed text. */
class ByteSink {
  private buf: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, capacity));
  }

  /** Appends `bytes[from, to)` (all of `bytes` by default). */
  append(bytes: Buffer, from = 0, to = bytes.length): void {
    const n = to - from;
    if (this.length + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.buf.set(new Uint8Array(bytes.buffer, bytes.byteOffset + from, n), this.length);
    this.length += n;
  }

  /** Empties the buffer (keeping its memory) and appends `prefix`. */
  reset(prefix: Buffer): void {
    this.length = 0;
    this.append(prefix);
  }

  /**
   * The bytes so far parsed as JSON; {@link NOT_JSON} when they are not (or not valid UTF-8). Cuts
   * fall between ASCII bytes, so every piece is valid UTF-8 on its own exactly when the file is.
   */
  parse(): unknown {
    if (this.length > bufferConstants.MAX_STRING_LENGTH || !isUtf8(this.buf.subarray(0, this.length))) return NOT_JSON;
    return tryParse(this.buf.toString('utf8', 0, this.length));
  }
}
