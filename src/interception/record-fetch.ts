import { FetchResponse } from '@mswjs/interceptors';
import { BodyCapture, type SpillOptions } from './body-capture.js';
import { captureResponse, withStream, type ResponseCapture } from './capture-response.js';
import { ChunkTimeline, hasStreamingType, headersFromFetch, isStreamedResponse } from '../cassette/index.js';
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

/**
 * Who hands the recorded response to the client: the fetch interceptor (`controller.respondWith`,
 * which decodes a compressed body and follows redirects it is handed), or reeltape's own `fetch`
 * (the response goes to the client as it is).
 */
export type ClientDelivery = 'interceptor' | 'direct';

/** What {@link fetchAndCapture} hands back: the response for the client, and the capture of its body. */
export interface FetchedAndCaptured {
  /** The client's response: the live status, headers and body. */
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
 * With `delivery` `interceptor` (the response goes to `controller.respondWith`): the interceptor
 * decodes a body whose `content-encoding` it knows, while the live body is already decoded, so for
 * such a body the client's copy is re-encoded on the way (the recording keeps the decoded bytes)
 * and the client reads exactly what it reads live; a final redirect status that undici did not
 * follow (no `Location`) reaches the client as it is ({@link keepUnfollowableRedirect}). With
 * `direct` (reeltape's own `fetch` returns it) the live body goes to the client as it is. Either
 * way, as in replay, the client's `response.url` is the request's URL and `redirected` is false
 * even when fetch followed redirects on the way.
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
  delivery: ClientDelivery = 'interceptor',
): Promise<FetchedAndCaptured> {
  const live = await pureFetch(request);
  const viaInterceptor = delivery === 'interceptor';
  if (viaInterceptor) keepUnfollowableRedirect(request, live);
  const init: ResponseInit = { status: live.status, statusText: live.statusText, headers: live.headers };
  // delivered directly, the client's response is what the interceptor would have made of it (and replay makes): its url is the request's
  const forClient = (body: ReadableStream<Uint8Array> | null): Response =>
    viaInterceptor ? new Response(body, init) : new FetchResponse(body, { ...init, url: request.url });
  const source = live.body;
  if (source === null) return { forClient: forClient(null), capture: captureResponse(live) };

  // undici hands over decoded bytes: the capture stores them as they are (no decoding on spill)
  const capture = new BodyCapture(spill ? { ...spill, codings: [] } : undefined);
  // the interceptor decodes what it is handed: re-encode the client's copy for it (not when delivered directly)
  const codings = viaInterceptor ? parseContentEncoding(live.headers.get('content-encoding') ?? undefined) : [];
  const reader = source.getReader();
  const headers = headersFromFetch(live.headers);
  const timeline = isStreamedResponse(headers) ? new ChunkTimeline() : undefined;
  const endless = timeline !== undefined && hasStreamingType(headers);
  // an event stream: the client cancelling its copy ends the live body too, as it does without
  // reeltape (an endless stream stops); any other body is still recorded whole
  const sink = new ClientSink(codings.length > 0 && isSupportedEncoding(codings) ? codings : [], () => {
    if (!endless) return;
    timeline.cancel();
    void reader.cancel().catch(() => undefined);
  });
  let complete = false;
  const done = (async () => {
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        capture.push(value);
        timeline?.push(value.byteLength);
        sink.write(value);
      }
    } catch (error) {
      timeline?.fail(error);
      sink.error(error);
      return;
    }
    sink.end();
    await capture.end();
    complete = !capture.failed;
  })();
  return {
    forClient: forClient(sink.stream),
    capture: {
      response: live,
      done,
      snapshot: () => withStream(capture.result(), complete, timeline),
      abort: () => {
        timeline?.cancel();
        void reader.cancel().catch(() => undefined);
      },
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

  constructor(codings: readonly string[], onCancel?: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.open = false;
        this.encoder?.removeAllListeners('data');
        onCancel?.();
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
