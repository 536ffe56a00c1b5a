import stableStringify from 'fast-json-stable-stringify';
import { bodyToBytes, decodeUtf8, isFormContentType, isJsonContentType } from '../cassette/body-codec.js';
import { getHeader } from '../cassette/headers.js';
import { boundaryOf, parseMultipart, type MultipartPart } from '../cassette/multipart.js';
import { sha256Hex } from '../cassette/side-files.js';
import { isCanonicalPlainUrl } from '../cassette/canonical-url.js';
import type { Body, JsonValue, RecordedRequest } from '../cassette/types.js';
import type { MatchOptions } from './options.js';
import { dropSignedUrlParams } from './signed-url.js';

/** The identity of a request, part by part (each part compared for equality). */
export interface KeyParts {
  /** Upper-case method. */
  method: string;
  /** URL without fragment, query sorted by name (stable), ignored parameters removed. */
  url: string;
  /**
   * Canonical body identity: `json:` + stable JSON, `form:` + sorted params, `multipart:` + each part's
   * name, filename, content type and content hash (not the boundary), `sha256:` + hash, or `` for none.
   */
  body: string;
  /** Listed headers as `name: value` lines (empty when `headers` is not set). */
  headers: string;
}

/**
 * Normalizes a URL for matching: query sorted by name (repeats keep their order), `ignore` removed,
 * the per-run parameters of signed URLs removed unless `signed` is false, no fragment.
 */
export function normalizeUrl(url: string, ignore: readonly string[] = [], signed = true): string {
  // already canonical and without query: normalizing is the identity (no URL object needed)
  if (isCanonicalPlainUrl(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const params = parsed.searchParams;
  for (const name of ignore) params.delete(name);
  if (signed) dropSignedUrlParams(params);
  params.sort();
  const query = params.toString();
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query ? `?${query}` : ''}`;
}

/** The body as a JSON value if it is JSON (a `json` body, or text that is JSON by type or look). */
export function bodyAsJson(body: Body | null, contentType: string | undefined): { value: JsonValue } | undefined {
  if (body === null) return undefined;
  if (body.kind === 'json') return { value: body.value };
  if (body.kind !== 'text') return undefined;
  const first = /\S/.exec(body.value)?.[0];
  if (!isJsonContentType(contentType) && first !== '{' && first !== '[') return undefined;
  try {
    return { value: JSON.parse(body.value) as JsonValue };
  } catch {
    return undefined;
  }
}

/** The body as form parameters, when it is a form-urlencoded text body. */
export function bodyAsForm(body: Body | null, contentType: string | undefined): URLSearchParams | undefined {
  if (body === null || !isFormContentType(contentType)) return undefined;
  if (body.kind === 'text') return new URLSearchParams(body.value);
  if (body.kind === 'binary') {
    const text = decodeUtf8(body.value);
    return text === undefined ? undefined : new URLSearchParams(text);
  }
  return undefined;
}

/**
 * Multipart side files up to this size are read to be matched by their parts; larger ones by their hash.
 *
 * @example
 * body.kind === 'file' && body.size > MULTIPART_MATCH_LIMIT // matched by hash
 */
export const MULTIPART_MATCH_LIMIT = 64 * 1024 * 1024;

/**
 * The parts of a `multipart/*` body (the boundary is not part of them), minus parts whose name is
 * in `ignore`; `undefined` when the body is not multipart or not well-formed. A `file` body is read
 * from its side file when it has one of at most {@link MULTIPART_MATCH_LIMIT} bytes.
 *
 * @example
 * bodyAsMultipart(request.body, getHeader(request.headers, 'content-type'))?.map((p) => p.name) // ['note', 'file']
 */
export function bodyAsMultipart(body: Body | null, contentType: string | undefined, ignore: readonly string[] = []): MultipartPart[] | undefined {
  const boundary = boundaryOf(contentType);
  if (body === null || boundary === undefined) return undefined;
  if (body.kind === 'file' && (body.path === '' || body.size > MULTIPART_MATCH_LIMIT)) return undefined;
  const parts = parseMultipart(bodyToBytes(body), boundary);
  return parts && parts.filter((part) => part.name === undefined || !ignore.includes(part.name));
}

/** Removes dotted paths (`*` = any key or index) from a JSON value, in place. */
export function removeJsonPaths(value: JsonValue, paths: readonly string[]): void {
  for (const path of paths) removePath(value, path.split('.'), 0);
}

function removePath(node: JsonValue, segments: readonly string[], at: number): void {
  if (node === null || typeof node !== 'object') return;
  const segment = segments[at] as string;
  const last = at === segments.length - 1;
  const keys = segment === '*' ? (Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node)) : [segment];
  if (Array.isArray(node)) {
    const indexes = keys.map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < node.length);
    if (last) {
      for (const i of indexes.sort((a, b) => b - a)) node.splice(i, 1);
    } else for (const i of indexes) removePath(node[i] as JsonValue, segments, at + 1);
    return;
  }
  for (const key of keys) {
    if (!Object.hasOwn(node, key)) continue;
    if (last) delete node[key];
    else removePath(node[key] as JsonValue, segments, at + 1);
  }
}

function bodyKey(request: RecordedRequest, options: MatchOptions): string {
  const { body } = request;
  if (body === null) return '';
  const contentType = getHeader(request.headers, 'content-type');
  const ignore = options.ignoreBodyPaths ?? [];
  const json = bodyAsJson(body, contentType);
  if (json) {
    if (ignore.length === 0) return `json:${stableStringify(json.value)}`;
    const copy = structuredClone(json.value);
    removeJsonPaths(copy, ignore);
    return `json:${stableStringify(copy)}`;
  }
  const form = bodyAsForm(body, contentType);
  if (form) {
    for (const name of ignore) form.delete(name);
    form.sort();
    return `form:${form.toString()}`;
  }
  const parts = bodyAsMultipart(body, contentType, ignore);
  if (parts) return `multipart:${JSON.stringify(parts.map((p) => [p.name ?? null, p.filename ?? null, p.contentType ?? null, sha256Hex(p.content)]))}`;
  if (body.kind === 'file') return `sha256:${body.sha256}`;
  return `sha256:${sha256Hex(bodyToBytes(body))}`;
}

/** Names of the headers that take part in matching (lower-case, sorted). */
export function matchedHeaderNames(options: MatchOptions): string[] {
  const ignored = new Set((options.ignoreHeaders ?? []).map((h) => h.toLowerCase()));
  return [...new Set((options.headers ?? []).map((h) => h.toLowerCase()))].filter((h) => !ignored.has(h)).sort();
}

/** Computes every part of a request's identity once. */
export function requestKeyParts(request: RecordedRequest, options: MatchOptions = {}, headerNames = matchedHeaderNames(options)): KeyParts {
  return {
    method: request.method.toUpperCase(),
    url: normalizeUrl(request.url, options.ignoreQueryParams, options.ignoreSignedUrlParams !== false),
    body: bodyKey(request, options),
    headers: headerNames.map((name) => `${name}: ${getHeader(request.headers, name) ?? '(absent)'}`).join('\n'),
  };
}

/** Joins key parts into one string key. */
export function joinKeyParts(parts: KeyParts): string {
  return `${parts.method} ${parts.url}\n${parts.headers}\n${parts.body}`;
}

/**
 * The identity key of a request under the default matching rules: upper-case method, URL with
 * query parameters sorted (repeats keep their relative order) minus `ignoreQueryParams`, listed
 * `headers`, and the body (JSON canonical minus `ignoreBodyPaths`, form bodies as sorted params,
 * multipart bodies by their parts whatever the boundary, other bodies by SHA-256). Two requests match exactly when their keys are equal.
 * (`custom` is not part of the key.)
 *
 * @example
 * requestKey({ method: 'get', url: 'https://a.test/x?b=2&a=1', headers: {}, body: null }) ===
 *   requestKey({ method: 'GET', url: 'https://a.test/x?a=1&b=2', headers: {}, body: null }) // true
 */
export function requestKey(request: RecordedRequest, options: MatchOptions = {}): string {
  return joinKeyParts(requestKeyParts(request, options));
}
