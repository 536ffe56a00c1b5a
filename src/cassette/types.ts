/**
 * The cassette data model: plain value objects shared by every part of reeltape.
 * Nothing here knows about MSW or a test framework.
 */
import type { ResponseStream } from './stream-chunks.js';
import type { RecordedFailure } from './failure.js';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * HTTP headers with lower-cased names. A header that occurred more than once (e.g. `set-cookie`)
 * holds an array, in the order received.
 */
export type HeaderMap = Record<string, string | string[]>;

/**
 * A body held in memory (or, for large bodies, on disk):
 * - `json`: parsed JSON; `format` says how it is re-serialized byte-exactly (`compact`, or an indent).
 * - `text`: UTF-8 text (also used for JSON that would not round-trip byte-exactly).
 * - `binary`: raw bytes (stored as base64 in the cassette file).
 * - `file`: a large body kept in a content-addressed side file (`<cassette>.bodies/<sha256>`).
 */
export type Body =
  | { kind: 'json'; value: JsonValue; format?: JsonFormat }
  | { kind: 'text'; value: string }
  | { kind: 'binary'; value: Uint8Array }
  | { kind: 'file'; sha256: string; size: number; path: string };

/** How a JSON body is re-serialized: compact, or pretty-printed with an indent, optionally with a trailing newline. */
export interface JsonFormat {
  /** Indent: 0 for compact, a number of spaces, or `'\t'`. */
  indent: number | '\t';
  /** Whether the original text ended with a newline. */
  trailingNewline?: boolean;
}

/** A recorded HTTP request. `url` is absolute. `body` is `null` when there is none; stored decoded (a gzip upload's text), `headers` keep `content-encoding`. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: HeaderMap;
  body: Body | null;
}

/** A recorded HTTP response. Bodies are stored decoded (no gzip/deflate/br); `headers` keep `content-encoding`. */
export interface RecordedResponse {
  status: number;
  statusText: string;
  headers: HeaderMap;
  body: Body | null;
  /** A streamed response's chunks and how it ended (see `stream-chunks.ts`). */
  stream?: ResponseStream;
}

/** One request and the response it received. */
export interface Interaction {
  request: RecordedRequest;
  response: RecordedResponse;
  /** The request got no response: how it failed (`response` is then `NO_RESPONSE`; see `failure.ts`). */
  failure?: RecordedFailure;
}

/** Cassette metadata. */
export interface CassetteMeta {
  /** reeltape version that recorded the cassette. */
  reeltape: string;
  /** Node.js version that recorded the cassette (`process.version`). */
  node: string;
  /** ISO-8601 time of recording. Drives `maxAge` and `freezeTime`. */
  recordedAt: string;
  /** Present when `fn` threw during recording: what it threw. */
  error?: { name: string; message: string };
  /** Free-form metadata a sanitizer's `meta` hook may set (e.g. a sanitized config). */
  extra?: { [key: string]: JsonValue };
}

/** The current cassette format version. */
export const CASSETTE_VERSION = 1;

/** A whole cassette, format version 1. */
export interface Cassette {
  version: typeof CASSETTE_VERSION;
  meta: CassetteMeta;
  interactions: Interaction[];
  /** Function tape calls, in call order (optional: cassettes without calls have none). */
  calls?: RecordedCall[];
}

/**
 * One recorded function call of a function tape (`interceptInput`, `interceptOutput`): values are
 * stored through the tape's codec (readable JSON, e.g. `{"$date": "2024-01-31T12:00:00.000Z"}`).
 */
export interface RecordedCall {
  /** The tape's alias, e.g. `crm.getCustomer` or `pg`. */
  alias: string;
  /** `input`: its result feeds the code (replayed); `output`: the code emits through it (compared). */
  kind: 'input' | 'output';
  /** What an input call is matched by (default: its arguments). Absent for outputs. */
  key?: JsonValue;
  /** An output call's arguments (compared on replay). Absent for inputs. */
  args?: JsonValue;
  /** The return value (absent: `undefined`, or the call threw). */
  result?: JsonValue;
  /** What the call threw, if it did. */
  error?: JsonValue;
  /** The function returned (or threw) directly rather than through a promise. */
  sync?: boolean;
}
