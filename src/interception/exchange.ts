import {
  bodyFromBytes,
  bodyToBytes,
  deleteHeader,
  getHeader,
  headersFromFetch,
  headersToPairs,
  setHeader,
} from '../cassette/index.js';
import type { RecordedRequest, RecordedResponse } from '../cassette/types.js';
import { decodeBody, encodeBody, isSupportedEncoding, parseContentEncoding } from './compression.js';

/**
 * Turns a live Fetch API request into a {@link RecordedRequest}, reading a *clone* of its body
 * (reading the original would leave it unusable for the client's own transport).
 *
 * @example
 * const recorded = await recordRequest(request); // request is still usable
 */
export async function recordRequest(request: Request): Promise<RecordedRequest> {
  const headers = headersFromFetch(request.headers);
  let bytes = new Uint8Array(0);
  if (request.body !== null) bytes = new Uint8Array(await request.clone().arrayBuffer());
  return {
    method: request.method.toUpperCase(),
    url: request.url,
    headers,
    body: bodyFromBytes(bytes, getHeader(headers, 'content-type')),
  };
}

/**
 * Turns a captured response into a {@link RecordedResponse}. A body that is really compressed is
 * decoded (fetch captures arrive decoded, `node:http` captures do not); `content-encoding` is kept
 * so replay re-encodes; a `content-length` (only if the original had one) is set to the stored,
 * decoded length.
 *
 * @example
 * const recorded = recordResponse(response, bytes);
 */
export function recordResponse(response: Response, bytes: Uint8Array): RecordedResponse {
  const headers = headersFromFetch(response.headers);
  const codings = parseContentEncoding(getHeader(headers, 'content-encoding'));
  const decoded = decodeBody(codings, bytes);
  if (getHeader(headers, 'content-length') !== undefined) setHeader(headers, 'content-length', String(decoded.byteLength));
  return {
    status: response.status,
    statusText: response.statusText,
    headers,
    body: bodyFromBytes(decoded, getHeader(headers, 'content-type')),
  };
}

/** Encoded replay bodies, per recorded response (compressing once per cassette, not per request). */
const encodedCache = new WeakMap<RecordedResponse, Uint8Array>();

/** Statuses whose responses carry no body (a `Response` with a body for them throws). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * Builds the response served on replay. Bodies recorded with `content-encoding` are re-compressed
 * (cached per interaction) so every client reads exactly what it read while recording;
 * `content-length` is recomputed when the recording had one; repeated headers such as
 * `set-cookie` are served as separate headers.
 *
 * @example
 * return toFetchResponse(interaction.response);
 */
export function toFetchResponse(recorded: RecordedResponse): Response {
  const headers = { ...recorded.headers };
  const codings = parseContentEncoding(getHeader(headers, 'content-encoding'));
  let bytes = encodedCache.get(recorded);
  if (!bytes) {
    const plain = bodyToBytes(recorded.body);
    if (codings.length > 0 && isSupportedEncoding(codings)) bytes = encodeBody(codings, plain);
    else bytes = plain;
    encodedCache.set(recorded, bytes);
  }
  if (getHeader(headers, 'content-length') !== undefined) setHeader(headers, 'content-length', String(bytes.byteLength));
  if (codings.length > 0 && !isSupportedEncoding(codings)) deleteHeader(headers, 'content-encoding');
  const nullBody = NULL_BODY_STATUS.has(recorded.status);
  // copy into a fresh buffer: the Response may transfer/detach it
  const body = nullBody || bytes.byteLength === 0 ? null : bytes.slice();
  return new Response(body, {
    status: recorded.status,
    statusText: recorded.statusText,
    headers: new Headers(headersToPairs(headers)),
  });
}
