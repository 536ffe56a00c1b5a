/**
 * Streamed responses keep their chunks. The body stays whole (readable, sanitized, matched and
 * summarized like any other body: SSE events are its text); beside it, `response.stream` lists the
 * chunks as the client received them: when (ms after the response head) and how many bytes of the
 * body each carried, and how the stream ended. Redaction changes lengths, so after the sanitizers
 * rewrote a body, the chunk sizes are carried over onto the new bytes ({@link realignStream}).
 */
import { failureToJson, recordError, validateFailure, type Complain, type RecordedError } from './failure.js';
import { bodyToBytes } from './body-codec.js';
import type { HeaderMap, JsonValue, RecordedResponse } from './types.js';

/** One chunk: `at` ms after the response head arrived, `size` bytes of the body. */
export interface StreamChunk {
  at: number;
  size: number;
}

/**
 * A streamed response's chunks, in order; their sizes add up to the body's length. `end` is how
 * the stream ended when it did not complete: `cancelled` (the client stopped reading: replay
 * leaves the stream open after the last chunk, as the live one was), or the error it failed with
 * (the server reset it: replay fails the stream with it).
 */
export interface ResponseStream {
  chunks: StreamChunk[];
  end?: 'cancelled' | { error: RecordedError };
}

const STREAM_TYPES = new Set(['text/event-stream', 'application/x-ndjson', 'application/stream+json', 'application/jsonl', 'application/jsonlines']);

/**
 * Whether a response's chunks are kept: a streaming content type (`text/event-stream`,
 * `application/x-ndjson`, `application/stream+json`, JSON Lines), or a chunked body without a
 * length. Not when the body is compressed (chunks of compressed bytes do not map onto the stored,
 * decoded body).
 *
 * @example
 * isStreamedResponse({ 'content-type': 'text/event-stream' }); // true
 */
export function isStreamedResponse(headers: HeaderMap): boolean {
  const encoding = headerText(headers, 'content-encoding');
  if (encoding !== '' && encoding !== 'identity') return false;
  if (hasStreamingType(headers)) return true;
  return headerText(headers, 'content-length') === '' && headerText(headers, 'transfer-encoding').includes('chunked');
}

/**
 * Whether a response has a streaming content type (SSE, NDJSON, `stream+json`, JSON Lines): one
 * that may never end, so a client that stops reading ends it (other chunked bodies are recorded whole).
 *
 * @example
 * hasStreamingType({ 'content-type': 'application/x-ndjson' }); // true
 */
export function hasStreamingType(headers: HeaderMap): boolean {
  return STREAM_TYPES.has(headerText(headers, 'content-type').split(';', 1)[0]!.trim());
}

function headerText(headers: HeaderMap, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().toLowerCase();
}

/**
 * Records chunks as they arrive: `push` each chunk's size when it arrives, `result` when done.
 *
 * @example
 * const timeline = new ChunkTimeline();
 * timeline.push(chunk.byteLength);
 * const stream = timeline.result();
 */
export class ChunkTimeline {
  readonly #start = performance.now();
  readonly #chunks: StreamChunk[] = [];
  #end: ResponseStream['end'];

  push(size: number): void {
    if (size > 0) this.#chunks.push({ at: Math.round(performance.now() - this.#start), size });
  }

  /** The stream failed (reset): its error is how it ended. */
  fail(error: unknown): void {
    this.#end ??= { error: recordError(error) };
  }

  /** The reader stopped before the end (the client cancelled, or the capture timed out). */
  cancel(): void {
    this.#end ??= 'cancelled';
  }

  result(complete: boolean): ResponseStream {
    const end = this.#end ?? (complete ? undefined : 'cancelled');
    return end ? { chunks: [...this.#chunks], end } : { chunks: [...this.#chunks] };
  }
}

/**
 * The body bytes cut into the recorded chunks.
 *
 * @example
 * chunkSlices(bytes, { chunks: [{ at: 0, size: 3 }, { at: 5, size: 2 }] }); // [bytes[0..3), bytes[3..5)]
 */
export function chunkSlices(bytes: Uint8Array, stream: ResponseStream): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const { size } of stream.chunks) {
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < bytes.byteLength) out.push(bytes.subarray(offset));
  return out;
}

/** Longest stretch of a replacement (a secret, a marker) the realignment looks across. */
const MAX_REPLACED = 4096;
/** Bytes that must agree after a replacement for the two sides to be in step again. */
const ANCHOR = 12;

/**
 * Carries chunk sizes over from the body as recorded (`before`) to the body as stored (`after`,
 * the sanitizers having replaced secrets with markers): unchanged bytes keep their chunk; a
 * replaced stretch goes, whole, to the chunk in which it began; a chunk left empty is dropped.
 * Works for any bytes (a replacement is found by re-synchronizing on {@link ANCHOR} equal bytes).
 *
 * @example
 * realignStream(stream, encode('data: sk-secret\n\n'), encode('data: [REDACTED]\n\n'));
 */
export function realignStream(stream: ResponseStream, before: Uint8Array, after: Uint8Array): ResponseStream {
  const o = Buffer.from(before.buffer, before.byteOffset, before.byteLength).toString('latin1');
  const n = Buffer.from(after.buffer, after.byteOffset, after.byteLength).toString('latin1');
  if (o === n) return stream;
  const map = positionMap(o, n);
  const chunks: StreamChunk[] = [];
  let from = 0;
  let offset = 0;
  stream.chunks.forEach((chunk, k) => {
    offset += chunk.size;
    const to = k === stream.chunks.length - 1 ? n.length : Math.max(from, map(offset));
    if (to > from) chunks.push({ at: chunk.at, size: to - from });
    from = to;
  });
  return stream.end ? { chunks, end: stream.end } : { chunks };
}

/** Maps a position in `o` to the matching position in `n` (see {@link realignStream}). */
function positionMap(o: string, n: string): (position: number) => number {
  // equal runs: o[oStart, oStart+len) === n[nStart, nStart+len)
  const runs: Array<{ oStart: number; nStart: number; len: number }> = [];
  let i = 0;
  let j = 0;
  while (i < o.length && j < n.length) {
    const oStart = i;
    const nStart = j;
    while (i < o.length && j < n.length && o.charCodeAt(i) === n.charCodeAt(j)) {
      i++;
      j++;
    }
    if (i > oStart) runs.push({ oStart, nStart, len: i - oStart });
    if (i >= o.length || j >= n.length) break;
    const next = resync(o, n, i, j);
    if (!next) break;
    [i, j] = next;
  }
  return (position) => {
    for (const r of runs) {
      if (position < r.oStart) return r.nStart; // inside a replaced stretch: its start
      if (position <= r.oStart + r.len) return r.nStart + (position - r.oStart);
    }
    const last = runs[runs.length - 1];
    return last ? last.nStart + last.len : 0;
  };
}

/** The nearest `(i', j')` after a mismatch at `(i, j)` from which {@link ANCHOR} bytes agree (or the ends do). */
function resync(o: string, n: string, i: number, j: number): [number, number] | undefined {
  const window = o.slice(i, i + MAX_REPLACED + ANCHOR);
  let best: [number, number] | undefined;
  for (let dj = 0; dj <= MAX_REPLACED && j + dj < n.length; dj++) {
    if (best && dj >= best[0] - i + best[1] - j) break;
    const anchor = n.slice(j + dj, j + dj + ANCHOR);
    const at = window.indexOf(anchor, dj === 0 ? 1 : 0);
    if (at === -1) continue;
    // a short anchor (the end of `n`) only counts where it is also the end of `o`
    if (anchor.length < ANCHOR && i + at + anchor.length !== o.length) continue;
    if (!best || at + dj < best[0] - i + best[1] - j) best = [i + at, j + dj];
  }
  return best;
}

/**
 * The file form of a stream: `{ chunks: [{ at, size }…], end? }`.
 *
 * @example
 * streamToJson({ chunks: [{ at: 0, size: 9 }], end: 'cancelled' }); // { chunks: [{ at: 0, size: 9 }], end: 'cancelled' }
 */
export function streamToJson(stream: ResponseStream): JsonValue {
  const out: { [key: string]: JsonValue } = { chunks: stream.chunks.map((c) => ({ at: c.at, size: c.size })) };
  if (stream.end === 'cancelled') out.end = 'cancelled';
  else if (stream.end) out.end = failureToJson(stream.end);
  return out;
}

/**
 * Checks the file form of `response.stream` against the body's length (`bodyLength` bytes) and
 * builds the model.
 *
 * @example
 * validateStream({ chunks: [{ at: 0, size: 5 }] }, 'interactions[0].response.stream', 5, fail);
 */
export function validateStream(value: unknown, path: string, bodyLength: number, fail: Complain): ResponseStream {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(path, 'expected an object { chunks, end? }');
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (key !== 'chunks' && key !== 'end') fail(`${path}.${key}`, `unknown field ${JSON.stringify(key)} (allowed: chunks, end)`);
  if (!Array.isArray(obj.chunks)) return fail(`${path}.chunks`, 'expected an array of { at, size }');
  const chunks: StreamChunk[] = [];
  let total = 0;
  let last = 0;
  obj.chunks.forEach((c: unknown, k) => {
    const p = `${path}.chunks[${k}]`;
    const chunk = c as Record<string, unknown> | null;
    if (chunk === null || typeof chunk !== 'object' || Object.keys(chunk).length !== 2) fail(p, 'expected { at, size }');
    const { at, size } = chunk as { at: unknown; size: unknown };
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < last) fail(`${p}.at`, `expected an integer of ms, not before the previous chunk's (${last})`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) fail(`${p}.size`, 'expected a positive integer');
    chunks.push({ at: at as number, size: size as number });
    last = at as number;
    total += size as number;
  });
  if (total !== bodyLength) fail(`${path}.chunks`, `chunk sizes add up to ${total} bytes, but the body has ${bodyLength}`);
  if (obj.end === undefined) return { chunks };
  if (obj.end === 'cancelled') return { chunks, end: 'cancelled' };
  const failure = validateFailure(obj.end, `${path}.end`, fail);
  if ('aborted' in failure) return fail(`${path}.end`, 'expected "cancelled" or { "error": {…} }');
  return { chunks, end: failure };
}

/**
 * Gives a sanitized response (`after`) the stream of the response it was made from (`before`),
 * its chunk sizes carried over onto the new body bytes ({@link realignStream}). The stream is
 * dropped when the stored body is not the bytes the chunks cut (a `file` body).
 *
 * @example
 * carryStream(interaction.response, sanitizedResponse);
 */
export function carryStream(before: RecordedResponse, after: RecordedResponse): void {
  const stream = before.stream;
  if (!stream || before.body?.kind === 'file' || after.body?.kind === 'file') {
    delete after.stream;
    return;
  }
  after.stream = realignStream(stream, bodyToBytes(before.body), bodyToBytes(after.body));
}
