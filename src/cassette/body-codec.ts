import { readSideFileSync } from './side-file-writer.js';
import type { Body, JsonFormat, JsonValue } from './types.js';

const encoder = new TextEncoder();
/** `ignoreBOM: true` keeps a leading BOM in the text so decoding then encoding is byte-exact. */
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly; `undefined` when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whether a content type denotes JSON (`application/json`, `…+json`, `application/x-ndjson` is not JSON). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = mimeOf(contentType);
  return mime === 'application/json' || mime.endsWith('+json') || mime === 'text/json';
}

/** Whether a content type denotes text (text/*, XML, JavaScript, form-urlencoded, CSV, JSON, YAML, GraphQL…). */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = mimeOf(contentType);
  return (
    mime.startsWith('text/') ||
    isJsonContentType(mime) ||
    /(^|[/+.-])(xml|json|ndjson|javascript|ecmascript|csv|yaml|x-yaml|graphql|x-www-form-urlencoded|html|sql)$/.test(mime)
  );
}

/** Whether a content type is `application/x-www-form-urlencoded`. */
export function isFormContentType(contentType: string | undefined): boolean {
  return !!contentType && mimeOf(contentType) === 'application/x-www-form-urlencoded';
}

function mimeOf(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** Serializes a JSON value exactly as a `json` body with the given format is replayed. */
export function formatJson(value: JsonValue, format?: JsonFormat): string {
  const indent = format?.indent ?? 0;
  const text = indent === 0 ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return format?.trailingNewline ? `${text}\n` : text;
}

/**
 * Finds the {@link JsonFormat} under which `value` re-serializes to exactly `text`, if any.
 * Tries compact, then the indent seen on the second line (spaces 1–10 or a tab), each with or
 * without a trailing newline.
 */
export function detectJsonFormat(text: string, value: JsonValue): JsonFormat | undefined {
  const trailingNewline = text.endsWith('\n');
  const core = trailingNewline ? text.slice(0, -1) : text;
  let indent: number | '\t' = 0;
  const firstBreak = core.indexOf('\n');
  if (firstBreak !== -1) {
    const rest = core.slice(firstBreak + 1);
    if (rest.startsWith('\t')) indent = '\t';
    else {
      const spaces = /^ */.exec(rest)?.[0].length ?? 0;
      if (spaces < 1 || spaces > 10) return undefined;
      indent = spaces;
    }
  }
  const format: JsonFormat = trailingNewline ? { indent, trailingNewline: true } : { indent };
  return formatJson(value, format) === text ? format : undefined;
}

/** Whether a JSON format is the default (compact, no trailing newline), which is not stored. */
export function isCompactFormat(format: JsonFormat | undefined): boolean {
  return !format || (format.indent === 0 && !format.trailingNewline);
}

function looksLikeJson(text: string): boolean {
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[';
}

function looksLikeText(text: string): boolean {
  // No C0 control characters other than tab, LF, CR, FF; no DEL.
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

/**
 * Turns raw (already decoded, never gzip) body bytes into a {@link Body}:
 * - empty → `null`;
 * - JSON (`application/json`, `+json`, or, without a content type, bytes starting with `{`/`[`)
 *   → `json` only when re-serializing gives the exact bytes (compact, or an indent, optional
 *   trailing newline); big numbers, `\u` escapes, CRLF, odd spacing fall back to `text`;
 * - text-like content type and valid UTF-8 → `text`; without a content type, valid UTF-8
 *   without control characters → `text`;
 * - anything else → `binary`.
 *
 * `bodyToBytes(bodyFromBytes(b, ct))` always equals `b` byte for byte.
 *
 * @example
 * bodyFromBytes(new TextEncoder().encode('{"a":1}'), 'application/json')
 * // { kind: 'json', value: { a: 1 } }
 */
export function bodyFromBytes(bytes: Uint8Array, contentType?: string): Body | null {
  if (bytes.byteLength === 0) return null;
  const text = decodeUtf8(bytes);
  if (text === undefined) return { kind: 'binary', value: new Uint8Array(bytes) };
  const noType = !contentType || contentType.trim() === '';
  if (isJsonContentType(contentType) || (noType && looksLikeJson(text))) {
    const json = jsonBodyFromText(text);
    if (json) return json;
  }
  if (isTextContentType(contentType) || (noType && looksLikeText(text))) return { kind: 'text', value: text };
  return { kind: 'binary', value: new Uint8Array(bytes) };
}

function jsonBodyFromText(text: string): Body | undefined {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
  const format = detectJsonFormat(text, value);
  if (!format) return undefined;
  return isCompactFormat(format) ? { kind: 'json', value } : { kind: 'json', value, format };
}

/**
 * The exact bytes a {@link Body} stands for (`null` → empty). A `file` body is read from its side file.
 *
 * @example
 * new TextDecoder().decode(bodyToBytes({ kind: 'text', value: 'hi' })) // 'hi'
 */
export function bodyToBytes(body: Body | null): Uint8Array {
  if (body === null) return new Uint8Array(0);
  switch (body.kind) {
    case 'json':
      return encoder.encode(formatJson(body.value, body.format));
    case 'text':
      return encoder.encode(body.value);
    case 'binary':
      return body.value;
    case 'file':
      return readSideFileSync(body.path);
  }
}

/** Byte length of a body without materializing `file` bodies. */
export function bodyByteLength(body: Body | null): number {
  if (body === null) return 0;
  if (body.kind === 'file') return body.size;
  if (body.kind === 'binary') return body.value.byteLength;
  // the UTF-8 length of the replayed text, without encoding it
  return Buffer.byteLength(body.kind === 'json' ? formatJson(body.value, body.format) : body.value, 'utf8');
}
