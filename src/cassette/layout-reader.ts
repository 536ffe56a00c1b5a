import { isAscii, isUtf8 } from 'node:buffer';
import { statSync } from 'node:fs';
import { CassetteFormatError } from '../errors/index.js';
import { CassetteValidator, parseCassette } from './format.js';
import type { Cassette, Interaction, RecordedRequest, RecordedResponse } from './types.js';

/**
 * Reads a cassette laid out exactly as `serializeCassette` writes it, and leaves large recorded
 * responses unparsed until they are first read (decision 0005).
 *
 * Why: `JSON.parse` of a 10,000-interaction, 19 MB cassette takes ~65 ms, most of it building the
 * objects of response bodies, before the first request can be answered. Matching needs only the
 * requests. Here the envelope and every request are parsed and validated at load (one
 * `JSON.parse` over the file with the large responses cut out); a response of at least
 * {@link DEFERRED_RESPONSE_MIN} bytes becomes a getter that parses and validates it on first read.
 *
 * Soundness: the file is cut only at byte sequences `serializeCassette` writes between and inside
 * interactions (`\n    },\n    {\n      "request": {\n`, `,\n      "response": `); JSON strings
 * cannot hold a raw newline, so these are structural. Every byte lies in the eagerly parsed text
 * or in one deferred response, and the eager text must parse as a whole. Anything else (another
 * layout, a hand edit, a BOM, invalid UTF-8) returns `undefined` and the caller parses the whole
 * file as before. A deferred response that does not parse on its own makes the whole file be
 * parsed again, so the error is the one an eager load gives (see {@link readDeferred}).
 */

/** Recorded responses shorter than this (bytes of cassette text) are parsed at load. */
export const DEFERRED_RESPONSE_MIN = 512;

const HEAD = Buffer.from(',\n  "interactions": [\n');
const ELEMENT_START = Buffer.from('    {\n      "request": {\n');
/** Between two interactions: the end of one and the start of the next. */
const BETWEEN = Buffer.from('\n    },\n    {\n      "request": {\n');
/** The end of the last interaction and of the array and the file. */
const LAST_END = Buffer.from('\n    }\n  ]\n}');
const ELEMENT_END_LENGTH = '\n    }'.length;
const SEPARATOR_LENGTH = ',\n'.length;
const RESPONSE_KEY = Buffer.from(',\n      "response": ');
/** How a `file` response body ends; such responses are parsed at load so their side files are checked. */
const FILE_BODY_END = Buffer.from('\n        }\n      }');
const SIZE_KEY = Buffer.from('"size": ');
/** Appended where a response was cut out: closes the interaction. */
const ELEMENT_CLOSE = Buffer.from('\n    }');
const ARRAY_CLOSE = Buffer.from('\n  ]\n}');
const COMMA = 0x2c;

function matchesAt(bytes: Buffer, at: number, pattern: Buffer): boolean {
  if (at < 0 || at + pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

function isWhitespaceTail(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

/** Whether the response text `[start, end)` ends like a `file` body (`"size": <digits>` + closers). */
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

/** What deferred responses of one cassette share. */
interface DeferredSource {
  readonly bytes: Buffer;
  readonly encoding: 'latin1' | 'utf8';
  readonly file: string;
  readonly validator: CassetteValidator;
}

/**
 * Parses and validates a deferred response. If its text does not parse on its own, the whole file
 * is parsed: an invalid file gives the eager loader's error; a valid one means the response was
 * hand-formatted with lines that look like reeltape's own structure, which is reported as such.
 * A `file` body (only in a hand-formatted response: the layout's own are never deferred) gets
 * its side file checked here, as `loadCassette` does for the others.
 */
function readDeferred(source: DeferredSource, start: number, end: number, index: number): RecordedResponse {
  const path = `interactions[${index}].response`;
  const value = tryParse(source.bytes.toString(source.encoding, start, end));
  if (value === NOT_JSON) {
    parseCassette(source.bytes.toString(source.encoding), source.file); // throws the eager loader's error
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
      size = statSync(body.path).size;
    } catch {
      size = undefined;
    }
    if (size !== body.size) {
      throw new CassetteFormatError(
        `Cassette ${source.file}: ${path}.body.file refers to side file ${body.path}, which is ${size === undefined ? 'missing' : `${size} bytes, not ${body.size}`}. ` +
          'Restore it (side files must be committed with the cassette) or delete the cassette and record it again.',
        body.path,
        `${path}.body.file`,
      );
    }
  }
  return response;
}

/**
 * An interaction whose `response` is parsed on first read. Until then `response` is a getter on
 * the prototype (not an own property: spreading or cloning such an interaction loses it, so
 * cassettes are loaded this way only for replay; see {@link materializeResponses}).
 */
class DeferredInteraction {
  /** Dropped once the response is read, so the file's bytes are not kept alive by read interactions. */
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
    const response = readDeferred(this.#source as DeferredSource, this.#start, this.#end, this.#index);
    this.response = response;
    return response;
  }

  set response(value: RecordedResponse) {
    Object.defineProperty(this, 'response', { value, enumerable: true, configurable: true, writable: true });
    this.#source = undefined;
  }
}

/** Whether `interaction.response` has not been parsed yet (reading it parses it). Such a response never has a `file` body from the layout. */
export function isResponseDeferred(interaction: Interaction): boolean {
  return interaction instanceof DeferredInteraction && !Object.hasOwn(interaction, 'response');
}

/**
 * Parses every deferred response of a cassette now, so each interaction holds its response as an
 * own property (safe to spread, clone and compare).
 *
 * @throws CassetteFormatError for the first response that is not valid
 * @example
 * materializeResponses(cassette) // e.g. at the end of a replay: a damaged response still fails the test
 */
export function materializeResponses(cassette: Cassette): void {
  for (const interaction of cassette.interactions) if (isResponseDeferred(interaction)) void interaction.response;
}

/** Where one interaction lies: `[start, next)`; `responseKey` ≥ 0 when its response is deferred, from `responseStart` to `end`. */
interface Piece {
  start: number;
  end: number;
  next: number;
  responseKey: number;
  responseStart: number;
}

/** Finds each interaction from `at` on; `undefined` when the bytes leave the layout. */
function scanInteractions(bytes: Buffer, at: number): Piece[] | undefined {
  const pieces: Piece[] = [];
  for (;;) {
    if (!matchesAt(bytes, at, ELEMENT_START)) return undefined;
    // the long separator skips fast through bodies; the last interaction ends the array instead
    let end = bytes.indexOf(BETWEEN, at);
    let last = false;
    if (end < 0) {
      end = bytes.indexOf(LAST_END, at);
      if (end < 0 || !isWhitespaceTail(bytes, end + LAST_END.length)) return undefined;
      last = true;
    }
    const next = end + ELEMENT_END_LENGTH;
    const key = bytes.indexOf(RESPONSE_KEY, at);
    const responseStart = key + RESPONSE_KEY.length;
    const deferred = key > at && key < end && end - responseStart >= DEFERRED_RESPONSE_MIN && !endsLikeFileBody(bytes, responseStart, end);
    pieces.push({ start: at, end, next, responseKey: deferred ? key : -1, responseStart });
    if (last) return pieces;
    at = next + SEPARATOR_LENGTH;
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

/**
 * Reads cassette bytes in `serializeCassette`'s layout, deferring large responses. Returns
 * `undefined` when the bytes are not in that layout (the caller then parses them whole); throws
 * `CassetteFormatError` when they are but hold an invalid envelope or request.
 *
 * @example
 * const cassette = readSerializedLayout(bytes, file) ?? parseCassette(bytes.toString('utf8'), file)
 */
export function readSerializedLayout(bytes: Buffer, file: string): Cassette | undefined {
  const encoding = isAscii(bytes) ? 'latin1' : isUtf8(bytes) ? 'utf8' : undefined;
  if (encoding === undefined || bytes[0] !== 0x7b) return undefined; // invalid UTF-8 or a BOM: the eager path reports it
  const headEnd = bytes.indexOf(HEAD);
  if (headEnd < 0) return undefined;
  const pieces = scanInteractions(bytes, headEnd + HEAD.length);
  if (!pieces) return undefined;

  // the file with the deferred responses cut out, copied into one buffer and parsed at once
  let length = headEnd + HEAD.length + ARRAY_CLOSE.length + pieces.length - 1;
  for (const piece of pieces) length += piece.responseKey < 0 ? piece.next - piece.start : piece.responseKey - piece.start + ELEMENT_CLOSE.length;
  const eager = Buffer.allocUnsafe(length);
  let at = bytes.copy(eager, 0, 0, headEnd + HEAD.length);
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as Piece;
    if (i > 0) eager[at++] = COMMA;
    if (piece.responseKey < 0) at += bytes.copy(eager, at, piece.start, piece.next);
    else at += bytes.copy(eager, at, piece.start, piece.responseKey) + ELEMENT_CLOSE.copy(eager, at + piece.responseKey - piece.start);
  }
  ARRAY_CLOSE.copy(eager, at);
  const root = tryParse(eager.toString(encoding));
  if (root === NOT_JSON || root === null || typeof root !== 'object') return undefined;
  const raw = (root as { interactions?: unknown }).interactions;
  if (!Array.isArray(raw) || raw.length !== pieces.length) return undefined;

  const validator = new CassetteValidator(file);
  const source: DeferredSource = { bytes, encoding, file, validator };
  const placeholder: unknown[] = [];
  const cassette = validator.cassette({ ...(root as object), interactions: placeholder });
  const interactions: Interaction[] = new Array(pieces.length);
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as Piece;
    const element = raw[i];
    if (piece.responseKey < 0) {
      interactions[i] = validator.element(element, i);
      continue;
    }
    if (!isRequestOnly(element)) return undefined;
    const request = validator.fastRequest(element.request) ?? validator.request(element.request, `interactions[${i}].request`);
    interactions[i] = new DeferredInteraction(request, source, piece.responseStart, piece.end, i) as unknown as Interaction;
  }
  cassette.interactions = interactions;
  return cassette;
}
