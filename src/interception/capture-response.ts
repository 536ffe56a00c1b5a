import { ChunkTimeline, errorFromRecord, headersFromFetch, isStreamedResponse, type RecordedFailure, type ResponseStream } from '../cassette/index.js';
import { parseContentEncoding } from './compression.js';
import { BodyCapture, captureStream, type CapturedBody, type SpillOptions } from './body-capture.js';

/**
 * The body of a passed-through response, read while the client reads its own copy.
 * MSW emits `response:bypass` without awaiting listeners, so the body may still be arriving when
 * the client's call returns: the recorder awaits {@link ResponseCapture.done} (with a timeout,
 * since a destroyed response can leave the stream pending forever) and then takes a
 * {@link ResponseCapture.snapshot} of whatever arrived.
 */
export interface ResponseCapture {
  /** The response (status, headers); do not read its body. */
  readonly response: Response;
  /** Settles when the body is fully read or failed. Never rejects. */
  readonly done: Promise<void>;
  /**
   * The body captured so far (in memory, or a temp side file), whether it is the complete body,
   * and, for a streamed response ({@link isStreamedResponse}), its chunks.
   */
  snapshot(): { body: CapturedBody; complete: boolean; stream?: ResponseStream };
  /** Stops reading (after a timeout). */
  abort(): void;
  /**
   * The body ended with a failure the capture cannot see itself (a `node:http` response reset
   * mid-body, the client destroying it): noted as the end of the stream, and reading stops.
   */
  fail?(failure: RecordedFailure): void;
  /** Drops the captured body (deletes a temp side file). */
  discard(): void;
}

/**
 * Starts reading `response`'s body chunk by chunk. The response handed to MSW's
 * `response:bypass` listeners is already a copy of the client's (fetch: a tee branch; `node:http`:
 * a stream fed from the socket), so it is read directly: cloning it again would leave one branch
 * unread, buffering the whole body in memory. Chunks are not kept: with `spill`, a body over
 * the threshold streams to a temp side file (see {@link BodyCapture}).
 *
 * @example
 * const capture = captureResponse(response, { threshold: 1 << 20, cassetteFile });
 * await capture.done;
 * const { body, complete } = capture.snapshot();
 */
export function captureResponse(response: Response, spill?: SpillOptions): ResponseCapture {
  const capture = new BodyCapture(
    spill && !spill.codings ? { ...spill, codings: parseContentEncoding(response.headers.get('content-encoding') ?? undefined) } : spill,
  );
  let complete = false;
  /** Set by {@link ResponseCapture.fail}: the body was cut off, whatever the reader saw after. */
  let failed = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let body: ReadableStream<Uint8Array> | null = null;
  try {
    body = response.body;
  } catch {
    body = null;
  }
  const timeline = body && isStreamedResponse(headersFromFetch(response.headers)) ? new ChunkTimeline() : undefined;
  const done = captureStream(body, capture, (r) => (reader = r), timeline).then((ok) => {
    complete = ok;
  });
  return {
    response,
    done,
    snapshot() {
      return withStream(capture.result(), complete && !failed, timeline);
    },
    abort() {
      timeline?.cancel();
      reader?.cancel().catch(() => undefined);
    },
    fail(failure) {
      failed = true;
      if ('aborted' in failure) timeline?.cancel();
      else timeline?.fail(errorFromRecord(failure.error));
      reader?.cancel().catch(() => undefined);
    },
    discard() {
      capture.discard();
    },
  };
}

/**
 * A capture's snapshot: the body, whether it is complete, and the chunks when a timeline was kept
 * and the body stayed in memory (a body spilled to a side file is stored without its chunks).
 *
 * @example
 * return withStream(capture.result(), complete, timeline);
 */
export function withStream(body: CapturedBody, complete: boolean, timeline: ChunkTimeline | undefined): { body: CapturedBody; complete: boolean; stream?: ResponseStream } {
  if (!timeline || body.kind !== 'memory') return { body, complete };
  const stream = timeline.result(complete);
  return stream.chunks.length === 0 && !stream.end ? { body, complete } : { body, complete, stream };
}
