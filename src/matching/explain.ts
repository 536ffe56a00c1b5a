import { getHeader } from '../cassette/headers.js';
import { bodyByteLength, bodyFromBytes, decodeUtf8 } from '../cassette/body-codec.js';
import { sha256Hex } from '../cassette/side-files.js';
import type { JsonValue, RecordedRequest } from '../cassette/types.js';
import { bodyAsForm, bodyAsJson, bodyAsMultipart, matchedHeaderNames, removeJsonPaths } from './request-key.js';
import { isSignedUrlParam } from './signed-url.js';
import type { MatchOptions } from './options.js';

/** A request broken into the parts that explanations compare. Computed lazily, only on a mismatch. */
export interface ExplainParts {
  method: string;
  origin: string;
  path: string;
  query: Map<string, string[]>;
  body:
    | { kind: 'none' }
    | { kind: 'json'; value: JsonValue }
    | { kind: 'form'; params: Map<string, string[]> }
    | { kind: 'multipart'; parts: ExplainPart[] }
    | { kind: 'bytes'; size: number; key: string };
  headers: Map<string, string | undefined>;
}

/** One part of a multipart body, as explanations compare it. */
export interface ExplainPart {
  name?: string;
  filename?: string;
  contentType?: string;
  size: number;
  /** SHA-256 of the content. */
  digest: string;
  /** The content, when it is UTF-8 text. */
  text?: string;
}

const MAX_BODY_DIFFERENCES = 5;

/** Splits a request into comparable parts (ignore options applied). */
export function explainParts(request: RecordedRequest, options: MatchOptions, bodyKey: string): ExplainParts {
  let origin = '';
  let path = request.url;
  const query = new Map<string, string[]>();
  try {
    const url = new URL(request.url);
    origin = `${url.protocol}//${url.host}`;
    path = url.pathname;
    const ignored = new Set(options.ignoreQueryParams ?? []);
    const signed = options.ignoreSignedUrlParams !== false;
    for (const [name, value] of url.searchParams) {
      if (ignored.has(name) || (signed && isSignedUrlParam(name, url.searchParams))) continue;
      query.set(name, [...(query.get(name) ?? []), value]);
    }
  } catch {
    // not an absolute URL: compare it whole as the path
  }
  const contentType = getHeader(request.headers, 'content-type');
  let body: ExplainParts['body'] = { kind: 'none' };
  const json = bodyAsJson(request.body, contentType);
  if (json) {
    const value = structuredClone(json.value);
    removeJsonPaths(value, options.ignoreBodyPaths ?? []);
    body = { kind: 'json', value };
  } else {
    const form = bodyAsForm(request.body, contentType);
    const multipart = form ? undefined : bodyAsMultipart(request.body, contentType, options.ignoreBodyPaths);
    if (form) {
      const params = new Map<string, string[]>();
      const ignored = new Set(options.ignoreBodyPaths ?? []);
      for (const [name, value] of form) if (!ignored.has(name)) params.set(name, [...(params.get(name) ?? []), value]);
      body = { kind: 'form', params };
    } else if (multipart) {
      const parts = multipart.map(({ content, ...about }): ExplainPart => {
        // shown as text when it looks like text to the body codec (UTF-8 without control characters), else by size
        const text = bodyFromBytes(content)?.kind === 'binary' ? undefined : decodeUtf8(content);
        return { ...about, size: content.byteLength, digest: sha256Hex(content), ...(text === undefined ? {} : { text }) };
      });
      body = { kind: 'multipart', parts };
    } else if (request.body !== null) body = { kind: 'bytes', size: bodyByteLength(request.body), key: bodyKey };
  }
  const headers = new Map<string, string | undefined>();
  for (const name of matchedHeaderNames(options)) headers.set(name, getHeader(request.headers, name));
  return { method: request.method.toUpperCase(), origin, path, query, body, headers };
}

function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function showValues(values: readonly string[]): string {
  return values.length === 1 ? show(values[0]) : show(values);
}

function compareParams(prefix: string, recorded: Map<string, string[]>, live: Map<string, string[]>, out: string[]): void {
  for (const [name, values] of recorded) {
    const other = live.get(name);
    if (!other) out.push(`${prefix}.${name}: missing in request`);
    else if (values.join('\0') !== other.join('\0')) out.push(`${prefix}.${name}: ${showValues(values)} ≠ ${showValues(other)}`);
  }
  for (const name of live.keys()) if (!recorded.has(name)) out.push(`${prefix}.${name}: missing in recording`);
}

function diffJson(path: string, recorded: JsonValue | undefined, live: JsonValue | undefined, out: string[]): void {
  if (recorded === undefined && live === undefined) return;
  if (recorded === undefined) return void out.push(`${path}: missing in recording`);
  if (live === undefined) return void out.push(`${path}: missing in request`);
  const rObj = recorded !== null && typeof recorded === 'object';
  const lObj = live !== null && typeof live === 'object';
  if (rObj && lObj && Array.isArray(recorded) === Array.isArray(live)) {
    if (Array.isArray(recorded) && Array.isArray(live)) {
      if (recorded.length !== live.length) out.push(`${path}: ${recorded.length} items ≠ ${live.length} items`);
      for (let i = 0; i < Math.min(recorded.length, live.length); i++) diffJson(`${path}[${i}]`, recorded[i], live[i], out);
      return;
    }
    const r = recorded as { [key: string]: JsonValue };
    const l = live as { [key: string]: JsonValue };
    const keys = [...Object.keys(r), ...Object.keys(l).filter((k) => !Object.hasOwn(r, k))];
    for (const key of keys) {
      diffJson(`${path}.${key}`, Object.hasOwn(r, key) ? r[key] : undefined, Object.hasOwn(l, key) ? l[key] : undefined, out);
    }
    return;
  }
  if (JSON.stringify(recorded) !== JSON.stringify(live)) out.push(`${path}: ${show(recorded)} ≠ ${show(live)}`);
}

/** How a part is named in a difference: `body part "note"` (by its field name), else by position. */
function partLabel(part: ExplainPart, index: number): string {
  return part.name !== undefined ? `body part ${JSON.stringify(part.name)}` : `body part #${index + 1}`;
}

/**
 * Compares multipart bodies part by part, in order (the boundary is not compared): name, filename,
 * content type and content; each difference names the part.
 */
function compareParts(recorded: readonly ExplainPart[], live: readonly ExplainPart[], out: string[]): void {
  if (recorded.length !== live.length) out.push(`body: ${recorded.length} parts ≠ ${live.length} parts`);
  for (let i = 0; i < Math.max(recorded.length, live.length); i++) {
    const r = recorded[i];
    const l = live[i];
    if (!r || !l) {
      out.push(`${partLabel((r ?? l) as ExplainPart, i)}: missing in ${r ? 'request' : 'recording'}`);
      continue;
    }
    const label = partLabel(r, i);
    if (r.name !== l.name) out.push(`${label} name: ${show(r.name)} ≠ ${show(l.name)}`);
    if (r.filename !== l.filename) out.push(`${label} filename: ${show(r.filename)} ≠ ${show(l.filename)}`);
    if (r.contentType !== l.contentType) out.push(`${label} content type: ${show(r.contentType)} ≠ ${show(l.contentType)}`);
    if (r.digest === l.digest) continue;
    if (r.text !== undefined && l.text !== undefined) out.push(`${label}: ${show(r.text)} ≠ ${show(l.text)}`);
    else out.push(`${label}: differs (recorded ${r.size} bytes, request ${l.size} bytes)`);
  }
}

/**
 * Lists what differs between a recorded request and a live one, as short strings of the form
 * `<part>: <recorded> ≠ <live>`, or `<part>: missing in recording` (only the live request has it) /
 * `missing in request` (only the recording has it). Also returns a similarity score for ranking.
 */
export function compareRequests(recorded: ExplainParts, live: ExplainParts): { differences: string[]; score: number } {
  const differences: string[] = [];
  let score = 0;
  if (recorded.method === live.method) score += 1;
  else differences.push(`method: ${recorded.method} ≠ ${live.method}`);
  if (recorded.origin === live.origin) score += 2;
  else differences.push(`host: ${recorded.origin} ≠ ${live.origin}`);
  if (recorded.path === live.path) score += 4;
  else {
    differences.push(`path: ${recorded.path} ≠ ${live.path}`);
    const a = recorded.path.split('/');
    const b = live.path.split('/');
    let common = 0;
    while (common < Math.min(a.length, b.length) && a[common] === b[common]) common++;
    score += (3 * common) / Math.max(a.length, b.length);
  }
  const queryDiffs: string[] = [];
  compareParams('query', recorded.query, live.query, queryDiffs);
  const queryNames = new Set([...recorded.query.keys(), ...live.query.keys()]).size;
  score += queryNames === 0 ? 2 : 2 * (1 - Math.min(queryDiffs.length, queryNames) / queryNames);
  differences.push(...queryDiffs);

  const bodyDiffs: string[] = [];
  const rb = recorded.body;
  const lb = live.body;
  if (rb.kind === 'none' && lb.kind !== 'none') bodyDiffs.push('body: missing in recording');
  else if (lb.kind === 'none' && rb.kind !== 'none') bodyDiffs.push('body: missing in request');
  else if (rb.kind === 'json' && lb.kind === 'json') diffJson('body', rb.value, lb.value, bodyDiffs);
  else if (rb.kind === 'form' && lb.kind === 'form') compareParams('body', rb.params, lb.params, bodyDiffs);
  else if (rb.kind === 'multipart' && lb.kind === 'multipart') compareParts(rb.parts, lb.parts, bodyDiffs);
  else if (rb.kind === 'bytes' && lb.kind === 'bytes') {
    if (rb.key !== lb.key) bodyDiffs.push(`body: differs (recorded ${rb.size} bytes, request ${lb.size} bytes)`);
  } else if (rb.kind !== lb.kind) bodyDiffs.push(`body: ${describeBody(rb)} ≠ ${describeBody(lb)}`);
  score += bodyDiffs.length === 0 ? 2 : Math.max(0, 1.5 - bodyDiffs.length * 0.1);
  if (bodyDiffs.length > MAX_BODY_DIFFERENCES) {
    const more = bodyDiffs.length - MAX_BODY_DIFFERENCES;
    bodyDiffs.length = MAX_BODY_DIFFERENCES;
    bodyDiffs.push(`body: …and ${more} more difference${more === 1 ? '' : 's'}`);
  }
  differences.push(...bodyDiffs);

  for (const [name, value] of recorded.headers) {
    const other = live.headers.get(name);
    if (value === other) score += 0.5;
    else if (value === undefined) differences.push(`header.${name}: missing in recording`);
    else if (other === undefined) differences.push(`header.${name}: missing in request`);
    else differences.push(`header.${name}: ${show(value)} ≠ ${show(other)}`);
  }
  return { differences, score };
}

function describeBody(body: ExplainParts['body']): string {
  switch (body.kind) {
    case 'none':
      return 'none';
    case 'json':
      return 'JSON';
    case 'form':
      return 'form data';
    case 'multipart':
      return `multipart (${body.parts.length} part${body.parts.length === 1 ? '' : 's'})`;
    case 'bytes':
      return `${body.size} bytes`;
  }
}
