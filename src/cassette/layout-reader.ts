import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { closeSync, readSync, statSync } from 'node:fs';
import { CassetteFormatError } from '../errors/index.js';
import { CassetteValidator, parseCassette } from './format.js';
import { sideFileProblem } from './side-files.js';
import type { Cassette, Interaction, RecordedRequest, RecordedResponse } from './types.js';

/**
 * Reads a cassette laid out exactly as `serializeCassette` writes it, and leaves large recorded
 * responses in the file until they are first read (decision 0005).
 *
 * Why: `JSON.parse` of a 10,000-interaction, 19 MB cassette takes ~65 ms, most of it building the
 * objects of response bodies, before the first request can be answered. Matching needs only the
 * requests. Here the envelope and every request are parsed and validated at load (`JSON.parse` of
 * the file with the large responses cut out, in batches of whole interactions); a response of at least
 * {@link DEFERRED_RESPONSE_MIN} bytes becomes a getter that reads, parses and validates it on first
 * read. The file is scanned front to back through one small window and never held whole (on small
 * VMs touching fresh memory dominates: a new 19 MB buffer costs more than scanning it); it stays
 * open until every deferred response was read, so a cassette replaced meanwhile changes nothing.
 *
 * Soundness: the file is cut only at byte sequences `serializeCassette` writes between and inside
 * interactions (`\n    },\n    {\n      "request": {\n`, `,\n      "response": `); JSON strings
 * cannot hold a raw newline, so these are structural. Every byte lies in the eagerly parsed text,
 * in one deferred response or in a separator, and the eager text must parse (batch by batch) into
 * exactly the interactions the scan found. A separator re-spaced by hand is not found, so the text
 * up to the next one would hold more than one interaction: a response is deferred only if its text
 * holds no `sponse"` (the tail of the `"response"` key every interaction has), else it is parsed
 * with its request and the count tells. Anything else (another layout, a hand edit, a BOM, invalid UTF-8) returns
 * `undefined` and the caller parses the whole file as before. A deferred response that does not
 * parse on its own makes the whole file be parsed again, so the error is the one an eager load
 * gives (see {@link readDeferred}). (Not covered: a re-spaced separator before an interaction whose
 * `"response"` key is spelled with `\u` escapes; its response then fails on first read, naming the file.)
 */

/** Recorded responses shorter than this (bytes of cassette text) are parsed at load. */
export const DEFERRED_RESPONSE_MIN = 512;

const OPEN_BRACE = Buffer.from('{');
const HEAD = Buffer.from(',\n  "interactions": [\n');
const ELEMENT_START = Buffer.from('    {\n      "request": {\n');
/** Between two interactions: the end of one and the start of the next. */
const BETWEEN = Buffer.from('\n    },\n    {\n      "request": {\n');
/** The end of the last interaction and of the array and the file. */
const LAST_END = Buffer.from('\n    }\n  ]\n}');
const ELEMENT_END_LENGTH = '\n    }'.length;
const SEPARATOR_LENGTH = ',\n'.length;
const RESPONSE_KEY = Buffer.from(',\n      "response": ');
/**
 * The tail of the key `"response"`, wherever it is: a deferred response must not hold it (see
 * {@link readSerializedLayout}). Not the whole key: `Buffer#indexOf` jumps from one occurrence of the
 * first byte to the next, and `"` is on every line of a cassette (the search took 3-4× longer).
 */
const RESPONSE_TAIL = Buffer.from('sponse"');
const RESPONSE_TAIL_AT = RESPONSE_KEY.indexOf(RESPONSE_TAIL);
/** How a `file` response body ends; such responses are parsed at load so their side files are checked. */
const FILE_BODY_END = Buffer.from('\n        }\n      }');
const SIZE_KEY = Buffer.from('"size": ');
/** Open and close a batch of interactions (see {@link readSerializedLayout}), and the envelope cut before them. */
const ARRAY_OPEN = Buffer.from('[\n');
const ARRAY_CLOSE = Buffer.from('\n]');
const OBJECT_CLOSE = Buffer.from('\n}');
/** {@link BETWEEN} without its first line break and indent: starts with a byte that is rare in bodies, so the search skips fast. */
const BETWEEN_TAIL = BETWEEN.subarray('\n    '.length);
const BETWEEN_HEAD = BETWEEN.subarray(0, '\n    '.length);
/** Eager text parsed per batch: its string (under V8's 128 KiB large-object size) lives in the reused young generation. */
const BATCH_SIZE = 64 * 1024;

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

/** Whether the response text `bytes[start, end)` ends like a `file` body (`"size": <digits>` + closers). */
function endsLikeFileBody(bytes: Buffer, start: number, end: number): boolean {
  let at = end - FILE_BODY_END.length;
  if (at <= start || !matchesAt(bytes, at, FILE_BODY_END)) return false;
  let digits = 0;
  while (at - 1 > start && (bytes[at - 1] as number) >= 0x30 && (bytes[at - 1] as number) <= 0x39) {
    at--;
    digits++;
  }
  return digits > 0 && matchesAt(bytes, at - SIZE_KEY.length, SIZE_KEY);
}

const NOT_JSON = Symbol('not JSON');

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/**
 * Where a cassette's bytes come from. At load a file is read front to back through one window
 * buffer; a deferred response is read back from the file when it is first used. So the file's
 * bytes are never all in memory at once: on small VMs touching fresh memory is the load's main
 * cost (reading a 19 MB cassette into a new buffer took 54 ms, through a reused 256 KiB one 3 ms).
 */
export interface CassetteBytes {
  /** Length in bytes (the file's size when it was opened). */
  readonly size: number;
  /** Copies up to `length` bytes from `position` into `into` at `at`; returns how many (fewer only at the end). */
  read(into: Buffer, at: number, length: number, position: number): number;
  /** Lets go of the file, if any (idempotent); reading afterwards throws. */
  close(): void;
}

/** Bytes already in memory (tests; nothing to close). */
export function bufferBytes(bytes: Buffer): CassetteBytes {
  return {
    size: bytes.length,
    read: (into, at, length, position) => bytes.copy(into, at, position, Math.min(bytes.length, position + length)),
    close: () => undefined,
  };
}

/** Closes the descriptor of file bytes nobody closed (a cassette dropped with responses unread). */
const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already gone: nothing to release
  }
});

/**
 * The bytes of an open file, read with positional reads (the file may be renamed over meanwhile:
 * this still reads the file that was opened). Owns `fd`: closed by `close()`, or when collected.
 */
export function fileBytes(fd: number, size: number): CassetteBytes {
  let open = true;
  const bytes: CassetteBytes = {
    size,
    read(into, at, length, position) {
      if (!open) throw new Error('reeltape: cassette file already closed');
      let total = 0;
      while (total < length) {
        const n = readSync(fd, into, at + total, length - total, position + total);
        if (n === 0) break;
        total += n;
      }
      return total;
    },
    close() {
      if (!open) return;
      open = false;
      closeOnCollect.unregister(bytes);
      closeSync(fd);
    },
  };
  closeOnCollect.register(bytes, fd, bytes);
  return bytes;
}

/**
 * Decodes a whole cassette's bytes.
 *
 * @throws CassetteFormatError naming the file when they are not valid UTF-8
 */
export function decodeCassette(bytes: Buffer, file: string): string {
  // isUtf8 is SIMD-fast (Node 20's isAscii is not); a literal U+FFFD in the file is valid UTF-8 and kept
  if (!isUtf8(bytes)) {
    throw new CassetteFormatError(`Cassette ${file} is not valid UTF-8 text. Fix the file or delete it and record the cassette again.`, file);
  }
  return bytes.toString('utf8');
}

/** Reads all of `bytes` into one buffer (the whole-file parse's input). */
export function readAllBytes(bytes: CassetteBytes): Buffer {
  const all = Buffer.allocUnsafe(bytes.size);
  const n = bytes.read(all, 0, all.length, 0);
  return n < all.length ? all.subarray(0, n) : all;
}

/**
 * Longest interaction (bytes of cassette text) the scan holds; a longer one makes the whole file be
 * parsed as before (rare: bodies over 1 MiB are in side files). Without it, one huge string in a
 * hostile file grew the window to the whole file (~1 GB of memory for a 600 MB file).
 */
const MAX_SCAN_WINDOW = 64 * 1024 * 1024;
/** Bytes read per step while scanning a cassette at load. */
const SCAN_CHUNK = 256 * 1024;
/** Bytes read per step when every remaining deferred response is parsed (see {@link materializeResponses}). */
const MATERIALIZE_BLOCK = 1024 * 1024;
/** Bytes read ahead when a deferred response is read on its own (the next ones are likely in it). */
const READ_AHEAD = 256 * 1024;
/** Blocks a reader keeps (see {@link BlockReader}). */
const CACHED_BLOCKS = 2;

/**
 * A sliding view of `bytes` for one front-to-back pass: holds `[start, end)`; reading on keeps the
 * bytes from a `keep` offset (the interaction being scanned) and drops the rest, growing only for
 * an interaction longer than the chunk.
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
    // an interaction this long is left to the whole-file parse: bounds the scan's memory on a hostile file
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

  /** Offset of the first `pattern` at or after `from` (in the window) among the bytes the window holds; -1 if none there. */
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

  /** Where file offset `at` (which must be in the window) lies in `buf`. */
  at(offset: number): number {
    return offset - this.start;
  }
}

/**
 * Offset of the first {@link BETWEEN} at or after `from` (-1 if none), keeping `[keep, …)` in the
 * window. Searches its tail (which starts with `}`: far fewer false starts than a line break) and
 * checks the line break and indent before it.
 */
function findBetween(scan: ScanWindow, from: number, keep: number): number {
  for (let search = from + BETWEEN_HEAD.length; ; ) {
    const tail = scan.find(BETWEEN_TAIL, search, keep);
    if (tail < 0) return -1;
    const start = tail - BETWEEN_HEAD.length;
    if (matchesAt(scan.buf, scan.at(start), BETWEEN_HEAD)) return start;
    search = tail + 1;
  }
}

/** An append-only byte buffer, reused for each piece of the eagerly parsed text. */
class ByteSink {
  private buf: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, capacity));
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /** Appends `bytes[from, to)` (all of `bytes` by default). */
  append(bytes: Buffer, from = 0, to = bytes.length): void {
    const n = to - from;
    this.reserve(n);
    // TypedArray#set of a view: Node 20's Buffer#copy costs ~4× more per call (argument checks, then the same view)
    this.buf.set(new Uint8Array(bytes.buffer, bytes.byteOffset + from, n), this.length);
    this.length += n;
  }

  /** Empties the buffer (keeping its memory) and appends `prefix`. */
  reset(prefix: Buffer): void {
    this.length = 0;
    this.append(prefix);
  }

  /**
   * The bytes so far parsed as JSON; {@link NOT_JSON} when they are not (or not valid UTF-8). UTF-8 is
   * checked here for the eager text and on first read for each deferred response: cuts fall between
   * ASCII bytes, so every piece is valid on its own exactly when the file is.
   */
  parse(): unknown {
    // longer than a string can be: the whole-file path refuses it with a clear error
    if (this.length > bufferConstants.MAX_STRING_LENGTH || !isUtf8(this.buf.subarray(0, this.length))) return NOT_JSON;
    return tryParse(this.buf.toString('utf8', 0, this.length));
  }
}

/** What deferred responses of one cassette share. */
interface DeferredSource {
  readonly bytes: CassetteBytes;
  readonly file: string;
  readonly validator: CassetteValidator;
  /** Deferred responses not read yet; the bytes are closed when it reaches 0. */
  pending: number;
  /** Reads ahead for responses read one by one (made on first use, dropped with the bytes). */
  reader: BlockReader | undefined;
}

/**
 * Parses and validates a deferred response from its bytes. If they do not parse on their own, the
 * whole file is parsed: an invalid file gives the eager loader's error; a valid one means the
 * response was hand-formatted with lines that look like reeltape's own structure, which is
 * reported as such. A `file` body (only in a hand-formatted response: the layout's own are never
 * deferred) gets its side file checked here, as `loadCassette` does for the others.
 */
function readDeferred(source: DeferredSource, bytes: Buffer, from: number, to: number, index: number): RecordedResponse {
  const path = `interactions[${index}].response`;
  if (to - from > bufferConstants.MAX_STRING_LENGTH) {
    throw new CassetteFormatError(`Cassette ${source.file}: ${path} is ${to - from} bytes, longer than this JavaScript engine can read as text.`, source.file, path);
  }
  const text = bytes.toString('utf8', from, to);
  // the decoder replaces invalid UTF-8 with U+FFFD: only then is the strict check needed
  const valid = !text.includes('\uFFFD') || isUtf8(bytes.subarray(from, to));
  const value = valid ? tryParse(text) : NOT_JSON;
  if (value === NOT_JSON) {
    parseCassette(decodeCassette(readAllBytes(source.bytes), source.file), source.file); // throws the eager loader's error
    throw new CassetteFormatError(
      `Cassette ${source.file}: ${path} could not be read on its own although the file is valid JSON: it is laid out with ` +
        "lines that look like the cassette's own structure. Re-save the cassette (REELTAPE_MODE=update) to restore reeltape's layout.",
      source.file,
      path,
    );
  }
  const response = source.validator.responseAt(value, path);
  const body = response.body;
  if (body?.kind === 'file') {
    let size: number | undefined;
    try {
      const info = statSync(body.path);
      size = info.isFile() ? info.size : undefined;
    } catch {
      size = undefined;
    }
    const problem = sideFileProblem(source.file, body, `${path}.body.file`, size);
    if (problem) throw problem;
  }
  return response;
}

/** A piece of the file read into memory: its bytes `[start, end)`. */
interface Block {
  start: number;
  end: number;
  buf: Buffer;
}

/**
 * Reads deferred responses' bytes a block at a time: responses are read roughly in file order
 * (replay follows the recording, concurrent requests a window of it; materializing walks it), so
 * one read serves many. Blocks start at multiples of the block size and the last {@link CACHED_BLOCKS}
 * are kept, so requests answered a little out of order (200 in flight) do not re-read the file.
 */
class BlockReader {
  /** Most recently used first. */
  private readonly blocks: Block[] = [];

  constructor(
    readonly bytes: CassetteBytes,
    private readonly blockSize: number,
  ) {}

  /** Parses the deferred response at `[start, end)` from a block (reading it if needed). */
  response(source: DeferredSource, start: number, end: number, index: number): RecordedResponse {
    const block = this.blockFor(start, end);
    // a file shorter than at load gives a cut response: it fails to parse and the whole file is checked
    return readDeferred(source, block.buf, start - block.start, Math.min(end, block.end) - block.start, index);
  }

  private blockFor(start: number, end: number): Block {
    const blocks = this.blocks;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i] as Block;
      if (start < block.start || end > block.end) continue;
      if (i > 0) blocks.unshift(...blocks.splice(i, 1));
      return block;
    }
    const from = start - (start % this.blockSize);
    const length = Math.min(Math.max(end - from, this.blockSize), this.bytes.size - from);
    // the least recently used block's buffer is reused when it is large enough
    const spare = blocks.length >= CACHED_BLOCKS ? blocks.pop() : undefined;
    const buf = spare && spare.buf.length >= length ? spare.buf : Buffer.allocUnsafe(Math.max(length, this.blockSize));
    const block: Block = { start: from, end: from + this.bytes.read(buf, 0, length, from), buf };
    blocks.unshift(block);
    return block;
  }
}

/**
 * An interaction whose `response` is parsed on first read. Until then `response` is a getter on
 * the prototype (not an own property: spreading or cloning such an interaction loses it, so
 * cassettes are loaded this way only for replay; see {@link materializeResponses}).
 */
class DeferredInteraction {
  /** Dropped once the response is read. */
  #source: DeferredSource | undefined;
  readonly #start: number;
  readonly #end: number;
  readonly #index: number;

  constructor(
    public request: RecordedRequest,
    source: DeferredSource,
    start: number,
    end: number,
    index: number,
  ) {
    this.#source = source;
    this.#start = start;
    this.#end = end;
    this.#index = index;
  }

  get response(): RecordedResponse {
    const source = this.#source;
    if (source === undefined) {
      throw new Error(`reeltape: interactions[${this.#index}].response was checked and let go when its replay ended (see verifyUnreadResponses)`);
    }
    source.reader ??= new BlockReader(source.bytes, READ_AHEAD);
    return this.readWith(source.reader);
  }

  set response(value: RecordedResponse) {
    Object.defineProperty(this, 'response', { value, enumerable: true, configurable: true, writable: true });
    const source = this.#source;
    if (source !== undefined) this.#letGo(source);
  }

  /** Whether the response was neither read nor let go yet. */
  get unread(): boolean {
    return this.#source !== undefined;
  }

  /** Parses the response from the bytes `reader` has (or reads). */
  readWith(reader: BlockReader): RecordedResponse {
    const source = this.#source as DeferredSource;
    const response = reader.response(source, this.#start, this.#end, this.#index);
    this.response = response;
    return response;
  }

  /** Parses and validates the response as reading it does, without keeping it, and lets go of it. */
  verifyWith(reader: BlockReader): void {
    const source = this.#source as DeferredSource;
    reader.response(source, this.#start, this.#end, this.#index);
    this.#letGo(source);
  }

  /** Drops the file reference; the file is closed with its last unread response. */
  #letGo(source: DeferredSource): void {
    this.#source = undefined;
    if (--source.pending > 0) return;
    source.reader = undefined;
    source.bytes.close();
  }

  /** The file bytes this response is read from. */
  get bytes(): CassetteBytes | undefined {
    return this.#source?.bytes;
  }
}

/**
 * Whether `interaction.response` has not been parsed yet and can still be read (reading it parses it; one let go
 * by {@link verifyUnreadResponses} cannot). Such a response never has a `file` body from the layout.
 */
export function isResponseDeferred(interaction: Interaction): boolean {
  return interaction instanceof DeferredInteraction && interaction.unread;
}

/**
 * Hands every response of `cassette` not read yet to `visit`, in order, with a reader of its file
 * that reads a block at a time; returns the last reader (`undefined` if there was nothing to read).
 */
function eachUnread(cassette: Cassette, visit: (deferred: DeferredInteraction, reader: BlockReader) => void): BlockReader | undefined {
  let reader: BlockReader | undefined;
  for (const interaction of cassette.interactions) {
    if (!isResponseDeferred(interaction)) continue;
    const deferred = interaction as unknown as DeferredInteraction;
    const bytes = deferred.bytes as CassetteBytes;
    if (reader?.bytes !== bytes) reader = new BlockReader(bytes, MATERIALIZE_BLOCK);
    visit(deferred, reader);
  }
  return reader;
}

/**
 * Parses every deferred response of a cassette now, so each interaction holds its response as an
 * own property (safe to spread, clone and compare). Reads the file a block at a time, in order.
 *
 * @throws CassetteFormatError for the first response that is not valid
 * @example
 * materializeResponses(cassette) // e.g. before a cassette loaded for replay is compared or rewritten
 */
export function materializeResponses(cassette: Cassette): void {
  eachUnread(cassette, (deferred, reader) => deferred.readWith(reader));
}

/**
 * Checks every response of a cassette that was not read yet, as reading it would (parse and
 * validate), without keeping it, and lets go of the file: for the end of a replay, when the
 * responses are not needed any more but a damaged one must still fail the test. Keeping them
 * ({@link materializeResponses}) built the heap of every unused response only to drop it (a
 * 10,000-interaction cassette replayed for one request: ~250 ms to close, most of it that heap).
 * Reading such a response afterwards throws.
 *
 * @throws CassetteFormatError for the first response that is not valid (the file is closed then too)
 * @example
 * verifyUnreadResponses(cassette) // the replay is over
 */
export function verifyUnreadResponses(cassette: Cassette): void {
  let failedOn: BlockReader | undefined;
  try {
    eachUnread(cassette, (deferred, reader) => {
      failedOn = reader;
      deferred.verifyWith(reader);
    });
  } catch (error) {
    failedOn?.bytes.close(); // a damaged cassette: nothing more is read from it
    throw error;
  }
}

/** An interaction parsed without its response: exactly one member, `request`. */
function isRequestOnly(value: unknown): value is { request: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  let n = 0;
  for (const key in value) {
    if (key !== 'request') return false;
    n++;
  }
  return n === 1;
}

/** Options of {@link readSerializedLayout}. */
export interface LayoutReadOptions {
  /** Bytes read per step while scanning (tests use tiny ones to cut patterns at chunk edges). */
  chunkSize?: number;
  /** Eager text parsed per batch, in bytes (a batch ends after the interaction that reaches it; tests use tiny ones). */
  batchSize?: number;
}

/**
 * Reads cassette bytes in `serializeCassette`'s layout, deferring large responses. Returns
 * `undefined` when the bytes are not in that layout (the caller then parses them whole; `bytes`
 * stays open); throws `CassetteFormatError` when they are but hold an invalid envelope or request.
 * On success the cassette owns `bytes`: they are closed once every deferred response was read.
 *
 * The eager text is parsed in batches of whole interactions, each through one reused buffer into a
 * string small enough for V8's young generation, whose pages are reused: one string of all of it
 * (2 MB for 10,000 interactions) plus its buffer was fresh memory, and on small VMs each page
 * touched for the first time costs ~16 µs (a third of the load's time went there).
 *
 * @example
 * const cassette = readSerializedLayout(bytes, file) ?? parseCassette(bytes.toString('utf8'), file)
 */
export function readSerializedLayout(input: Buffer | CassetteBytes, file: string, options: LayoutReadOptions = {}): Cassette | undefined {
  const bytes = Buffer.isBuffer(input) ? bufferBytes(input) : input;
  const scan = new ScanWindow(bytes, options.chunkSize ?? SCAN_CHUNK);
  if (!scan.matches(OPEN_BRACE, 0, 0)) return undefined; // a BOM or anything else: the eager path reports it
  const headAt = scan.find(HEAD, 0, 0);
  if (headAt < 0) return undefined;
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const sink = new ByteSink(batchSize + (batchSize >> 1));
  // the envelope: everything before the interactions, closed (it parses only if HEAD is at the top level)
  sink.append(scan.buf, scan.at(0), scan.at(headAt));
  sink.append(OBJECT_CLOSE);
  const root = sink.parse();
  if (root === NOT_JSON || root === null || typeof root !== 'object' || Array.isArray(root)) return undefined;
  const validator = new CassetteValidator(file);
  const source: DeferredSource = { bytes, file, validator, pending: 0, reader: undefined };
  const interactions: Interaction[] = [];

  let at = headAt + HEAD.length;
  if (!scan.matches(ELEMENT_START, at, 0)) return undefined;
  // the interactions with the deferred responses cut out, as arrays of whole interactions. Runs of eager
  // bytes are copied as a whole: a cut response's `[end, next)` is `\n    }`, which closes its interaction.
  sink.reset(ARRAY_OPEN);
  let runStart = at;
  /** Per interaction of the batch: where its deferred response lies, or -1 (parsed with its request). */
  const deferredStart: number[] = [];
  const deferredEnd: number[] = [];
  let invalid: { error: unknown } | undefined;
  /** Where the next interaction's response key probably is (found while checking a deferred response), or -1. */
  let nextKey = -1;
  for (;;) {
    // the long separator skips fast through bodies; the last interaction ends the array instead
    let end = findBetween(scan, at, runStart);
    let last = false;
    if (end < 0) {
      end = scan.find(LAST_END, at, runStart); // everything from `runStart` to the end of the bytes is in the window now
      if (end < 0 || !isWhitespace(scan.buf, scan.at(end + LAST_END.length), scan.at(scan.end))) return undefined;
      last = true;
    }
    const next = end + ELEMENT_END_LENGTH;
    // the last search usually found this interaction's key already
    const key = nextKey >= at && scan.matches(RESPONSE_KEY, nextKey, runStart) ? nextKey : scan.findHere(RESPONSE_KEY, at);
    const responseStart = key + RESPONSE_KEY.length;
    let deferred = key > at && key < end && end - responseStart >= DEFERRED_RESPONSE_MIN && !endsLikeFileBody(scan.buf, scan.at(responseStart), scan.at(end));
    nextKey = -1;
    if (deferred) {
      // a separator that is not the layout's (re-spaced by hand, in a valid file) is skipped by the search for
      // the next one: then this text runs on over whole interactions, and each holds a "response" key
      const tail = scan.findHere(RESPONSE_TAIL, responseStart);
      deferred = tail < 0 || tail >= end;
      if (tail >= 0) nextKey = tail - RESPONSE_TAIL_AT;
    }
    if (deferred) {
      sink.append(scan.buf, scan.at(runStart), scan.at(key));
      runStart = end;
    }
    deferredStart.push(deferred ? responseStart : -1);
    deferredEnd.push(end);
    // a batch ends after a whole interaction (its `,\n` separator is left out)
    if (last || sink.length + (next - runStart) >= batchSize) {
      sink.append(scan.buf, scan.at(runStart), scan.at(next));
      sink.append(ARRAY_CLOSE);
      const batch = sink.parse();
      if (!isBatch(batch, deferredStart)) return undefined;
      // the first invalid interaction is reported once the whole file is known to be in the layout
      if (invalid === undefined) {
        try {
          readBatch(batch, validator, source, deferredStart, deferredEnd, interactions);
        } catch (error) {
          invalid = { error };
        }
      }
      if (last) break;
      sink.reset(ARRAY_OPEN);
      deferredStart.length = 0;
      deferredEnd.length = 0;
      runStart = next + SEPARATOR_LENGTH;
    }
    at = next + SEPARATOR_LENGTH;
  }
  const cassette = validator.cassette({ ...(root as object), interactions: [] });
  if (invalid !== undefined) throw invalid.error;
  cassette.interactions = interactions;
  if (source.pending === 0) bytes.close();
  return cassette;
}

/** Whether a parsed batch is what the scan found: an array of as many interactions, each deferred one request-only. */
function isBatch(raw: unknown, deferredStart: readonly number[]): raw is unknown[] {
  if (!Array.isArray(raw) || raw.length !== deferredStart.length) return false;
  for (let k = 0; k < raw.length; k++) if ((deferredStart[k] as number) >= 0 && !isRequestOnly(raw[k])) return false;
  return true;
}

/**
 * Validates one batch (see {@link isBatch}) and appends its interactions to `out`.
 *
 * @throws CassetteFormatError for the first invalid interaction
 */
function readBatch(
  raw: unknown[],
  validator: CassetteValidator,
  source: DeferredSource,
  deferredStart: readonly number[],
  deferredEnd: readonly number[],
  out: Interaction[],
): void {
  for (let k = 0; k < raw.length; k++) {
    const element = raw[k] as { request: unknown };
    const start = deferredStart[k] as number;
    const i = out.length;
    if (start < 0) {
      out.push(validator.element(element, i));
      continue;
    }
    const request = validator.fastRequest(element.request) ?? validator.request(element.request, `interactions[${i}].request`);
    out.push(new DeferredInteraction(request, source, start, deferredEnd[k] as number, i) as unknown as Interaction);
    source.pending++;
  }
}
