/**
 * `multipart/*` bodies (RFC 2046; `multipart/form-data`, RFC 7578): the boundary and the parts.
 * `FormData` gets a random boundary per request, so what identifies such a body is its parts.
 */

/** One part of a multipart body. */
export interface MultipartPart {
  /** `name` of its `Content-Disposition` (a form field's name). */
  readonly name?: string;
  /** `filename` of its `Content-Disposition` (a file field). */
  readonly filename?: string;
  /** Its `Content-Type`, as sent. */
  readonly contentType?: string;
  /** Its content bytes (a view into the body). */
  readonly content: Uint8Array;
}

/**
 * The boundary of a `multipart/*` content type, if it is one.
 *
 * @example
 * boundaryOf('multipart/form-data; boundary="x1"') // 'x1'
 */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

const CRLF = Buffer.from('\r\n', 'latin1');
const HEADERS_END = Buffer.from('\r\n\r\n', 'latin1');

/** A `Content-Disposition` parameter (`name="a"`, `name=a`; quoted values may escape `"`). */
function dispositionParam(disposition: string, param: string): string | undefined {
  const m = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(disposition);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/**
 * Splits a multipart body into its parts; `undefined` when it is not a well-formed multipart body
 * with this boundary (no delimiter, no closing delimiter, a part without its blank line).
 *
 * @example
 * const parts = parseMultipart(bytes, boundaryOf(contentType)!);
 * parts?.map((p) => p.name) // ['note', 'file']
 */
export function parseMultipart(bytes: Uint8Array, boundary: string): MultipartPart[] | undefined {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  // the first delimiter may open the body; every later one starts a line
  const next = Buffer.concat([CRLF, delimiter]);
  let at = body.indexOf(delimiter);
  if (at === -1 || (at > 0 && body.indexOf(next) !== at - 2)) return undefined;
  const parts: MultipartPart[] = [];
  for (;;) {
    const after = at + delimiter.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) return parts; // `--boundary--`: the end
    const lineEnd = body.indexOf(CRLF, after);
    const end = body.indexOf(next, after);
    if (lineEnd === -1 || end === -1 || lineEnd > end) return undefined;
    // headers run from the line after the delimiter to the first blank line (none: the blank line at once)
    const headersEnd = body.indexOf(HEADERS_END, lineEnd);
    if (headersEnd === -1 || headersEnd > end) return undefined;
    const headerText = headersEnd > lineEnd ? body.toString('utf8', lineEnd + 2, headersEnd) : '';
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const part: { -readonly [K in keyof MultipartPart]: MultipartPart[K] } = { content: body.subarray(Math.min(headersEnd + 4, end), end) };
    const name = dispositionParam(disposition, 'name');
    const filename = dispositionParam(disposition, 'filename');
    const contentType = headers.get('content-type');
    if (name !== undefined) part.name = name;
    if (filename !== undefined) part.filename = filename;
    if (contentType !== undefined) part.contentType = contentType;
    parts.push(part);
    at = end + 2;
  }
}
