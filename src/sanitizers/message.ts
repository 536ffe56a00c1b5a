import { getHeader, isFormContentType, isJsonContentType } from '../cassette/index.js';
import type { HeaderMap, JsonFormat, JsonValue, RecordedRequest, RecordedResponse } from '../cassette/types.js';
import { mapJsonStrings } from './json-path.js';

/** A request or a response: both have headers and a body. */
export type Message = RecordedRequest | RecordedResponse;

/** Whether a message is a request (has a URL). */
export function isRequest(message: Message): message is RecordedRequest {
  return typeof (message as RecordedRequest).url === 'string';
}

function looksLikeJsonText(text: string): boolean {
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[';
}

/** Re-serializes JSON text with the indent it seems to have had (compact when unknown). */
export function restringifyJson(original: string, value: JsonValue): string {
  const format: JsonFormat = { indent: 0 };
  const firstBreak = original.indexOf('\n');
  if (firstBreak !== -1 && firstBreak < original.trimEnd().length) {
    const next = original.slice(firstBreak + 1);
    const spaces = /^ */.exec(next)?.[0].length ?? 0;
    if (next.startsWith('\t')) format.indent = '\t';
    else if (spaces > 0) format.indent = spaces;
  }
  const text = format.indent === 0 ? JSON.stringify(value) : JSON.stringify(value, null, format.indent);
  return original.endsWith('\n') ? `${text}\n` : text;
}

/**
 * Lets `edit` rewrite a JSON body in place: a `json` body, or a `text` body that is JSON (by
 * content type or by look). The body is reassigned only when `edit` reports a change; text JSON is
 * then re-serialized with its indent. Other bodies are left alone.
 */
export function editJsonBody(message: Message, edit: (value: JsonValue) => { value: JsonValue; changed: boolean }): void {
  const body = message.body;
  if (body === null) return;
  if (body.kind === 'json') {
    const result = edit(body.value);
    if (result.changed) message.body = body.format ? { kind: 'json', value: result.value, format: body.format } : { kind: 'json', value: result.value };
    return;
  }
  if (body.kind !== 'text') return;
  if (!isJsonContentType(getHeader(message.headers, 'content-type')) && !looksLikeJsonText(body.value)) return;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(body.value) as JsonValue;
  } catch {
    return;
  }
  const result = edit(parsed);
  if (result.changed) message.body = { kind: 'text', value: restringifyJson(body.value, result.value) };
}

/** Lets `rewrite` change an `application/x-www-form-urlencoded` text body; reassigned only when it changed. */
export function editFormBody(message: Message, rewrite: (text: string) => string): void {
  const body = message.body;
  if (body === null || body.kind !== 'text') return;
  if (!isFormContentType(getHeader(message.headers, 'content-type'))) return;
  const next = rewrite(body.value);
  if (next !== body.value) message.body = { kind: 'text', value: next };
}

/** Maps every header value through `fn` (each value of a repeated header separately), in place. */
export function mapHeaderValues(headers: HeaderMap, fn: (value: string, name: string) => string): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const next = value.map((v) => fn(v, name));
      if (next.some((v, i) => v !== value[i])) headers[name] = next;
    } else {
      const next = fn(value, name);
      if (next !== value) headers[name] = next;
    }
  }
}

/**
 * Maps every free-text string of a message through `fn`: the URL (requests), header values, text
 * bodies (JSON-looking text by its string values) and the string values of JSON bodies. Binary and
 * side-file bodies are left alone. Parts that `fn` leaves unchanged stay as they came.
 */
export function mapMessageStrings(message: Message, fn: (s: string) => string): void {
  if (isRequest(message)) {
    const url = fn(message.url);
    if (url !== message.url) message.url = url;
  }
  mapHeaderValues(message.headers, (v) => fn(v));
  const body = message.body;
  if (body === null) return;
  if (body.kind === 'json') {
    editJsonBody(message, (value) => mapJsonStrings(value, fn));
  } else if (body.kind === 'text') {
    const next = fn(body.value);
    if (next !== body.value) message.body = { kind: 'text', value: next };
  }
}
