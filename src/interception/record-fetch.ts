import { BodyCapture, type SpillOptions } from './body-capture.js';
import { captureResponse, type ResponseCapture } from './capture-response.js';
import { createEncoder, isSupportedEncoding, parseContentEncoding } from './compression.js';

/** The statuses the fetch interceptor follows as redirects when it is handed one (`FetchResponse.isRedirectResponse`). */
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/**
 * A redirect status without `Location` reaches a fetch client as it is (undici does not follow
 * it). The fetch interceptor, handed such a response for a request in `redirect: 'follow'` mode,
 * would follow it anyway (to the URL `null`), so for this one request its `redirect` reads
 * `manual`, which makes the interceptor hand the response over unchanged.
 *
 * @example
 * keepUnfollowableRedirect(request, response);
 * controller.respondWith(response);
 */
export function keepUnfollowableRedirect(request: Request, response: Response): void {
  if (REDIRECT_STATUS.has(response.status) && request.redirect === 'follow' && !response.headers.has('location')) {
    Object.defineProperty(request, 'redirect', { value: 'manual', configurable: true });
  }
}

/** What {@link fetchAndCapture} hands back: the response for the client, and the capture of its body. */
export interface FetchedAndCaptured {
  /** To answer the client with (`controller.respondWith`): the live status, headers and body. */
  readonly forClient: Response;
  /** The capture of the same body; {@link ResponseCapture.done} settles when the body has been read. */
  readonly capture: ResponseCapture;
}

/**
 * Performs a fetch request that is being recorded with `pureFetch` (the `fetch` the interceptor
 * replaced: same transport, agent/dispatcher, CA and signal as the interceptor's own passthrough),
 * and returns a response for the client whose body is fed, chunk by chunk, from the live body as
 * it is captured. One reader, no tee: the capture reads the live body at the network's pace
 * whether or not the client reads its copy (which buffers what the client has not read yet, as
 * a tee branch would), and a large body streams to a temp side file with `spill`.
 *
 * Why not let the interceptor pass the request through: its passthrough clones the request,
 * tees every response for `response` listeners and awaits them; measured on sequential recording
 * that is most of reeltape's cost over plain fetch (decision 0004, follow-up H12).
 *
 * The fetch interceptor decodes a body whose `content-encoding` it knows when it is handed a
 * response, while the live body is already decoded: for such a body the client's copy is
 * re-encoded on the way (the recording keeps the decoded bytes), so the client reads exactly what
 * it reads live. A final redirect status that undici did not follow (no `Location`) reaches the
 * client as it is ({@link keepUnfollowableRedirect}). As in replay, the client's `response.url` is
 * the request's URL and `redirected` is false even when fetch followed redirects on the way.
 *
 * Rejects as `pureFetch` does (connection refused, aborted): the caller hands that error to the client.
 *
 * @example
 * const { forClient, capture } = await fetchAndCapture(pureFetch, request, spill);
 * decision.onResponse(capture);
 * controller.respondWith(forClient);
 */
export async function fetchAndCapture(
  pureFetch: typeof globalThis.fetch,
  request: Request,
  spill: SpillOptions | undefined,
): Promise<FetchedAndCaptured> {
  const live = await pureFetch(request);
  keepUnfollowableRedirect(request, live);
  const init: ResponseInit = { status: live.status, statusText: live.statusText, headers: live.headers };
  const source = live.body;
  if (source === null) return { forClient: new Response(null, init), capture: captureResponse(live) };

  // undici hands over decoded bytes: the capture stores them as they are (no decoding on spill)
  const capture = new BodyCapture(spill ? { ...spill, codings: [] } : undefined);
  const codings = parseContentEncoding(live.headers.get('content-encoding') ?? undefined);
  const sink = new ClientSink(codings.length > 0 && isSupportedEncoding(codings) ? codings : []);
  const reader = source.getReader();
  let complete = false;
  const done = (async () => {
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        capture.push(value);
        sink.write(value);
      }
    } catch (error) {
      sink.error(error);
      return;
    }
    sink.end();
    await capture.end();
    complete = !capture.failed;
  })();
  return {
    forClient: new Response(sink.stream, init),
    capture: {
      response: live,
      done,
      snapshot: () => ({ body: capture.result(), complete }),
      abort: () => void reader.cancel().catch(() => undefined),
      discard: () => capture.discard(),
    },
  };
}

/**
 * The client's copy of a live body: a stream fed by {@link write} (through an encoder for
 * `codings`). Writes never wait: what the client has not read yet is buffered, as in a tee
 * branch. When the client cancels its copy, later chunks are dropped and the capture goes on.
 */
class ClientSink {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private open = true;
  private readonly encoder: NodeJS.ReadWriteStream | undefined;

  constructor(codings: readonly string[]) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.open = false;
        this.encoder?.removeAllListeners('data');
      },
    });
    this.encoder = createEncoder(codings);
    if (this.encoder) {
      this.encoder.on('data', (chunk: Uint8Array) => this.enqueue(chunk));
      this.encoder.on('end', () => this.close());
      this.encoder.on('error', (error: unknown) => this.error(error));
    }
  }

  write(chunk: Uint8Array): void {
    if (!this.open) return;
    if (this.encoder) this.encoder.write(chunk);
    else this.enqueue(chunk);
  }

  end(): void {
    if (this.encoder) this.encoder.end();
    else this.close();
  }

  error(error: unknown): void {
    if (!this.open) return;
    this.open = false;
    this.controller.error(error);
  }

  private enqueue(chunk: Uint8Array): void {
    if (this.open) this.controller.enqueue(chunk);
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.controller.close();
  }
}
