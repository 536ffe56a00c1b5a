import { syncBuiltinESMExports } from 'node:module';
// The interceptors MSW 2 itself is built on (`msw/node`'s `setupServer` drives exactly these two for
// Node's fetch and `node:http`/`node:https`), used directly: reeltape has one catch-all rule that asks
// the cassette, so MSW's handler pipeline (handler matching, path parameters, cookie store, request
// clone for handlers, lifecycle events) is per-request work without a purpose here (decision 0004).
import { getGlobalSymbol, InterceptorReadyState, RequestController, type HttpRequestEventMap, type Interceptor } from '@mswjs/interceptors';
import { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest';
import { FetchInterceptor } from '@mswjs/interceptors/fetch';
import type { SpillOptions } from './body-capture.js';
import { captureResponse, type ResponseCapture } from './capture-response.js';
import { fetchAndCapture, keepUnfollowableRedirect } from './record-fetch.js';
import { currentScope, type InterceptionScope, type RequestDecision } from './scope.js';

type RequestListenerArgs = HttpRequestEventMap['request'][0];
type ResponseListenerArgs = HttpRequestEventMap['response'][0];

type HttpInterceptor = Interceptor<HttpRequestEventMap>;

/**
 * The interceptors in use, while at least one cassette is open. The interceptors library keeps one
 * running instance per kind per process (a global symbol): reeltape applies its own `FetchInterceptor`
 * and `ClientRequestInterceptor` when none is running, or else (the test's own MSW server is
 * listening) adds its listeners to the running ones and leaves them applied when it is done, so
 * neither side stops the other's interception.
 */
interface InUse {
  readonly fetch: HttpInterceptor;
  readonly http: HttpInterceptor;
  /** The ones reeltape applied itself and disposes when the last cassette closes. */
  readonly owned: readonly HttpInterceptor[];
  /**
   * The `fetch` the fetch interceptor replaced, when reeltape applied that interceptor itself:
   * recorded fetch requests are then performed by reeltape ({@link fetchAndCapture}).
   */
  readonly pureFetch: typeof globalThis.fetch | undefined;
  /** Puts the interceptor's `fetch` back in place of {@link recordingFetch}'s, if that is still the global one. */
  readonly restoreFetch: (() => void) | undefined;
  /** The global `fetch`s reeltape installed (the interceptor's, its own), when it applied the fetch interceptor itself. */
  readonly installedFetches: ReadonlySet<typeof globalThis.fetch>;
}
let inUse: InUse | undefined;
let users = 0;
/** Captures waiting for their passed-through response, by interceptor request id. */
const awaitingResponse = new Map<string, { onResponse: (capture: ResponseCapture) => void; spill: SpillOptions | undefined }>();
/** Whether the fetch interceptor currently has reeltape's `response` listener (see {@link watchFetchResponses}). */
let fetchListening = false;

/** Replayed bodies up to this size (with a known length) are small enough to leave undrained. */
const DRAIN_ABOVE = 64 * 1024;

async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  if (body.locked) return; // someone else (another listener) reads it
  try {
    const reader = body.getReader();
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // the client went away: nothing to drain
  }
}

/**
 * The one request listener. It returns without touching the controller for requests that go out
 * (the interceptor then performs them through the client's own transport: agents, proxies, custom
 * CAs and client certificates keep working), and answers replayed and failed ones itself.
 */
async function onRequest({ request, requestId, controller }: RequestListenerArgs, fromFetch = false): Promise<void> {
  const scope = currentScope();
  if (!scope) return; // not inside withCassette: untouched
  // Already answered by a listener before this one (the test's own MSW server): not ours.
  if (controller.readyState !== RequestController.PENDING) return;
  try {
    const decision = await scope.decide(request, requestId);
    if (controller.readyState !== RequestController.PENDING) return;
    switch (decision.action) {
      case 'passthrough':
        return;
      case 'record': {
        const pureFetch = fromFetch ? directFetch() : undefined;
        if (pureFetch) return await recordDirectly(pureFetch, request, controller, decision);
        awaitingResponse.set(requestId, { onResponse: decision.onResponse, spill: decision.spill });
        watchFetchResponses();
        return;
      }
      case 'respond':
        if (fromFetch) keepUnfollowableRedirect(request, decision.response);
        controller.respondWith(decision.response);
        return;
      case 'error':
        // A network error for the client, as MSW's `HttpResponse.error()` gives.
        controller.respondWith(Response.error());
        return;
    }
  } catch (error) {
    scope.fail(error);
    if (controller.readyState === RequestController.PENDING) controller.respondWith(Response.error());
  }
}

const onFetchRequest = (args: RequestListenerArgs): Promise<void> => onRequest(args, true);

/**
 * Records a fetch request by performing it with `pureFetch` ({@link fetchAndCapture}) and answering
 * the client with the live response. A request the client aborted meanwhile was already failed by
 * the interceptor with its abort reason: it is left alone (and its capture stopped).
 */
async function recordDirectly(
  pureFetch: typeof globalThis.fetch,
  request: Request,
  controller: RequestController,
  decision: Extract<RequestDecision, { action: 'record' }>,
): Promise<void> {
  const open = () => controller.readyState === RequestController.PENDING && !request.signal.aborted;
  let fetched;
  try {
    fetched = await fetchAndCapture(pureFetch, request, decision.spill);
  } catch (error) {
    // what the client gets live: fetch's own rejection (connection refused, …)
    if (open()) controller.errorWith(error);
    return;
  }
  decision.onResponse(fetched.capture);
  if (open()) controller.respondWith(fetched.forClient);
  else fetched.capture.abort();
}

/**
 * Lays reeltape's own `fetch` ({@link recordingFetch}) over the fetch interceptor's, which reeltape
 * applied itself; returns the function that puts the interceptor's back (unless the global was
 * replaced meanwhile, e.g. by a test's stub: that is left alone).
 */
function layRecordingFetch(pureFetch: typeof globalThis.fetch): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  const intercepted = globalThis.fetch;
  const own = recordingFetch(intercepted, pureFetch);
  Object.defineProperty(globalThis, 'fetch', { value: own, writable: true, enumerable: true, configurable: true });
  return () => {
    if (globalThis.fetch !== own) return;
    if (descriptor) Object.defineProperty(globalThis, 'fetch', descriptor);
    else globalThis.fetch = intercepted;
  };
}

let directRequests = 0;
/**
 * Node's own `Request`, taken before any interceptor patches the global one (the ClientRequest
 * interceptor wraps it to record raw header casing, which only `node:http` responses use).
 */
const NodeRequest = globalThis.Request;

/**
 * reeltape's `fetch` while it owns the fetch interceptor. A request made in a cassette that never
 * answers from the cassette ({@link InterceptionScope.neverReplays}: modes `record`, `passthrough`),
 * while no other listener on the interceptor could answer it ({@link directFetch}), is performed
 * here: recorded ones through {@link fetchAndCapture} (delivered directly), the rest (ignored hosts,
 * mode `passthrough`) as they are. The interceptor's request wrapper, event round trip and
 * response re-wrapping cost ~10 % of recording throughput (decision 0004, H13). Every other
 * request, and every request outside a cassette, goes to the interceptor's `fetch` untouched.
 */
function recordingFetch(intercepted: typeof globalThis.fetch, pureFetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const scope = currentScope();
    if (!scope?.neverReplays || directFetch() !== pureFetch) return intercepted(input, init);
    return recordDirectFetch(scope, pureFetch, input, init);
  };
}

/** What a fetch client gets through the interceptor when reeltape fails a request: a network error. */
function networkError(cause: unknown): TypeError {
  return Object.assign(new TypeError('Failed to fetch'), { cause });
}

async function recordDirectFetch(
  scope: InterceptionScope,
  pureFetch: typeof globalThis.fetch,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): Promise<Response> {
  const request = new NodeRequest(input, init); // a bad URL or init rejects here, as fetch's own check does
  let decision: RequestDecision;
  try {
    decision = await scope.decide(request, `reeltape-${++directRequests}`);
  } catch (error) {
    scope.fail(error);
    throw networkError(error);
  }
  if (decision.action === 'passthrough') return pureFetch(request);
  if (decision.action !== 'record') {
    const error = new Error(`reeltape: a cassette that never replays answered ${request.method} ${request.url} with "${decision.action}"`);
    scope.fail(error);
    throw networkError(error);
  }
  const { forClient, capture } = await fetchAndCapture(pureFetch, request, decision.spill, 'direct');
  decision.onResponse(capture);
  return forClient;
}

/** What the interceptors library keeps of an interceptor's listeners (a protected field; read defensively). */
type WithEmitter = { emitter?: { listenerCount?(event: string): number } };

/**
 * The `fetch` to perform a recorded fetch request with, or `undefined` to let the interceptor pass
 * it through. Only when reeltape applied the fetch interceptor itself and no other listener is on
 * it (a test's own MSW server started while a cassette is open adds its listeners to reeltape's
 * interceptor: it may answer the request, or expect to see the passed-through response).
 */
function directFetch(): typeof globalThis.fetch | undefined {
  const pureFetch = inUse?.pureFetch;
  if (!inUse || !pureFetch) return undefined;
  const emitter = (inUse.fetch as unknown as WithEmitter).emitter;
  if (typeof emitter?.listenerCount !== 'function') return undefined;
  return emitter.listenerCount('request') === 1 && emitter.listenerCount('response') === 0 ? pureFetch : undefined;
}

/**
 * The one response listener. The interceptors AWAIT response listeners before the client gets its
 * response (fetch) or its `end` (`node:http`), so this returns synchronously and never waits for a
 * body: a capture reads its copy in the background, and the session awaits it before saving.
 *
 * What it is handed is already a copy of the client's response (fetch: a tee branch of a clone;
 * `node:http`: a stream fed from the socket's parser), so it is read directly: cloning it again would
 * leave one branch unread, buffering the whole body.
 */
function onResponse({ response, requestId, isMockedResponse }: ResponseListenerArgs): void {
  const waiting = isMockedResponse ? undefined : awaitingResponse.get(requestId);
  if (waiting) {
    forgetResponse(requestId);
    waiting.onResponse(captureResponse(response, waiting.spill));
    return;
  }
  // A copy nobody reads (a replayed response, or one passed through without recording) buffers
  // the whole body (fetch: tee branch; node:http: a stream fed from the socket): a large or
  // unsized one is drained and dropped. (Cancelling it instead crashes Node 20's Readable.toWeb
  // adapter on the node:http path.)
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (response.body && !(length <= DRAIN_ABOVE)) void drain(response.body);
}

/**
 * The fetch interceptor clones (tees) every response, passed-through or mocked, but only while it
 * has a `response` listener; a replayed request does not need one. So reeltape listens to fetch
 * responses only while some recorded request is waiting for its response. (`node:http` builds its
 * response copy whether or not anyone listens, so that listener stays, to drain large replayed copies.)
 */
function watchFetchResponses(): void {
  if (fetchListening || !inUse) return;
  inUse.fetch.on('response', onResponse);
  fetchListening = true;
}

function unwatchFetchResponses(): void {
  if (!fetchListening || !inUse) return;
  inUse.fetch.off('response', onResponse);
  fetchListening = false;
}

/** The running interceptor of this kind, or a new one applied by reeltape (`owned`). */
function runningOrApplied(symbol: symbol, create: () => HttpInterceptor, owned: HttpInterceptor[]): HttpInterceptor {
  const running = getGlobalSymbol<HttpInterceptor>(symbol);
  if (running && running.readyState === InterceptorReadyState.APPLIED) return running;
  const created = create();
  created.apply();
  owned.push(created);
  return created;
}

function apply(): void {
  const owned: HttpInterceptor[] = [];
  const globalFetch = globalThis.fetch;
  const fetch = runningOrApplied(FetchInterceptor.symbol, () => new FetchInterceptor(), owned);
  const http = runningOrApplied(ClientRequestInterceptor.symbol, () => new ClientRequestInterceptor(), owned);
  fetch.on('request', onFetchRequest);
  http.on('request', onRequest).on('response', onResponse);
  const pureFetch = owned.includes(fetch) && globalThis.fetch !== globalFetch ? globalFetch : undefined;
  const interceptorFetch = globalThis.fetch;
  const restoreFetch = pureFetch ? layRecordingFetch(pureFetch) : undefined;
  const installedFetches = new Set(pureFetch ? [interceptorFetch, globalThis.fetch] : []);
  inUse = { fetch, http, owned, pureFetch, restoreFetch, installedFetches };
  fetchListening = false;
  if (awaitingResponse.size > 0) watchFetchResponses();
}

/**
 * Stops interception. A global `fetch` that is not one reeltape installed (a stub the code under test
 * put in while a cassette was open, e.g. `vi.stubGlobal('fetch', …)`) stays in place: the
 * interceptor's own dispose puts back the `fetch` from before it started, whatever is there now.
 */
function dispose(): void {
  if (!inUse) return;
  const current = globalThis.fetch;
  const stubbed = inUse.installedFetches.size > 0 && !inUse.installedFetches.has(current);
  inUse.restoreFetch?.();
  unwatchFetchResponses();
  inUse.fetch.off('request', onFetchRequest);
  inUse.http.off('request', onRequest).off('response', onResponse);
  for (const interceptor of inUse.owned) interceptor.dispose();
  inUse = undefined;
  if (stubbed) globalThis.fetch = current;
}

/**
 * Starts interception if it is not running yet and returns a release function (idempotent);
 * interception stops when the last user releases it. `node:module`'s
 * `syncBuiltinESMExports()` runs after start and stop so that named ESM imports of `node:http`
 * (`import { get } from 'node:http'`) see the patched functions.
 *
 * @example
 * const release = acquireInterception();
 * try { await work(); } finally { release(); }
 */
export function acquireInterception(): () => void {
  if (users === 0) {
    apply();
    syncBuiltinESMExports();
  }
  users += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    users -= 1;
    if (users === 0) {
      dispose();
      syncBuiltinESMExports();
    }
  };
}

/**
 * Forgets a recorded request whose response never came (connection refused, reset): called by
 * the session when it closes, so nothing is kept after the cassette is done.
 */
export function forgetResponse(requestId: string): void {
  if (awaitingResponse.delete(requestId) && awaitingResponse.size === 0) unwatchFetchResponses();
}

/** Whether interception is currently active (some cassette is open). For tests and diagnostics. */
export function isIntercepting(): boolean {
  return users > 0;
}
