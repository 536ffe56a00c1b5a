import { sideFileReadStream } from '../cassette/side-file-writer.js';
import { Readable, pipeline } from 'node:stream';
import {
  bodyFromBytes,
  bodyToBytes,
  deleteHeader,
  getHeader,
  headersFromFetch,
  headersToPairs,
  setHeader,
} from '../cassette/index.js';
import type { Body, RecordedRequest, RecordedResponse } from '../cassette/types.js';
import { BodyCapture, captureStream, type CapturedBody, type SpillOptions } from './body-capture.js';
import { replayChunks, type ReplayTiming } from './stream-replay.js';
import { createEncoder, decodeBody, encodeBody, isSupportedEncoding, parseContentEncoding } from './compression.js';

function fileBody(captured: Extract<CapturedBody, { kind: 'file' }>): Body {
  // `path` is the temp file (moved into `<name>.bodies/<sha256>` by saveCassette); '' when only hashed
  return { kind: 'file', sha256: captured.sha256, size: captured.size, path: captured.path ?? '' };
}

/**
 * Turns a live Fetch API request into a {@link RecordedRequest}, reading a *clone* of its body
 * (reading the original would leave it unusable for the client's own transport). With `spill`, a
 * body over the threshold is streamed to a temp side file (or, with `persist: false`, only
 * hashed) and becomes a `file` body. A body with a `content-encoding` (a gzip upload) is stored decoded.
 * Reading stops when `abandoned` resolves (what arrived is kept).
 *
 * @example
 * const recorded = await recordRequest(request); // request is still usable
 */
export async function recordRequest(request: Request, spill?: SpillOptions, abandoned?: Promise<void>): Promise<RecordedRequest> {
  const recorded = requestHead(request);
  if (request.body !== null) {
    // a compressed upload is stored decoded, as responses are: sanitizers must see its text
    const codings = parseContentEncoding(getHeader(recorded.headers, 'content-encoding'));
    const capture = new BodyCapture(spill ? { ...spill, codings } : undefined);
    // `abandoned`: the client will not send (the rest of) its body; keep what arrived
    await captureStream(request.clone().body, capture, abandoned && ((reader) => void abandoned.then(() => reader.cancel().catch(() => undefined))));
    const captured = capture.result();
    recorded.body = captured.kind === 'file' ? fileBody(captured) : bodyFromBytes(decodeBody(codings, captured.bytes), getHeader(recorded.headers, 'content-type'));
  }
  return recorded;
}

/**
 * A live request's method, URL and headers as a {@link RecordedRequest}, without its body (`null`).
 *
 * @example
 * const head = requestHead(request); // e.g. before an `Expect: 100-continue` body is sent
 */
export function requestHead(request: Request): RecordedRequest {
  return { method: request.method.toUpperCase(), url: request.url, headers: headersFromFetch(request.headers), body: null };
}

/**
 * Turns a captured response into a {@link RecordedResponse}. A body that is really compressed is
 * decoded (fetch captures arrive decoded, `node:http` captures do not; large bodies were decoded
 * while streaming to disk); `content-encoding` is kept so replay re-encodes; a `content-length`
 * (only if the original had one) is set to the stored, decoded length.
 *
 * @example
 * const recorded = recordResponse(response, bytes);
 */
export function recordResponse(response: Response, captured: Uint8Array | CapturedBody): RecordedResponse {
  const headers = headersFromFetch(response.headers);
  const codings = parseContentEncoding(getHeader(headers, 'content-encoding'));
  const input: CapturedBody = captured instanceof Uint8Array ? { kind: 'memory', bytes: captured } : captured;
  let body: Body | null;
  let size: number;
  if (input.kind === 'file') {
    body = fileBody(input);
    size = input.size;
  } else {
    const decoded = decodeBody(codings, input.bytes);
    body = bodyFromBytes(decoded, getHeader(headers, 'content-type'));
    size = decoded.byteLength;
  }
  if (getHeader(headers, 'content-length') !== undefined) setHeader(headers, 'content-length', String(size));
  return { status: response.status, statusText: response.statusText, headers, body };
}

/** Statuses whose responses carry no body (a `Response` with a body for them throws). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** Everything needed to serve one recorded response, computed once per interaction. */
interface ReplayPlan {
  /** `headers` is a prebuilt `Headers` (copied by `new Response`): cheaper per response than pairs. */
  readonly init: { status: number; statusText: string; headers: Headers };
  /** In-memory bytes (already re-encoded), or `null` for no body. */
  readonly bytes: Uint8Array | null;
  /** A side file to stream, re-encoded on the fly with `codings`. */
  readonly file?: { path: string; codings: readonly string[] };
}

const plans = new WeakMap<RecordedResponse, ReplayPlan>();

function planFor(recorded: RecordedResponse): ReplayPlan {
  const headers = { ...recorded.headers };
  const codings = parseContentEncoding(getHeader(headers, 'content-encoding'));
  const supported = codings.length > 0 && isSupportedEncoding(codings);
  if (codings.length > 0 && !supported) deleteHeader(headers, 'content-encoding');
  const nullBody = NULL_BODY_STATUS.has(recorded.status);
  const hasLength = getHeader(headers, 'content-length') !== undefined;
  const body = recorded.body;
  if (!nullBody && body?.kind === 'file') {
    // streamed: the encoded length is unknown up front, so a recorded content-length is dropped
    // when re-encoding (a stale one breaks node:http clients); otherwise it is the file's size
    if (supported) deleteHeader(headers, 'content-length');
    else if (hasLength) setHeader(headers, 'content-length', String(body.size));
    const init = { status: recorded.status, statusText: recorded.statusText, headers: new Headers(headersToPairs(headers)) };
    return body.size === 0 ? { init, bytes: null } : { init, bytes: null, file: { path: body.path, codings: supported ? codings : [] } };
  }
  const plain = nullBody ? new Uint8Array(0) : bodyToBytes(body);
  const bytes = supported && plain.byteLength > 0 ? encodeBody(codings, plain) : plain;
  if (hasLength) setHeader(headers, 'content-length', String(bytes.byteLength));
  const init = { status: recorded.status, statusText: recorded.statusText, headers: new Headers(headersToPairs(headers)) };
  return { init, bytes: nullBody || bytes.byteLength === 0 ? null : bytes };
}

function streamFile(file: NonNullable<ReplayPlan['file']>): ReadableStream<Uint8Array> {
  const source = sideFileReadStream(file.path, { highWaterMark: 256 * 1024 });
  const encoder = createEncoder(file.codings);
  const node: Readable = encoder ? (pipeline(source, encoder, () => undefined) as unknown as Readable) : source;
  return Readable.toWeb(node) as ReadableStream<Uint8Array>;
}

/**
 * Builds the response served on replay. The status, header list and (re-compressed) body bytes
 * are computed once per recorded response and reused, so a replayed request costs one `Response`
 * construction. Bodies recorded with `content-encoding` are re-compressed so every client reads
 * exactly what it read while recording; `content-length` is recomputed when the recording had one;
 * repeated headers such as `set-cookie` are served as separate headers. Side-file bodies are
 * streamed from disk (re-compressed on the fly, without `content-length`), never loaded whole. A
 * streamed response (`recorded.stream`) is served chunk by chunk, paced by `timing`.
 *
 * @example
 * return toFetchResponse(interaction.response);
 */
export function toFetchResponse(recorded: RecordedResponse, timing?: ReplayTiming): Response {
  let plan = plans.get(recorded);
  if (!plan) {
    plan = planFor(recorded);
    plans.set(recorded, plan);
  }
  // a streamed response, stored uncompressed: its chunks, one per read
  if (recorded.stream && !plan.file && !plan.init.headers.has('content-encoding')) {
    return new Response(replayChunks(plan.bytes ?? new Uint8Array(0), recorded.stream, timing), plan.init);
  }
  // `new Response` copies a Uint8Array body, so the cached bytes are never detached
  return new Response((plan.file ? streamFile(plan.file) : plan.bytes) as BodyInit | null, plan.init);
}

/**
 * Precomputes the replay form (headers, re-compressed bytes) of recorded responses, e.g. right
 * after a cassette is loaded, so the first replayed request is as cheap as the others.
 */
export function prepareResponses(responses: Iterable<RecordedResponse>): void {
  for (const recorded of responses) if (!plans.has(recorded)) plans.set(recorded, planFor(recorded));
}

/**
 * Precomputes the replay form of recorded responses in the background, a batch per event-loop
 * turn, so replayed requests find them ready without delaying the first response of a large
 * cassette (a response not prepared yet is prepared on first use). Each `response` is read only
 * in its batch (a cassette loaded for replay parses large responses on first read). A response
 * that cannot be prepared (e.g. it is not valid) stops the preparation; it fails again, with its
 * error, when it is replayed. Returns a function that stops it.
 *
 * @example
 * const stop = prepareResponsesInBackground(cassette.interactions);
 * // … when the cassette closes
 * stop();
 */
export function prepareResponsesInBackground(interactions: ReadonlyArray<{ readonly response: RecordedResponse }>, batch = 256): () => void {
  let next = 0;
  let timer: NodeJS.Immediate | undefined;
  const step = (): void => {
    timer = undefined;
    const end = Math.min(next + batch, interactions.length);
    try {
      for (; next < end; next++) {
        const recorded = (interactions[next] as { readonly response: RecordedResponse }).response;
        if (!plans.has(recorded)) plans.set(recorded, planFor(recorded));
      }
    } catch {
      return;
    }
    timer = next < interactions.length ? setImmediate(step) : undefined;
    timer?.unref();
  };
  timer = setImmediate(step);
  timer.unref();
  return () => {
    if (timer) clearImmediate(timer);
    timer = undefined;
  };
}
