import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { bodyFromBytes, decodeUtf8, detectJsonFormat, isCompactFormat } from '../cassette/body-codec.js';
import { parseCassette, serializeCassette } from '../cassette/format.js';
import { getHeader, headerMapFromEntries, setHeader } from '../cassette/headers.js';
import { CASSETTE_VERSION, type Body, type Cassette, type CassetteMeta, type HeaderMap, type Interaction, type JsonValue } from '../cassette/types.js';
import { CassetteFormatError } from '../errors/index.js';
import { REELTAPE_VERSION } from '../session/version.js';

type Obj = Record<string, unknown>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads one HAR file's values, failing with a `CassetteFormatError` that names the file and the JSON path. */
class HarReader {
  constructor(readonly file: string) {}

  fail(location: string, problem: string): never {
    throw new CassetteFormatError(`HAR file ${this.file}: ${location} ${problem}. Fix the file, or delete it and record the cassette again.`, this.file, location);
  }

  object(value: unknown, location: string): Obj {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(location, `must be an object, got ${describe(value)}`);
    return value as Obj;
  }

  string(value: unknown, location: string): string {
    if (typeof value !== 'string') this.fail(location, `must be a string, got ${describe(value)}`);
    return value;
  }

  headers(value: unknown, location: string): HeaderMap {
    if (!Array.isArray(value)) this.fail(location, `must be an array of {name, value}, got ${describe(value)}`);
    const entries: Array<[string, string]> = [];
    value.forEach((pair, i) => {
      const at = `${location}[${i}]`;
      const { name, value: text } = this.object(pair, at);
      const headerName = this.string(name, `${at}.name`);
      // HTTP/2 pseudo-headers (`:authority`, browsers' HARs) are not headers a request carries
      if (!headerName.startsWith(':')) entries.push([headerName, this.string(text, `${at}.value`)]);
    });
    return headerMapFromEntries(entries);
  }

  /** A body's bytes from `text` (+ `encoding`); `undefined` when there is no text. */
  bytes(holder: Obj, location: string): Uint8Array | undefined {
    if (holder.text === undefined || holder.text === null) return undefined;
    const text = this.string(holder.text, `${location}.text`);
    if (holder.encoding === undefined || holder.encoding === null || holder.encoding === '') return Buffer.from(text, 'utf8');
    if (holder.encoding !== 'base64') this.fail(`${location}.encoding`, `must be "base64" when present, got ${describe(holder.encoding)}`);
    const compact = text.replace(/\s+/g, '');
    if (compact.length % 4 === 1 || !BASE64.test(compact)) this.fail(`${location}.text`, 'is not valid base64 (encoding is "base64")');
    return Buffer.from(compact, 'base64');
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/**
 * Bytes stored still compressed (Polly's node-http adapter keeps gzip/deflate/br bodies as base64
 * of the wire bytes) are decoded: reeltape keeps bodies decoded and `content-encoding` in the headers.
 */
function decoded(bytes: Uint8Array, headers: HeaderMap): Uint8Array {
  const encoding = getHeader(headers, 'content-encoding')?.trim().toLowerCase();
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(bytes);
    if (encoding === 'deflate') return inflateSync(bytes);
    if (encoding === 'br') return brotliDecompressSync(bytes);
  } catch {
    // already decoded (reeltape's and browsers' HARs keep the decoded body)
  }
  return bytes;
}

/** A body of the kind `_reeltape.kind` names; other HARs' bodies are classified like recorded bytes. */
function toBody(bytes: Uint8Array | undefined, kind: unknown, mimeType: string | undefined): Body | null {
  if (bytes === undefined || bytes.byteLength === 0) return null;
  const text = kind === 'json' || kind === 'text' ? decodeUtf8(bytes) : undefined;
  if (kind === 'json' && text !== undefined) {
    try {
      const value = JSON.parse(text) as JsonValue;
      const format = detectJsonFormat(text, value);
      if (format) return isCompactFormat(format) ? { kind: 'json', value } : { kind: 'json', value, format };
    } catch {
      // edited into something else: classified below
    }
  }
  if (kind === 'text' && text !== undefined) return { kind: 'text', value: text };
  if (kind === 'binary') return { kind: 'binary', value: new Uint8Array(bytes) };
  return bodyFromBytes(bytes, mimeType);
}

/** A stored `content-length` always equals the stored (decoded) body's length. */
function fixContentLength(headers: HeaderMap, body: Body | null, bytes: number): void {
  if (getHeader(headers, 'content-length') !== undefined) setHeader(headers, 'content-length', String(body === null ? 0 : bytes));
}

function readEntry(reader: HarReader, entry: unknown, at: string): Interaction {
  const { request, response } = reader.object(entry, at);
  const req = reader.object(request, `${at}.request`);
  const res = reader.object(response, `${at}.response`);
  const reqHeaders = reader.headers(req.headers, `${at}.request.headers`);
  const resHeaders = reader.headers(res.headers, `${at}.response.headers`);
  const post = req.postData === undefined || req.postData === null ? undefined : reader.object(req.postData, `${at}.request.postData`);
  const content = res.content === undefined ? undefined : reader.object(res.content, `${at}.response.content`);
  const sent = post ? reader.bytes(post, `${at}.request.postData`) : undefined;
  const raw = content ? reader.bytes(content, `${at}.response.content`) : undefined;
  const got = raw && content?.encoding === 'base64' && content._reeltape === undefined ? decoded(raw, resHeaders) : raw;
  const extra = (holder: Obj | undefined): unknown => (holder?._reeltape as Obj | undefined)?.kind;
  const mime = (holder: Obj | undefined, headers: HeaderMap): string | undefined =>
    getHeader(headers, 'content-type') ?? (typeof holder?.mimeType === 'string' ? holder.mimeType : undefined);
  const requestBody = toBody(sent, extra(post), mime(post, reqHeaders));
  const responseBody = toBody(got, extra(content), mime(content, resHeaders));
  fixContentLength(reqHeaders, requestBody, sent?.byteLength ?? 0);
  fixContentLength(resHeaders, responseBody, got?.byteLength ?? 0);
  const status = res.status;
  return {
    request: { method: reader.string(req.method, `${at}.request.method`), url: reader.string(req.url, `${at}.request.url`), headers: reqHeaders, body: requestBody },
    response: {
      status: typeof status === 'number' ? status : reader.fail(`${at}.response.status`, `must be a number, got ${describe(status)}`),
      statusText: typeof res.statusText === 'string' ? res.statusText : '',
      headers: resHeaders,
      body: responseBody,
    },
  };
}

/** `meta` of a HAR reeltape did not write: the creator, and the earliest entry time as the recording time. */
function foreignMeta(log: Obj, entries: readonly unknown[]): CassetteMeta {
  const creator = log.creator as Obj | undefined;
  const times = entries
    .map((e) => Date.parse(String((e as Obj | null)?.startedDateTime)))
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
  const from = creator && typeof creator.name === 'string' ? `${creator.name}${typeof creator.version === 'string' ? ` ${creator.version}` : ''}` : 'an unknown HAR creator';
  return { reeltape: REELTAPE_VERSION, node: process.version, recordedAt: new Date(times[0] ?? Date.now()).toISOString(), extra: { importedFrom: from } };
}

/**
 * Reads a parsed HAR 1.2 document as a cassette: one interaction per entry, in file order (Polly.js
 * keeps its entries in recording order, so repeats of one request (`_order`) replay in sequence).
 * Bodies come back as the kind `_reeltape` names; other HARs' bodies are classified by content type;
 * compressed base64 bodies (Polly.js) are decoded; HTTP/2 pseudo-headers are dropped. The result
 * passes the same validation as a JSON cassette.
 *
 * @throws CassetteFormatError naming the file and the JSON path (`log.entries[3].response.status`)
 * @example
 * const cassette = harToCassette(JSON.parse(await readFile('recording.har', 'utf8')), 'recording.har');
 */
export function harToCassette(root: unknown, file: string): Cassette {
  const reader = new HarReader(file);
  const log = reader.object(reader.object(root, '(the document)').log, 'log');
  if (!Array.isArray(log.entries)) reader.fail('log.entries', `must be an array, got ${describe(log.entries)}`);
  const entries = log.entries as unknown[];
  const own = log._reeltape as Obj | undefined;
  const meta = own === undefined ? foreignMeta(log, entries) : (reader.object(reader.object(own, 'log._reeltape').meta, 'log._reeltape.meta') as unknown as CassetteMeta);
  const cassette: Cassette = { version: CASSETTE_VERSION, meta, interactions: entries.map((e, i) => readEntry(reader, e, `log.entries[${i}]`)) };
  try {
    // one validator for every store: the JSON cassette's rules (header values, status range, nesting…)
    return parseCassette(serializeCassette(cassette), file);
  } catch (error) {
    if (!(error instanceof CassetteFormatError)) throw error;
    // the validator's paths name the cassette's fields: say where they are in the HAR
    const toHar = (text: string): string => text.replace(/\binteractions\[(\d+)\]/g, 'log.entries[$1]').replace(/^meta\b/, 'log._reeltape.meta');
    const location = error.location === undefined ? undefined : toHar(error.location);
    throw new CassetteFormatError(
      `HAR file ${file}: ${toHar(error.message.replace(`Cassette ${file}`, 'the cassette'))}`,
      file,
      location,
      { cause: error },
    );
  }
}
