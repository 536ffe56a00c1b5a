import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { statSync } from 'node:fs';
import { CassetteFormatError } from '../errors/index.js';
import { decodeCassette, readAllBytes, type CassetteBytes } from './cassette-bytes.js';
import { parseCassette } from './format.js';
import { NOT_JSON, tryParse } from './replay-scan.js';
import { sideFileProblem } from './side-files.js';
import type { RecordedResponse } from './types.js';
import type { CassetteValidator } from './validate.js';

/**
 * Where a replayed cassette's responses come from: response `i` is asked for when request `i` is
 * matched. Responses left in the file at load are parsed and validated on first use.
 */
export interface ResponseSource {
  /** How many responses (one per recorded request). */
  readonly length: number;
  /**
   * Response `index`, parsed and validated on first use and kept.
   *
   * @throws CassetteFormatError when it is damaged
   */
  response(index: number): RecordedResponse;
  /** Response `index` if it is in memory already (never reads the file). */
  parsedAt(index: number): RecordedResponse | undefined;
  /**
   * The end of the replay: checks every response not read yet as reading it would, without keeping
   * it (a damaged one still fails the test), and lets go of the file. Idempotent.
   *
   * @throws CassetteFormatError for the first damaged one (the file is let go of then too)
   */
  close(): void;
}

/**
 * Responses already in memory.
 *
 * @example
 * const source = responsesInMemory(cassette.interactions.map((i) => i.response));
 */
export function responsesInMemory(responses: readonly RecordedResponse[]): ResponseSource {
  return {
    length: responses.length,
    response: (index) => responses[index] as RecordedResponse,
    parsedAt: (index) => responses[index],
    close: () => undefined,
  };
}

/** Bytes read per block when every remaining response is checked at close (in file order). */
const CLOSE_BLOCK = 1024 * 1024;
/** Bytes read per block when responses are read one by one (the next ones are likely in it). */
const READ_AHEAD = 256 * 1024;

/**
 * Responses of one cassette file, some parsed at load (`parsed[i]`) and the others at byte spans
 * `[start[i], end[i])` of the still open file. The file is let go of once every span was read or checked.
 */
export class DeferredResponses implements ResponseSource {
  private readonly parsed: Array<RecordedResponse | undefined> = [];
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  /** Spans not read yet; the file is closed when it reaches 0. */
  private pending = 0;
  private reader: BlockReader | undefined;
  private closed = false;

  constructor(
    private readonly bytes: CassetteBytes,
    private readonly file: string,
    private readonly validator: CassetteValidator,
  ) {}

  get length(): number {
    return this.parsed.length;
  }

  /** Appends a response parsed at load. */
  addParsed(response: RecordedResponse): void {
    this.parsed.push(response);
    this.start.push(-1);
    this.end.push(-1);
  }

  /** Appends a response left in the file at `[start, end)`. */
  addDeferred(start: number, end: number): void {
    this.parsed.push(undefined);
    this.start.push(start);
    this.end.push(end);
    this.pending++;
  }

  /** Closes the file when no response was left in it. */
  loaded(): void {
    if (this.pending === 0) this.letGo();
  }

  parsedAt(index: number): RecordedResponse | undefined {
    return this.parsed[index];
  }

  response(index: number): RecordedResponse {
    const done = this.parsed[index];
    if (done !== undefined) return done;
    if (this.closed) throw new Error(`reeltape: interactions[${index}].response was read after its cassette's replay ended`);
    this.reader ??= new BlockReader(this.bytes, READ_AHEAD);
    const response = this.read(this.reader, index);
    this.parsed[index] = response;
    this.spanDone(index);
    return response;
  }

  close(): void {
    if (this.closed) return;
    const reader = new BlockReader(this.bytes, CLOSE_BLOCK);
    try {
      for (let i = 0; i < this.parsed.length && this.pending > 0; i++) {
        if (this.parsed[i] !== undefined || this.start[i] === -1) continue;
        this.read(reader, i);
        this.spanDone(i);
      }
    } finally {
      this.letGo();
    }
  }

  private spanDone(index: number): void {
    this.start[index] = -1;
    if (--this.pending === 0) this.letGo();
  }

  private letGo(): void {
    this.closed = true;
    this.reader = undefined;
    this.bytes.close();
  }

  /**
   * Parses and validates response `index` from its span. If its text does not parse on its own, the
   * whole file is parsed: an invalid file gives the whole-file loader's error; a valid one was laid
   * out by hand in a way that mimics the writer's separators, which is reported as such. A `file`
   * body (only in such a hand-laid response: the scan never defers them) gets its side file checked.
   */
  private read(reader: BlockReader, index: number): RecordedResponse {
    const path = `interactions[${index}].response`;
    const from = this.start[index] as number;
    const to = this.end[index] as number;
    if (to - from > bufferConstants.MAX_STRING_LENGTH) {
      throw new CassetteFormatError(`Cassette ${this.file}: ${path} is ${to - from} bytes, longer than this JavaScript engine can read as text.`, this.file, path);
    }
    const { buf, at, length } = reader.span(from, to);
    const text = buf.toString('utf8', at, at + length);
    // the decoder replaces invalid UTF-8 with U+FFFD: only then is the strict check needed
    const valid = !text.includes('\uFFFD') || isUtf8(buf.subarray(at, at + length));
    const value = valid ? tryParse(text) : NOT_JSON;
    if (value === NOT_JSON) {
      parseCassette(decodeCassette(readAllBytes(this.bytes), this.file), this.file); // throws the whole-file loader's error
      throw new CassetteFormatError(
        `Cassette ${this.file}: ${path} could not be read on its own although the file is valid JSON: it is laid out with ` +
          "lines that look like the cassette's own structure. Re-save the cassette (REELTAPE_MODE=update) to restore reeltape's layout.",
        this.file,
        path,
      );
    }
    const response = this.validator.response(value, path);
    const body = response.body;
    if (body?.kind === 'file') {
      const info = statSync(body.path, { throwIfNoEntry: false });
      const problem = sideFileProblem(this.file, body, `${path}.body.file`, info?.isFile() ? info.size : undefined);
      if (problem) throw problem;
    }
    return response;
  }
}

/** A piece of the file in memory: its bytes `[start, end)`. */
interface Block {
  start: number;
  end: number;
  buf: Buffer;
}

/** How many blocks a reader keeps: requests answered a little out of order (200 in flight) do not re-read the file. */
const CACHED_BLOCKS = 2;

/**
 * Reads spans of the file a block at a time: responses are read roughly in file order (replay
 * follows the recording), so one read serves many. The least recently used block is replaced.
 */
class BlockReader {
  /** Most recently used first. */
  private readonly blocks: Block[] = [];

  constructor(
    private readonly bytes: CassetteBytes,
    private readonly blockSize: number,
  ) {}

  /** The bytes of `[start, end)` (cut short if the file shrank: such a response then fails to parse). */
  span(start: number, end: number): { buf: Buffer; at: number; length: number } {
    const block = this.blockFor(start, end);
    return { buf: block.buf, at: start - block.start, length: Math.max(0, Math.min(end, block.end) - start) };
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
    const spare = blocks.length >= CACHED_BLOCKS ? blocks.pop() : undefined;
    const buf = spare && spare.buf.length >= length ? spare.buf : Buffer.allocUnsafe(Math.max(length, this.blockSize));
    const block: Block = { start: from, end: from + this.bytes.read(buf, 0, length, from), buf };
    blocks.unshift(block);
    return block;
  }
}
