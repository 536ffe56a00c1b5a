/**
 * The body of a passed-through response, read from a clone while the client reads the original.
 * MSW emits `response:bypass` without awaiting listeners, so the body may still be arriving when
 * the client's call returns: the recorder awaits {@link ResponseCapture.done} (with a timeout,
 * since a destroyed response can leave the clone pending forever) and then takes a
 * {@link ResponseCapture.snapshot} of whatever arrived.
 */
export interface ResponseCapture {
  /** The response (status, headers); its body belongs to the client. */
  readonly response: Response;
  /** Settles when the body is fully read or failed. Never rejects. */
  readonly done: Promise<void>;
  /** The bytes read so far, and whether they are the complete body. */
  snapshot(): { bytes: Uint8Array; complete: boolean };
  /** Stops reading (after a timeout). */
  abort(): void;
}

/**
 * Starts reading a clone of `response`'s body chunk by chunk.
 *
 * @example
 * const capture = captureResponse(response);
 * await capture.done;
 * const { bytes } = capture.snapshot();
 */
export function captureResponse(response: Response): ResponseCapture {
  const chunks: Uint8Array[] = [];
  let complete = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let body: ReadableStream<Uint8Array> | null = null;
  try {
    body = response.clone().body;
  } catch {
    body = null;
  }
  const done = (async () => {
    if (!body) {
      complete = true;
      return;
    }
    reader = body.getReader();
    try {
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (finished) break;
        if (value) chunks.push(value);
      }
      complete = true;
    } catch {
      // the stream failed (connection reset, destroyed): keep what arrived
    }
  })();
  return {
    response,
    done,
    snapshot() {
      const size = chunks.reduce((n, c) => n + c.byteLength, 0);
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      return { bytes, complete };
    },
    abort() {
      reader?.cancel().catch(() => undefined);
    },
  };
}
