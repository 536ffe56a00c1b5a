import { CassetteFormatError } from '../errors/index.js';
import { bodyByteLength } from './body-codec.js';
import { parseCalls } from './calls.js';
import { NO_RESPONSE, validateFailure } from './failure.js';
import { validateStream } from './stream-chunks.js';
import { canParseUrl } from './canonical-url.js';
import { headerMapFromEntries } from './headers.js';
import { sideFilePath } from './side-files.js';
import {
  CASSETTE_VERSION,
  type Body,
  type Cassette,
  type CassetteMeta,
  type HeaderMap,
  type Interaction,
  type JsonFormat,
  type JsonValue,
  type RecordedCall,
  type RecordedRequest,
  type RecordedResponse,
} from './types.js';

/**
 * The one validator of the cassette schema (format v1): checks parsed JSON and builds the model,
 * naming the file and the JSON path of the first problem. One method per section, so a new
 * optional field is one key in its section's list and a few lines in its method.
 */

/** Cassette format versions this build of reeltape reads. */
export const SUPPORTED_CASSETTE_VERSIONS: readonly number[] = [CASSETTE_VERSION];

/**
 * Deepest nesting of arrays and objects a JSON body (or `meta.extra`) may have. Real APIs stay far
 * below; much deeper values overflow the stack of recursive code (`JSON.stringify` fails near 5,000).
 */
export const MAX_JSON_DEPTH = 500;

const ENVELOPE_KEYS = ['version', 'meta', 'calls', 'interactions'] as const;
const ENVELOPE_REQUIRED = ['version', 'meta', 'interactions'] as const;
const META_KEYS = ['reeltape', 'node', 'recordedAt', 'error', 'extra'] as const;
const META_REQUIRED = ['reeltape', 'node', 'recordedAt'] as const;
const INTERACTION_KEYS = ['request', 'response'] as const;
const FAILURE_KEYS = ['request', 'failure'] as const;
const REQUEST_KEYS = ['method', 'url', 'headers', 'body'] as const;
const RESPONSE_KEYS = ['status', 'statusText', 'headers', 'body'] as const;
const RESPONSE_OPTIONAL_KEYS = [...RESPONSE_KEYS, 'stream'] as const;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header names as reeltape writes them: lower-case tokens (kept as they are; others are lower-cased and merged). */
const LOWER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** {@link BASE64} whose padding carries no stray bits (decoding then encoding gives the same text). */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** What a header value or status text cannot hold: CR, LF, NUL (they would split or end the message), or a character beyond Latin-1. */
const BAD_FIELD_TEXT = /[\r\n\0\u0100-\uffff]/;

/**
 * Whether arrays and objects in `value` nest deeper than `limit` levels. Recursive, and never more
 * than `limit` calls deep.
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
 * Checks parsed cassette JSON section by section. Paths are built only for a message, so checking a
 * valid cassette allocates little beyond the model. Headers already in stored form (lower-case
 * names) are taken over as they are: pass only fresh `JSON.parse` results.
 *
 * @example
 * const cassette = new CassetteValidator('/p/cassettes/users.json').cassette(JSON.parse(text));
 */
export class CassetteValidator {
  constructor(private readonly file: string) {}

  /** A whole cassette: `{ version, meta, interactions }`. */
  cassette(root: unknown): Cassette {
    const { meta, calls, interactions } = this.envelope(root);
    if (!Array.isArray(interactions)) this.expected('interactions', 'an array', interactions);
    const raw = interactions as unknown[];
    const out: Interaction[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = this.interaction(raw[i], i);
    return { version: CASSETTE_VERSION, meta, ...(calls ? { calls } : {}), interactions: out };
  }

  /** The envelope: checks `version`, `meta` and the function tape `calls`; `interactions` is handed back unchecked. */
  envelope(root: unknown): { meta: CassetteMeta; calls?: RecordedCall[]; interactions: unknown } {
    if (!isObject(root)) this.expected('', 'a JSON object { version, meta, interactions }', root);
    const r = root as Record<string, unknown>;
    if (!Object.hasOwn(r, 'version')) this.fail('version', `required field is missing (supported versions: ${SUPPORTED_CASSETTE_VERSIONS.join(', ')})`);
    if (!SUPPORTED_CASSETTE_VERSIONS.includes(r.version as number)) {
      this.fail(
        'version',
        `unsupported cassette version ${describe(r.version)}; this reeltape reads version ${SUPPORTED_CASSETTE_VERSIONS.join(', ')}` +
          ' (upgrade reeltape, or re-record the cassette)',
      );
    }
    this.keys(r, '', ENVELOPE_KEYS, ENVELOPE_REQUIRED);
    const meta = this.meta(r.meta);
    if (r.calls === undefined) return { meta, interactions: r.interactions };
    const calls = parseCalls(r.calls, (path, message) => this.fail(path, message), (v) => nestsDeeperThan(v, MAX_JSON_DEPTH));
    return { meta, calls, interactions: r.interactions };
  }

  private meta(value: unknown): CassetteMeta {
    const path = 'meta';
    const obj = this.object(value, path, META_KEYS, META_REQUIRED);
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
      if (!isObject(obj.extra)) this.expected(`${path}.extra`, 'an object', obj.extra);
      if (nestsDeeperThan(obj.extra, MAX_JSON_DEPTH)) this.fail(`${path}.extra`, `arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels`);
      meta.extra = obj.extra as { [key: string]: JsonValue };
    }
    return meta;
  }

  /** Element `index` of `interactions`. */
  interaction(value: unknown, index: number): Interaction {
    const path = `interactions[${index}]`;
    // a recorded failure has no response (failure.ts)
    if (isObject(value) && Object.hasOwn(value, 'failure')) {
      const obj = this.object(value, path, FAILURE_KEYS, FAILURE_KEYS);
      const failure = validateFailure(obj.failure, `${path}.failure`, (p, m) => this.fail(p, m));
      return { request: this.request(obj.request, `${path}.request`), response: NO_RESPONSE, failure };
    }
    const obj = this.object(value, path, INTERACTION_KEYS, INTERACTION_KEYS);
    return { request: this.request(obj.request, `${path}.request`), response: this.response(obj.response, `${path}.response`) };
  }

  /** A request at `path` (e.g. `interactions[3].request`). */
  request(value: unknown, path: string): RecordedRequest {
    const rq = this.object(value, path, REQUEST_KEYS, REQUEST_KEYS);
    const method = this.string(rq.method, `${path}.method`);
    if (!TOKEN.test(method)) this.expected(`${path}.method`, 'an HTTP method such as "GET"', method);
    const url = this.string(rq.url, `${path}.url`);
    if (!canParseUrl(url)) this.expected(`${path}.url`, 'an absolute URL', url);
    return { method, url, headers: this.headers(rq.headers, path), body: this.body(rq.body, path) };
  }

  /** A response at `path` (e.g. `interactions[3].response`). */
  response(value: unknown, path: string): RecordedResponse {
    const rs = this.object(value, path, RESPONSE_OPTIONAL_KEYS, RESPONSE_KEYS);
    const status = rs.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      this.expected(`${path}.status`, 'an integer 100-599', status);
    }
    const statusText = this.fieldText(this.string(rs.statusText, `${path}.statusText`), `${path}.statusText`);
    const response: RecordedResponse = { status: status as number, statusText, headers: this.headers(rs.headers, path), body: this.body(rs.body, path) };
    if (rs.stream !== undefined) response.stream = validateStream(rs.stream, `${path}.stream`, bodyByteLength(response.body), (p, m) => this.fail(p, m));
    return response;
  }

  /** `<parent>.headers`: names to a string or a non-empty array of strings. */
  private headers(value: unknown, parent: string): HeaderMap {
    if (!isObject(value)) this.expected(`${parent}.headers`, 'an object of header names to strings', value);
    const obj = value as Record<string, unknown>;
    let stored = true; // names already lower-case: the object is the map
    for (const name in obj) {
      if (!TOKEN.test(name)) this.fail(join(`${parent}.headers`, name), 'not a valid HTTP header name');
      if (name === '__proto__' || !LOWER_TOKEN.test(name)) stored = false;
      const v = obj[name];
      if (typeof v === 'string') this.fieldText(v, join(`${parent}.headers`, name));
      else if (Array.isArray(v) && v.length > 0) {
        for (let i = 0; i < v.length; i++) {
          if (typeof v[i] !== 'string') this.expected(join(`${parent}.headers`, name), 'a string or a non-empty array of strings', v);
          this.fieldText(v[i] as string, `${join(`${parent}.headers`, name)}[${i}]`);
        }
      } else this.expected(join(`${parent}.headers`, name), 'a string or a non-empty array of strings', v);
    }
    return stored ? (obj as HeaderMap) : headerMapFromEntries(Object.entries(obj as HeaderMap));
  }

  /** `<parent>.body`: null, or one of `json`, `text`, `base64`, `file`. */
  private body(value: unknown, parent: string): Body | null {
    const path = `${parent}.body`;
    if (value === null) return null;
    if (!isObject(value)) this.expected(path, 'null or an object with one of "json", "text", "base64", "file"', value);
    const obj = value as Record<string, unknown>;
    if (Object.hasOwn(obj, 'json')) {
      this.keys(obj, path, ['json', 'format'], ['json']);
      const json = obj.json as JsonValue;
      if (nestsDeeperThan(json, MAX_JSON_DEPTH)) this.fail(`${path}.json`, `arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels`);
      if (obj.format === undefined) return { kind: 'json', value: json };
      return { kind: 'json', value: json, format: this.format(obj.format, `${path}.format`) };
    }
    if (Object.hasOwn(obj, 'text')) {
      this.keys(obj, path, ['text'], ['text']);
      return { kind: 'text', value: this.string(obj.text, `${path}.text`) };
    }
    if (Object.hasOwn(obj, 'base64')) {
      this.keys(obj, path, ['base64'], ['base64']);
      const b64 = this.string(obj.base64, `${path}.base64`);
      if (!BASE64.test(b64)) this.fail(`${path}.base64`, 'not valid base64 (standard alphabet, padded, no whitespace)');
      if (!CANONICAL_BASE64.test(b64)) this.fail(`${path}.base64`, 'not canonical base64 (stray bits in the padding)');
      return { kind: 'binary', value: new Uint8Array(Buffer.from(b64, 'base64')) };
    }
    if (Object.hasOwn(obj, 'file')) {
      this.keys(obj, path, ['file', 'size'], ['file', 'size']);
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

  /** An object with only `allowed` keys and every `required` one. */
  private object(value: unknown, path: string, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
    if (!isObject(value)) this.expected(path, 'an object', value);
    this.keys(value as Record<string, unknown>, path, allowed, required);
    return value as Record<string, unknown>;
  }

  private keys(obj: Record<string, unknown>, path: string, allowed: readonly string[], required: readonly string[]): void {
    for (const key in obj) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown field ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
    }
    for (const key of required) if (!Object.hasOwn(obj, key)) this.fail(join(path, key), 'required field is missing');
  }

  private string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.expected(path, 'a string', value);
    return value as string;
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

  private expected(path: string, what: string, got: unknown): never {
    return this.fail(path, `expected ${what}, got ${describe(got)}`);
  }

  private fail(path: string, message: string): never {
    const where = path === '' ? '(top level)' : path;
    throw new CassetteFormatError(
      `Cassette ${this.file} is not a valid reeltape cassette: ${where}: ${message}. Fix the file or delete it and record the cassette again.`,
      this.file,
      path === '' ? undefined : path,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(path: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  if (path === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
