import { boundaryOf, getHeader } from '../cassette/index.js';
import type { Body, HeaderMap, JsonValue } from '../cassette/types.js';
import type { SecretMatch, SecretRules } from '../secrets/index.js';
import { rewriteJson } from './json-path.js';
import { isRedactionMarker, redactionMarker } from './markers.js';
import { isRequest, restringifyJson, type Message } from './message.js';
import { redactHeaderValue, registerSecret } from './redact.js';
import type { SanitizeContext } from './types.js';

/** Headers whose value is always redacted whole (their scheme or cookie names kept). */
const ALWAYS_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * The marker for a match: the name it was found under (when marker-safe), else the rule.
 *
 * @example
 * markerFor({ rule: 'credential-name', name: 'clientSecret', start: 0, end: 5, value: 'x' }) // '[REDACTED:clientsecret]'
 */
export function markerFor(m: SecretMatch): string {
  return redactionMarker(m.name !== undefined && /^[\w.#$-]{1,64}$/.test(m.name) ? m.name : m.rule);
}

function decoded(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Redacts the secrets {@link SecretRules} finds in a text, registering each (as written and URL-decoded).
 *
 * @example
 * redactText('access_token=abc123def&x=1', rules, ctx) // 'access_token=[REDACTED:access_token]&x=1'
 */
export function redactText(text: string, rules: SecretRules, ctx: SanitizeContext, name?: string): string {
  if (text === '' || isRedactionMarker(text)) return text;
  return rules.redact(
    text,
    markerFor,
    (m, marker) => {
      registerSecret(ctx, m.value, marker);
      const plain = decoded(m.value);
      if (plain !== m.value) registerSecret(ctx, plain, marker);
    },
    name,
  );
}

/**
 * Redacts a JSON value in place: strings under credential names whole, numbers under them as `0`,
 * secrets inside any other string (shapes, `name=value` pairs, JSON held in a string).
 *
 * @example
 * redactJson({ clientSecret: 's3cr3t-value', n: 1 }, rules, ctx) // { value: { clientSecret: '[REDACTED:clientsecret]', n: 1 }, changed: true }
 */
export function redactJson(root: JsonValue, rules: SecretRules, ctx: SanitizeContext): { value: JsonValue; changed: boolean } {
  const keysChanged = redactJsonKeys(root, rules, ctx);
  const result = rewriteJson(root, (value, _path, key) => {
    if (typeof value === 'string') {
      const next = redactString(value, rules, ctx, key);
      return next === value ? 'skip' : { replace: next };
    }
    if (typeof value === 'number' && key !== undefined && rules.nameRule(key, String(value)) !== undefined) {
      registerSecret(ctx, String(value), markerFor({ rule: '', start: 0, end: 0, value: '', name: key }));
      return { replace: 0 };
    }
    return undefined;
  });
  return keysChanged ? { value: result.value, changed: true } : result;
}

/**
 * Redacts value shapes found in object keys (a map keyed by token: `{"tokens": {"ghp_…": {…}}}`),
 * in place, keeping the key order. Returns whether a key changed.
 */
function redactJsonKeys(value: JsonValue, rules: SecretRules, ctx: SanitizeContext): boolean {
  if (value === null || typeof value !== 'object') return false;
  let changed = false;
  if (Array.isArray(value)) {
    for (const item of value) changed = redactJsonKeys(item, rules, ctx) || changed;
    return changed;
  }
  const entries = Object.entries(value);
  const renamed = entries.map(([k]) => (rules.findShapes(k).length > 0 ? redactText(k, rules, ctx) : k));
  for (const [, child] of entries) changed = redactJsonKeys(child, rules, ctx) || changed;
  if (renamed.every((k, i) => k === entries[i]?.[0])) return changed;
  for (const [k] of entries) delete value[k];
  entries.forEach(([, child], i) => (value[renamed[i] as string] = child));
  return true;
}

/**
 * The JSON a string holds (an object or array), else `undefined`: the recorder and the audit both
 * walk such a string as JSON, so a secret nested in JSON held in a JSON string is found at any depth.
 *
 * @example
 * jsonInString('{"a":1}') // { a: 1 }
 */
export function jsonInString(value: string): JsonValue | undefined {
  const first = /\S/.exec(value)?.[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return undefined; // not JSON after all: it is text
  }
}

/** A JSON string value: JSON inside it is walked as JSON; anything else goes through {@link redactText}. */
function redactString(value: string, rules: SecretRules, ctx: SanitizeContext, key: string | undefined): string {
  if (key !== undefined && rules.nameRule(key, value) !== undefined) return redactText(value, rules, ctx, key);
  const inner = jsonInString(value);
  if (inner !== undefined) {
    const result = redactJson(inner, rules, ctx);
    return result.changed ? restringifyJson(value, result.value) : value;
  }
  return redactText(value, rules, ctx);
}

/**
 * Redacts every header: credential-named headers whole (scheme and cookie names kept), secrets
 * inside the others. `isSecretHeader` forces a verdict (`true` redact whole, `false` keep).
 *
 * @example
 * redactHeadersByRules(request.headers, rules, ctx, () => undefined)
 */
export function redactHeadersByRules(headers: HeaderMap, rules: SecretRules, ctx: SanitizeContext, isSecretHeader: (name: string) => boolean | undefined): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const one = (v: string): string => {
      const verdict = isSecretHeader(name);
      if (verdict === false) return v;
      if (verdict === true || ALWAYS_HEADERS.has(name.toLowerCase()) || rules.nameRule(name, v) !== undefined) return redactHeaderValue(name, v, ctx);
      return redactText(v, rules, ctx);
    };
    const next = Array.isArray(value) ? value.map(one) : one(value);
    if (Array.isArray(next) ? next.some((v, i) => v !== (value as string[])[i]) : next !== value) headers[name] = next;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Maps the content of each part of a multipart body through `fn` (with the part's field name, and
 * the content as text when it is UTF-8, else as latin1). `latin1` is the body, one char per byte.
 *
 * @example
 * mapMultipart(body, 'x1', (content, name) => (name === 'password' ? '[REDACTED:password]' : content))
 */
export function mapMultipart(latin1: string, boundary: string, fn: (content: string, name: string | undefined) => string): string {
  const delimiter = `--${boundary}`;
  return latin1
    .split(delimiter)
    .map((part) => {
      const headerEnd = part.indexOf('\r\n\r\n');
      if (headerEnd === -1) return part;
      const name = /\bname="([^"]*)"/i.exec(part.slice(0, headerEnd))?.[1];
      const trailer = part.endsWith('\r\n') ? '\r\n' : '';
      const content = part.slice(headerEnd + 4, part.length - trailer.length);
      const text = utf8OrUndefined(Buffer.from(content, 'latin1'));
      const next = text === undefined ? fn(content, undefined) : Buffer.from(fn(text, name), 'utf8').toString('latin1');
      return next === content ? part : `${part.slice(0, headerEnd + 4)}${next}${trailer}`;
    })
    .join(delimiter);
}

function redactMultipart(latin1: string, boundary: string, rules: SecretRules, ctx: SanitizeContext): string {
  return mapMultipart(latin1, boundary, (content, name) => redactText(content, rules, ctx, name));
}

/**
 * Redacts a body of any kind in place: JSON (and JSON in strings), form, text of any type
 * (plain, HTML, XML, NDJSON, GraphQL), multipart (each part; stored as readable text when it is
 * valid UTF-8), and other binary bodies by value shape. `file` bodies are left to the side-file scan.
 *
 * @example
 * redactBody(response, rules, ctx)
 */
export function redactBody(message: Message, rules: SecretRules, ctx: SanitizeContext): void {
  const body = message.body;
  if (body === null || body.kind === 'file') return;
  if (body.kind === 'json') {
    const result = redactJson(body.value, rules, ctx);
    if (result.changed) message.body = body.format ? { kind: 'json', value: result.value, format: body.format } : { kind: 'json', value: result.value };
    return;
  }
  const boundary = boundaryOf(getHeader(message.headers, 'content-type'));
  if (body.kind === 'text') {
    const next = boundary !== undefined ? Buffer.from(redactMultipart(Buffer.from(body.value, 'utf8').toString('latin1'), boundary, rules, ctx), 'latin1').toString('utf8') : redactString(body.value, rules, ctx, undefined);
    if (next !== body.value) message.body = { kind: 'text', value: next };
    return;
  }
  const latin1 = Buffer.from(body.value).toString('latin1');
  const next = boundary !== undefined ? redactMultipart(latin1, boundary, rules, ctx) : redactText(latin1, rules, ctx);
  const bytes = Buffer.from(next, 'latin1');
  const readable = boundary !== undefined ? utf8OrUndefined(bytes) : undefined;
  let out: Body | undefined;
  if (readable !== undefined) out = { kind: 'text', value: readable };
  else if (next !== latin1) out = { kind: 'binary', value: new Uint8Array(bytes) };
  if (out) message.body = out;
}

/**
 * Redacts a whole message: URL (every part), headers and body.
 *
 * @example
 * redactMessage(request, rules, ctx, (name) => (name === 'x-tenant' ? true : undefined))
 */
export function redactMessage(message: Message, rules: SecretRules, ctx: SanitizeContext, isSecretHeader: (name: string) => boolean | undefined): void {
  if (isRequest(message)) {
    const url = redactText(message.url, rules, ctx);
    if (url !== message.url) message.url = url;
  }
  redactHeadersByRules(message.headers, rules, ctx, isSecretHeader);
  redactBody(message, rules, ctx);
}
