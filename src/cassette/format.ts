import { CassetteFormatError } from '../errors/index.js';
import { headerMapFromEntries, sortedHeadersForOutput } from './headers.js';
import { parseJsonText } from './json-text.js';
import { bodyByteLength, isCompactFormat } from './body-codec.js';
import { sideFilePath } from './side-files.js';
import { canParseUrl } from './canonical-url.js';
import { failureToJson, NO_RESPONSE, validateFailure } from './failure.js';
import { streamToJson, validateStream } from './stream-chunks.js';
import {
  CASSETTE_VERSION,
  type Body,
  type Cassette,
  type CassetteMeta,
  type HeaderMap,
  type Interaction,
  type JsonFormat,
  type JsonValue,
  type RecordedRequest,
  type RecordedResponse,
} from './types.js';

/** Cassette format versions this build of reeltape reads. */
export const SUPPORTED_CASSETTE_VERSIONS: readonly number[] = [CASSETTE_VERSION];

type Json = JsonValue;
type JsonObject = { [key: string]: JsonValue };

/**
 * Serializes a cassette to the v1 file format, stably: envelope keys in a fixed order
 * (`version, meta, interactions`; `request: method, url, headers, body`; `response: status,
 * statusText, headers, body`), headers sorted by name, `meta.extra` keys sorted, JSON body values
 * in their own key order (so they replay byte-exactly), 2-space indent, trailing newline.
 * The same traffic always gives the same bytes. `file` bodies are written as references only;
 * their side files must already exist (see `writeSideFile`).
 *
 * @example
 * await writeFileAtomic(file, serializeCassette(cassette))
 */
export function serializeCassette(cassette: Cassette): string {
  return `${JSON.stringify(cassetteToJson(cassette), null, 2)}\n`;
}

function cassetteToJson(cassette: Cassette): JsonObject {
  return {
    version: cassette.version,
    meta: metaToJson(cassette.meta),
    interactions: cassette.interactions.map(interactionToJson),
  };
}

function metaToJson(meta: CassetteMeta): JsonObject {
  const out: JsonObject = { reeltape: meta.reeltape, node: meta.node, recordedAt: meta.recordedAt };
  if (meta.error) out.error = { name: meta.error.name, message: meta.error.message };
  if (meta.extra) out.extra = sortKeysDeep(meta.extra);
  return out;
}

function sortKeysDeep(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep(value[k] as Json)]),
    );
  }
  return value;
}

function interactionToJson(interaction: Interaction): JsonObject {
  const { request, response } = interaction;
  const failure = interaction.failure ? { failure: failureToJson(interaction.failure) } : undefined;
  return {
    request: {
      method: request.method,
      url: request.url,
      headers: sortedHeadersForOutput(request.headers) as JsonObject,
      body: bodyToJson(request.body),
    },
    ...(failure ?? {
      response: {
        status: response.status,
        statusText: response.statusText,
        headers: sortedHeadersForOutput(response.headers) as JsonObject,
        body: bodyToJson(response.body),
        ...(response.stream ? { stream: streamToJson(response.stream) } : {}),
      },
    }),
  };
}

function bodyToJson(body: Body | null): Json {
  if (body === null) return null;
  switch (body.kind) {
    case 'json': {
      const out: JsonObject = { json: body.value };
      if (!isCompactFormat(body.format) && body.format) {
        out.format = body.format.trailingNewline
          ? { indent: body.format.indent, trailingNewline: true }
          : { indent: body.format.indent };
      }
      return out;
    }
    case 'text':
      return { text: body.value };
    case 'binary':
      return { base64: Buffer.from(body.value.buffer, body.value.byteOffset, body.value.byteLength).toString('base64') };
    case 'file':
      return { file: body.sha256, size: body.size };
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation

/**
 * Parses and validates cassette file text. Unknown fields are rejected (a typo such as `"staus"`
 * would otherwise be silently dropped on the next re-record); extension data belongs in
 * `meta.extra`. `file` bodies get their side-file `path` resolved next to `file` (their existence
 * is checked by `loadCassette`, not here). Header names are lower-cased (repeats merged).
 *
 * @param text the file's content
 * @param file the file's path, used in error messages and to resolve side files
 * @throws CassetteFormatError naming the file and the JSON path of the first problem, e.g.
 *   `interactions[3].response.status: expected an integer 100-599, got "abc"`
 */
export function parseCassette(text: string, file: string): Cassette {
  return new CassetteValidator(file).cassette(parseJsonText(text, file, 'Cassette'));
}

const REQUEST_KEYS = ['method', 'url', 'headers', 'body'] as const;
const RESPONSE_KEYS = ['status', 'statusText', 'headers', 'body'] as const;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** {@link BASE64} whose padding carries no stray bits (decoding then encoding gives the same text). */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** Header names as stored: lower-case tokens. */
const LOWER_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** What a header value or status text cannot hold: CR, LF, NUL (they would split or end the message), or a character beyond Latin-1. */
const BAD_FIELD_TEXT = /[\r\n\0\u0100-\uffff]/;
/**
 * Deepest nesting of arrays and objects a JSON body (or `meta.extra`) may have. Real APIs stay far
 * below; much deeper values overflow the stack of recursive code (`JSON.stringify` fails near 5,000).
 */
export const MAX_JSON_DEPTH = 500;

/**
 * Whether arrays and objects in `value` nest deeper than `limit` levels. Recursive (4-8× faster than
 * an explicit stack, measured over 10,000 bodies) and safe: it never goes more than `limit` calls deep.
 */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeperThan(value[i], limit - 1)) return true;
    return false;
  }
  for (const key in value) if (nestsDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/**
 * A `binary` body whose bytes are decoded from (already validated) base64 on first read of `value`,
 * so loading a cassette does not decode bodies that are never replayed. Assigning `value` works as
 * for a plain body.
 */
function lazyBinaryBody(b64: string): Body {
  const body = { kind: 'binary' } as { kind: 'binary'; value: Uint8Array };
  Object.defineProperty(body, 'value', {
    enumerable: true,
    configurable: true,
    get(): Uint8Array {
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      Object.defineProperty(body, 'value', { value: bytes, enumerable: true, configurable: true, writable: true });
      return bytes;
    },
    set(value: Uint8Array) {
      Object.defineProperty(body, 'value', { value, enumerable: true, configurable: true, writable: true });
    },
  });
  return body;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether `obj` has exactly the keys `a`…`d` (own, enumerable: what `JSON.parse` makes). */
function hasExactly4(obj: Record<string, unknown>, a: string, b: string, c: string, d: string): boolean {
  let n = 0;
  for (const key in obj) {
    if (key !== a && key !== b && key !== c && key !== d) return false;
    n++;
  }
  return n === 4;
}

/** Header names (and methods) already seen to pass their regex; cassettes repeat a few dozen names. */
const knownHeaderNames = new Set<string>();
const knownMethods = new Set<string>();
const KNOWN_LIMIT = 4096;

function isLowerHeaderName(name: string): boolean {
  if (knownHeaderNames.has(name)) return true;
  if (!LOWER_HEADER_NAME.test(name)) return false;
  if (knownHeaderNames.size < KNOWN_LIMIT) knownHeaderNames.add(name);
  return true;
}

function isMethod(method: string): boolean {
  if (knownMethods.has(method)) return true;
  if (!METHOD.test(method)) return false;
  if (knownMethods.size < KNOWN_LIMIT) knownMethods.add(method);
  return true;
}

/** Stored headers that need no conversion (lower-case valid names, string or non-empty string-array values): the object itself. */
function fastHeaders(value: unknown): HeaderMap | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const name in value) {
    if (name === '__proto__' || !isLowerHeaderName(name)) return undefined;
    const v = value[name];
    if (typeof v === 'string') {
      if (BAD_FIELD_TEXT.test(v)) return undefined;
      continue;
    }
    if (!Array.isArray(v) || v.length === 0) return undefined;
    for (const x of v) if (typeof x !== 'string' || BAD_FIELD_TEXT.test(x)) return undefined;
  }
  return value as HeaderMap;
}

const NOT_FAST = Symbol('not fast');

/**
 * A request or response that passed the fast check, in memory form: a body-less one is the parsed
 * object itself (a 10,000-GET load allocates 10,000 fewer objects); with a body, a copy holding the
 * body's memory form (the parsed object is left as it was: a failed check after this one starts over from it).
 */
function fastResult<T extends RecordedRequest | RecordedResponse>(parsed: Record<string, unknown>, body: Body | null): T {
  return (body === null ? parsed : { ...parsed, body }) as unknown as T;
}

/** The common body forms (`null`, `{json}`, `{text}`, canonical `{base64}`); anything else is left to the descriptive check. */
function fastBody(value: unknown): Body | null | typeof NOT_FAST {
  if (value === null) return null;
  if (!isPlainObject(value)) return NOT_FAST;
  let only: string | undefined;
  for (const key in value) {
    if (only !== undefined) return NOT_FAST;
    only = key;
  }
  if (only === 'json') return nestsDeeperThan(value.json, MAX_JSON_DEPTH) ? NOT_FAST : { kind: 'json', value: value.json as JsonValue };
  if (only === 'text') return typeof value.text === 'string' ? { kind: 'text', value: value.text } : NOT_FAST;
  if (only === 'base64') {
    const b64 = value.base64;
    return typeof b64 === 'string' && CANONICAL_BASE64.test(b64) ? lazyBinaryBody(b64) : NOT_FAST;
  }
  return NOT_FAST;
}

/**
 * Checks parsed cassette JSON and builds the model, naming the file and the JSON path of the first
 * problem. Used whole by {@link parseCassette}, piece by piece by the layout reader. Takes over what
 * it is given (requests and responses that pass the fast check become part of the model): pass only
 * fresh `JSON.parse` results.
 */
export class CassetteValidator {
  constructor(private readonly file: string) {}

  /** One element of `interactions` (the fast check first, the descriptive one for anything unusual). */
  element(value: unknown, index: number): Interaction {
    return this.fastInteraction(value) ?? this.interaction(value, `interactions[${index}]`);
  }

  private fail(path: string, message: string): never {
    const where = path === '' ? '(top level)' : path;
    throw new CassetteFormatError(
      `Cassette ${this.file} is not a valid reeltape cassette: ${where}: ${message}. ` +
        'Fix the file or delete it and record the cassette again.',
      this.file,
      path === '' ? undefined : path,
    );
  }

  private expected(path: string, what: string, got: unknown): never {
    return this.fail(path, `expected ${what}, got ${describe(got)}`);
  }

  private object(value: unknown, path: string, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.expected(path, 'an object', value);
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.fail(join(path, key), `unknown field ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
      }
    }
    for (const key of required) {
      if (!Object.hasOwn(obj, key)) this.fail(join(path, key), 'required field is missing');
    }
    return obj;
  }

  private string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.expected(path, 'a string', value);
    return value as string;
  }

  cassette(root: unknown): Cassette {
    if (root === null || typeof root !== 'object' || Array.isArray(root)) this.expected('', 'a JSON object { version, meta, interactions }', root);
    const r = root as Record<string, unknown>;
    if (!Object.hasOwn(r, 'version')) this.fail('version', `required field is missing (supported versions: ${SUPPORTED_CASSETTE_VERSIONS.join(', ')})`);
    if (!SUPPORTED_CASSETTE_VERSIONS.includes(r.version as number)) {
      this.fail(
        'version',
        `unsupported cassette version ${describe(r.version)}; this reeltape reads version ${SUPPORTED_CASSETTE_VERSIONS.join(', ')}` +
          ' (upgrade reeltape, or re-record the cassette)',
      );
    }
    const obj = this.object(root, '', ['version', 'meta', 'interactions'], ['version', 'meta', 'interactions']);
    const meta = this.meta(obj.meta, 'meta');
    if (!Array.isArray(obj.interactions)) this.expected('interactions', 'an array', obj.interactions);
    const raw = obj.interactions as unknown[];
    const interactions: Interaction[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      // the fast path accepts only well-formed interactions; anything else gets the descriptive check
      interactions[i] = this.element(raw[i], i);
    }
    return { version: CASSETTE_VERSION, meta, interactions };
  }

  private meta(value: unknown, path: string): CassetteMeta {
    const obj = this.object(value, path, ['reeltape', 'node', 'recordedAt', 'error', 'extra'], ['reeltape', 'node', 'recordedAt']);
    const meta: CassetteMeta = {
      reeltape: this.string(obj.reeltape, `${path}.reeltape`),
      node: this.string(obj.node, `${path}.node`),
      recordedAt: this.string(obj.recordedAt, `${path}.recordedAt`),
    };
    if (Number.isNaN(Date.parse(meta.recordedAt))) this.expected(`${path}.recordedAt`, 'an ISO-8601 date-time', meta.recordedAt);
    if (obj.error !== undefined) {
      const error = this.object(obj.error, `${path}.error`, ['name', 'message'], ['name', 'message']);
      meta.error = { name: this.string(error.name, `${path}.error.name`), message: this.string(error.message, `${path}.error.message`) };
    }
    if (obj.extra !== undefined) {
      if (obj.extra === null || typeof obj.extra !== 'object' || Array.isArray(obj.extra)) this.expected(`${path}.extra`, 'an object', obj.extra);
      if (nestsDeeperThan(obj.extra, MAX_JSON_DEPTH)) this.fail(`${path}.extra`, `arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels`);
      meta.extra = obj.extra as { [key: string]: JsonValue };
    }
    return meta;
  }

  /**
   * One pass over a well-formed interaction without building JSON paths or copying headers;
   * `undefined` (the descriptive check then runs) for anything unusual, valid or not.
   */
  fastInteraction(value: unknown): Interaction | undefined {
    if (!isPlainObject(value)) return undefined;
    let n = 0;
    for (const key in value) {
      if (key !== 'request' && key !== 'response') return undefined;
      n++;
    }
    if (n !== 2) return undefined;
    const request = this.fastRequest(value.request);
    const response = request && this.fastResponse(value.response);
    return response ? { request, response } : undefined;
  }

  /** The fast check of a request (see {@link fastInteraction}). */
  fastRequest(rq: unknown): RecordedRequest | undefined {
    if (!isPlainObject(rq) || !hasExactly4(rq, 'method', 'url', 'headers', 'body')) return undefined;
    const method = rq.method;
    const url = rq.url;
    if (typeof method !== 'string' || !isMethod(method) || typeof url !== 'string' || !canParseUrl(url)) return undefined;
    const headers = fastHeaders(rq.headers);
    const body = headers && fastBody(rq.body);
    if (body === undefined || body === NOT_FAST) return undefined;
    return fastResult<RecordedRequest>(rq, body);
  }

  /** The fast check of a response (see {@link fastInteraction}). */
  fastResponse(rs: unknown): RecordedResponse | undefined {
    if (!isPlainObject(rs) || !hasExactly4(rs, 'status', 'statusText', 'headers', 'body')) return undefined;
    const status = rs.status;
    const statusText = rs.statusText;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599 || typeof statusText !== 'string') return undefined;
    if (statusText !== '' && BAD_FIELD_TEXT.test(statusText)) return undefined;
    const headers = fastHeaders(rs.headers);
    const body = headers && fastBody(rs.body);
    if (body === undefined || body === NOT_FAST) return undefined;
    return fastResult<RecordedResponse>(rs, body);
  }

  private interaction(value: unknown, path: string): Interaction {
    // a recorded failure has no response (failure.ts)
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'failure')) {
      const obj = this.object(value, path, ['request', 'failure'], ['request', 'failure']);
      const failure = validateFailure(obj.failure, `${path}.failure`, (p, m) => this.fail(p, m));
      return { request: this.request(obj.request, `${path}.request`), response: NO_RESPONSE, failure };
    }
    const obj = this.object(value, path, ['request', 'response'], ['request', 'response']);
    return { request: this.request(obj.request, `${path}.request`), response: this.response(obj.response, `${path}.response`) };
  }

  /** A request at `path` (e.g. `interactions[3].request`), checked descriptively. */
  request(value: unknown, path: string): RecordedRequest {
    const rq = this.object(value, path, REQUEST_KEYS, REQUEST_KEYS);
    const method = this.string(rq.method, `${path}.method`);
    if (!METHOD.test(method)) this.expected(`${path}.method`, 'an HTTP method such as "GET"', method);
    const url = this.string(rq.url, `${path}.url`);
    if (!canParseUrl(url)) this.expected(`${path}.url`, 'an absolute URL', url);
    return { method, url, headers: this.headers(rq.headers, `${path}.headers`), body: this.body(rq.body, `${path}.body`) };
  }

  /** A response at `path` (e.g. `interactions[3].response`): the fast check, then the descriptive one. */
  responseAt(value: unknown, path: string): RecordedResponse {
    return this.fastResponse(value) ?? this.response(value, path);
  }

  private response(value: unknown, path: string): RecordedResponse {
    const rs = this.object(value, path, [...RESPONSE_KEYS, 'stream'], RESPONSE_KEYS);
    const status = rs.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      this.expected(`${path}.status`, 'an integer 100-599', status);
    }
    const statusText = this.string(rs.statusText, `${path}.statusText`);
    this.fieldText(statusText, `${path}.statusText`);
    const response: RecordedResponse = {
      status: status as number,
      statusText,
      headers: this.headers(rs.headers, `${path}.headers`),
      body: this.body(rs.body, `${path}.body`),
    };
    if (rs.stream !== undefined) response.stream = validateStream(rs.stream, `${path}.stream`, bodyByteLength(response.body), (p, m) => this.fail(p, m));
    return response;
  }

  private headers(value: unknown, path: string): HeaderMap {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.expected(path, 'an object of header names to strings', value);
    const entries: Array<[string, string | string[]]> = [];
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const p = join(path, name);
      if (!HEADER_NAME.test(name)) this.fail(p, 'not a valid HTTP header name');
      if (typeof v === 'string') entries.push([name, this.fieldText(v, p)]);
      else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) {
        v.forEach((x: string, i) => this.fieldText(x, `${p}[${i}]`));
        entries.push([name, v as string[]]);
      } else this.expected(p, 'a string or a non-empty array of strings', v);
    }
    return headerMapFromEntries(entries);
  }

  /** A header value or status text: no CR, LF or NUL, nothing beyond Latin-1 (HTTP cannot carry them). */
  private fieldText(text: string, path: string): string {
    const bad = BAD_FIELD_TEXT.exec(text);
    if (bad) {
      const code = bad[0].charCodeAt(0);
      const what = code === 13 ? 'a carriage return (CR)' : code === 10 ? 'a line feed (LF)' : code === 0 ? 'a NUL character' : `U+${code.toString(16).toUpperCase().padStart(4, '0')}, beyond Latin-1`;
      this.fail(path, `contains ${what} at index ${bad.index}, which an HTTP header or status line cannot hold`);
    }
    return text;
  }

  private body(value: unknown, path: string): Body | null {
    if (value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.expected(path, 'null or an object with one of "json", "text", "base64", "file"', value);
    }
    const obj = value as Record<string, unknown>;
    if (Object.hasOwn(obj, 'json')) {
      this.object(obj, path, ['json', 'format'], ['json']);
      const json = obj.json as JsonValue;
      if (nestsDeeperThan(json, MAX_JSON_DEPTH)) this.fail(`${path}.json`, `arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels`);
      if (obj.format === undefined) return { kind: 'json', value: json };
      return { kind: 'json', value: json, format: this.format(obj.format, `${path}.format`) };
    }
    if (Object.hasOwn(obj, 'text')) {
      this.object(obj, path, ['text'], ['text']);
      return { kind: 'text', value: this.string(obj.text, `${path}.text`) };
    }
    if (Object.hasOwn(obj, 'base64')) {
      this.object(obj, path, ['base64'], ['base64']);
      const b64 = this.string(obj.base64, `${path}.base64`);
      if (!BASE64.test(b64)) this.fail(`${path}.base64`, 'not valid base64 (standard alphabet, padded, no whitespace)');
      if (!CANONICAL_BASE64.test(b64)) this.fail(`${path}.base64`, 'not canonical base64 (stray bits in the padding)');
      return lazyBinaryBody(b64);
    }
    if (Object.hasOwn(obj, 'file')) {
      this.object(obj, path, ['file', 'size'], ['file', 'size']);
      const sha256 = this.string(obj.file, `${path}.file`);
      if (!SHA256.test(sha256)) this.expected(`${path}.file`, 'a lower-case hex SHA-256 (64 characters)', sha256);
      const size = obj.size;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) this.expected(`${path}.size`, 'a non-negative integer', size);
      return { kind: 'file', sha256, size: size as number, path: sideFilePath(this.file, sha256) };
    }
    const keys = Object.keys(obj);
    return this.fail(
      path,
      `unknown body kind ${keys.length ? keys.map((k) => JSON.stringify(k)).join(', ') : '{}'} (expected one of "json", "text", "base64", "file", or null)`,
    );
  }

  private format(value: unknown, path: string): JsonFormat {
    const obj = this.object(value, path, ['indent', 'trailingNewline'], ['indent']);
    const indent = obj.indent;
    if (!(indent === '\t' || (typeof indent === 'number' && Number.isInteger(indent) && indent >= 0 && indent <= 10))) {
      this.expected(`${path}.indent`, 'an integer 0-10 or "\\t"', indent);
    }
    if (obj.trailingNewline !== undefined && typeof obj.trailingNewline !== 'boolean') {
      this.expected(`${path}.trailingNewline`, 'a boolean', obj.trailingNewline);
    }
    return obj.trailingNewline ? { indent: indent as number | '\t', trailingNewline: true } : { indent: indent as number | '\t' };
  }
}

function join(path: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (path === '') return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${segment}]`;
  return segment.startsWith('"') ? `${path}[${segment}]` : `${path}.${segment}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
