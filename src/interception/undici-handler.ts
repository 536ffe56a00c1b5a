/**
 * undici dispatch handlers, as reeltape drives them: the legacy callback form (`onConnect`,
 * `onHeaders`, `onData`, `onComplete`, `onError`) that undici 6 takes and undici 7 uses inside (its
 * `DispatcherBase` unwraps the newer `onRequestStart`/`onResponse*` form into it, see undici's
 * `unwrap-handler.js`; MockAgent answers through the same callbacks).
 */

/** undici's legacy dispatch handler. */
export interface LegacyHandler {
  onConnect?(abort: (reason?: Error) => void, context?: unknown): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean | void;
  onData?(chunk: Buffer): boolean | void;
  onComplete?(trailers: Buffer[] | null): void;
  onError?(error: Error): void;
  onUpgrade?(statusCode: number, rawHeaders: Buffer[], socket: unknown): void;
  onBodySent?(chunk: unknown): void;
  onRequestSent?(): void;
}

const LEGACY = ['onConnect', 'onResponseStarted', 'onHeaders', 'onData', 'onComplete', 'onError', 'onUpgrade', 'onBodySent', 'onRequestSent'] as const;

/** The newer (undici 7) handler form. */
interface NewHandler {
  onRequestStart?(controller: unknown, context: unknown): void;
  onResponseStarted?(): void;
  onResponseStart?(controller: unknown, statusCode: number, headers: Record<string, string | string[]>, statusMessage: string): void;
  onResponseData?(controller: unknown, chunk: Buffer): void;
  onResponseEnd?(controller: unknown, trailers: Record<string, string | string[]>): void;
  onResponseError?(controller: unknown, error: Error): void;
  onRequestUpgrade?(controller: unknown, statusCode: number, headers: Record<string, string | string[]>, socket: unknown): void;
}

function parseRaw(raw: Buffer[] | null): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; raw && i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/**
 * The handler in the legacy form: itself, or (a handler of the newer form) a legacy adapter with a
 * pause/resume/abort controller, as undici 7's own `UnwrapHandler` does.
 *
 * @example
 * const handler = legacyHandler(userHandler);
 */
export function legacyHandler(handler: object): LegacyHandler {
  const modern = handler as NewHandler;
  if (typeof modern.onRequestStart !== 'function' && typeof modern.onResponseStart !== 'function') return handler as LegacyHandler;
  let abort: (reason?: Error) => void = () => undefined;
  let paused = false;
  let resume: (() => void) | undefined;
  const controller = {
    get paused() {
      return paused;
    },
    aborted: false,
    reason: null as Error | null,
    pause: () => void (paused = true),
    resume: () => {
      if (!paused) return;
      paused = false;
      resume?.();
    },
    abort: (reason?: Error) => {
      if (controller.aborted) return;
      controller.aborted = true;
      controller.reason = reason ?? null;
      abort(reason);
    },
  };
  return {
    onConnect(a, context) {
      abort = a;
      modern.onRequestStart?.(controller, context);
    },
    onResponseStarted: () => modern.onResponseStarted?.(),
    onHeaders(statusCode, rawHeaders, r, statusText) {
      resume = r;
      modern.onResponseStart?.(controller, statusCode, parseRaw(rawHeaders), statusText);
      return !paused;
    },
    onData(chunk) {
      modern.onResponseData?.(controller, chunk);
      return !paused;
    },
    onComplete: (trailers) => modern.onResponseEnd?.(controller, parseRaw(trailers)),
    onError(error) {
      if (!modern.onResponseError) throw error;
      modern.onResponseError(controller, error);
    },
    onUpgrade: (statusCode, rawHeaders, socket) => modern.onRequestUpgrade?.(controller, statusCode, parseRaw(rawHeaders), socket),
  };
}

/**
 * A new handler object calling `handler`'s callbacks (bound: undici's own handlers keep private fields).
 *
 * @example
 * const tagged = Object.assign(forwardingHandler(handler), { [MARK]: true });
 */
export function forwardingHandler(handler: LegacyHandler): LegacyHandler {
  const out: Record<string, unknown> = {};
  for (const name of LEGACY) {
    const fn = handler[name] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof fn === 'function') out[name] = (...args: unknown[]) => fn.apply(handler, args);
  }
  return out as LegacyHandler;
}

/** Statuses whose responses carry no body (a `Response` with a body for them throws). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A handler that forwards every callback to `handler` and also builds a Fetch API `Response` of
 * what arrives (status, headers, a body fed chunk by chunk) for `onResponse`, at `onHeaders`: the
 * capture of a recorded request. The client's own callbacks and backpressure are untouched.
 *
 * @example
 * original.call(dispatcher, opts, responseStream(handler, (response) => decision.onResponse(captureResponse(response))));
 */
export function responseStream(handler: LegacyHandler, onResponse: (response: Response) => void): LegacyHandler {
  const forward = forwardingHandler(handler);
  let body: ReadableStreamDefaultController<Uint8Array> | undefined;
  const end = (error?: Error): void => {
    try {
      if (error) body?.error(error);
      else body?.close();
    } catch {
      // already closed or cancelled
    }
    body = undefined;
  };
  return {
    ...forward,
    onHeaders(statusCode, rawHeaders, resume, statusText) {
      const headers = new Headers();
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        try {
          headers.append(rawHeaders[i]!.toString('latin1'), rawHeaders[i + 1]!.toString('latin1'));
        } catch {
          // a header a Fetch API `Headers` refuses is not recorded; the client still gets it
        }
      }
      const stream = NULL_BODY.has(statusCode)
        ? null
        : new ReadableStream<Uint8Array>({
            start: (controller) => {
              body = controller;
            },
          });
      onResponse(new Response(stream, { status: statusCode, statusText, headers }));
      return forward.onHeaders?.(statusCode, rawHeaders, resume, statusText);
    },
    onData(chunk) {
      body?.enqueue(new Uint8Array(chunk)); // a copy: undici may reuse the buffer
      return forward.onData?.(chunk);
    },
    onComplete(trailers) {
      end();
      forward.onComplete?.(trailers);
    },
    onError(error) {
      end(error);
      forward.onError?.(error);
    },
  };
}

function rawHeadersOf(response: Response): Buffer[] {
  const raw: Buffer[] = [];
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    raw.push(Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1'));
  }
  for (const cookie of response.headers.getSetCookie()) raw.push(Buffer.from('set-cookie'), Buffer.from(cookie, 'latin1'));
  return raw;
}

/**
 * Answers a dispatch handler with a (replayed) Fetch API `Response`, as undici's `MockAgent` does:
 * `onConnect`, `onHeaders`, `onData` per chunk (waiting while the handler pauses), `onComplete`;
 * an abort from the client ends it with `onError`.
 *
 * @example
 * await deliverToHandler(handler, decision.response);
 */
export async function deliverToHandler(handler: LegacyHandler, response: Response): Promise<void> {
  let aborted: Error | undefined;
  let wake: (() => void) | undefined;
  const abort = (reason?: Error): void => {
    aborted ??= reason ?? Object.assign(new Error('Request aborted'), { code: 'UND_ERR_ABORTED' });
    wake?.();
  };
  const fail = (error: Error): void => {
    try {
      handler.onError?.(error);
    } catch {
      // a handler without onError (undici 7's new form throws): nothing else to tell
    }
  };
  const reader = response.body?.getReader();
  try {
    handler.onConnect?.(abort, null);
    if (aborted) {
      fail(aborted);
      return;
    }
    handler.onResponseStarted?.();
    let flowing = true;
    const resume = (): void => {
      flowing = true;
      wake?.();
    };
    if (handler.onHeaders?.(response.status, rawHeadersOf(response), resume, response.statusText) === false) flowing = false;
    for (;;) {
      if (!flowing && !aborted) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (aborted) break;
      const next = reader ? await reader.read() : { done: true as const, value: undefined };
      if (aborted || next.done) break;
      if (handler.onData?.(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)) === false) flowing = false;
    }
    if (aborted) {
      void reader?.cancel().catch(() => undefined);
      fail(aborted);
      return;
    }
    handler.onComplete?.([]);
  } catch (error) {
    void reader?.cancel().catch(() => undefined);
    fail(error as Error);
  }
}
