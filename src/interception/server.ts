import { syncBuiltinESMExports } from 'node:module';
// The interceptors MSW 2 itself is built on (`msw/node`'s `setupServer` drives exactly these two for
// Node's fetch and `node:http`/`node:https`), used directly: reeltape has one catch-all rule that asks
// the cassette, so MSW's handler pipeline (handler matching, path parameters, cookie store, request
// clone for handlers, lifecycle events) is per-request work without a purpose here (decision 0004).
import { getGlobalSymbol, InterceptorReadyState, RequestController, type HttpRequestEventMap } from '@mswjs/interceptors';
import { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest';
import { FetchInterceptor } from '@mswjs/interceptors/fetch';
import type { SpillOptions } from './body-capture.js';
import { answer } from './answer.js';
import { bypassOutside, isHttpUrl, layOver, recordingFetch, type NodeRequestFunction } from './layers.js';
import {
  foreignListeners,
  lingerUnder,
  markReeltape,
  onlyOneListener,
  orphans,
  ORIGINALS,
  PATCHED,
  readPatched,
  settleOrphans,
  tend,
  type HttpInterceptor,
  type InstalledValues,
} from './coexistence.js';
import { dropExpect, expectsContinue, isInterim, sendContinue } from './continue.js';
import { captureResponse, type ResponseCapture } from './capture-response.js';
import { fetchAndCapture, keepUnfollowableRedirect } from './record-fetch.js';
import { currentScope, type RequestDecision } from './scope.js';
import { followSocketSource } from './socket-source.js';
import { followUndici, releaseUndici } from './undici.js';
import { fetchFailure, replayFailure, watchHttpFailure } from './failures.js';
import type { RecordedFailure } from '../cassette/index.js';

type RequestListenerArgs = HttpRequestEventMap['request'][0];
type ResponseListenerArgs = HttpRequestEventMap['response'][0];


/**
 * The interceptors in use, from the first install until {@link uninstallInterception} (for the life of
 * the process, usually). The interceptors library keeps one running instance per kind per process
 * (a global symbol): reeltape applies its own `FetchInterceptor` and `ClientRequestInterceptor` when
 * none is running, or else (the test's own msw 2 server is listening) adds its listeners to the
 * running ones. Either way reeltape's listeners are called after everyone else's
 * ({@link callReeltapeLast}): the user's own handlers answer first, and what they answer is never
 * recorded (decision 0006).
 */
interface InUse {
  readonly fetch: HttpInterceptor;
  readonly http: HttpInterceptor;
  /** The ones reeltape applied itself and disposes when it stops. */
  readonly owned: readonly HttpInterceptor[];
  /**
   * The `fetch` the fetch interceptor replaced, when reeltape applied that interceptor itself:
   * recorded fetch requests are then performed by reeltape ({@link fetchAndCapture}).
   */
  readonly pureFetch: typeof globalThis.fetch | undefined;
  /** Puts the interceptors' functions back in place of reeltape's ({@link layOver}), where those are still global. */
  readonly restoreLayers: () => void;
  /** Per {@link PATCHED} global, the values reeltape put there (the interceptor's and its own). */
  readonly installed: InstalledValues;
  /** Who installed it: a cassette (lazily, so clients that kept `fetch` earlier are not seen) or an early install. */
  readonly by: 'early' | 'cassette';
}
let inUse: InUse | undefined;
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
  if (!scope || !isHttpUrl(request.url)) return; // not inside withCassette, or data:/blob:/file: — untouched
  // Already answered by a listener before this one (the test's own MSW server): not ours.
  if (controller.readyState !== RequestController.PENDING) return;
  // msw 3 intercepts sockets, under this layer: reeltape decides there, after its handlers
  if (followSocketSource()) return;
  const pending = (): boolean => controller.readyState === RequestController.PENDING;
  const answerable = {
    pending,
    respondWith: (r: Response) => controller.respondWith(r),
    fail: (failure: RecordedFailure) =>
      replayFailure(request, failure, fromFetch, { pending, errorWith: (e) => controller.errorWith(e), respondWith: (r) => controller.respondWith(r) }),
  };
  // `Expect: 100-continue`: a cassette that may replay reads the body to match, and the client sends
  // it only after `100 Continue`, so reeltape sends that itself (one that only records decides without
  // the body: the server's own 100 comes through).
  const continued = !fromFetch && !scope.neverReplays && expectsContinue(request) && sendContinue(request);
  await answer(
    scope,
    request,
    requestId,
    answerable,
    async (decision) => {
      const pureFetch = fromFetch ? directFetch() : undefined;
      if (pureFetch) return recordDirectly(pureFetch, request, controller, decision);
      awaitingResponse.set(requestId, { onResponse: decision.onResponse, spill: decision.spill });
      watchFetchResponses();
      if (!fromFetch) watchHttpFailure(request, (failure) => decision.onFailure?.(failure));
    },
    fromFetch ? (response) => keepUnfollowableRedirect(request, response) : undefined,
  );
  // going out after all (recorded or passed through): the server must not send a second 100
  if (continued && controller.readyState === RequestController.PENDING) dropExpect(request);
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
    decision.onFailure?.(fetchFailure(error, request.signal.aborted));
    if (open()) controller.errorWith(error);
    return;
  }
  decision.onResponse(fetched.capture);
  if (open()) controller.respondWith(fetched.forClient);
  else fetched.capture.abort();
}

/**
 * The `fetch` to perform a recorded fetch request with, or `undefined` to let the interceptor pass
 * it through. Only when reeltape applied the fetch interceptor itself and no other listener is on
 * it (a test's own MSW server started while a cassette is open adds its listeners to reeltape's
 * interceptor: it may answer the request, or expect to see the passed-through response).
 */
function directFetch(): typeof globalThis.fetch | undefined {
  const pureFetch = inUse?.pureFetch;
  if (!inUse || !pureFetch || followSocketSource()) return undefined;
  return onlyOneListener(inUse.fetch) ? pureFetch : undefined;
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
  // an interim response (`100 Continue`, `103 Early Hints`) is not the response: the final one follows
  if (isInterim(response.status)) return;
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

const requestListener = markReeltape(onRequest);
const fetchRequestListener = markReeltape(onFetchRequest);

/**
 * The running interceptor of this kind, or a new one applied by reeltape (`owned`). An orphan taken
 * back that lingered under msw 3 adds what reeltape had installed to `earlier`.
 */
function runningOrApplied(symbol: symbol, create: () => HttpInterceptor, owned: HttpInterceptor[], earlier: InstalledValues[]): HttpInterceptor {
  const running = getGlobalSymbol<HttpInterceptor>(symbol);
  if (running && running.readyState === InterceptorReadyState.APPLIED) {
    // one reeltape applied and stopped using while an MSW server still listened: reeltape's again
    if (orphans.has(running)) {
      const lingering = orphans.get(running);
      orphans.delete(running); // first: an orphan losing its last listener is disposed ({@link tend})
      lingering?.release();
      if (lingering) earlier.push(lingering.installed);
      owned.push(running);
    }
    tend(running, symbol);
    return running;
  }
  const created = create();
  created.apply();
  owned.push(created);
  tend(created, symbol);
  return created;
}

/**
 * Per patched global, the values that are reeltape's: what its interceptors and layers put there. When
 * it took back an interceptor lingering under msw 3, what it had installed before, and not what msw 3
 * put on top (that is msw's to remove).
 */
function ownValues(before: unknown[], patched: unknown[], layered: unknown[], earlier: InstalledValues[]): InstalledValues {
  if (earlier.length === 0) return layered.map((value, i) => new Set([patched[i], value]));
  return layered.map((value, i) => {
    const own = new Set(earlier.flatMap((values) => [...values[i]!]));
    if (patched[i] !== before[i]) own.add(patched[i]);
    if (value !== patched[i]) own.add(value);
    return own;
  });
}

function apply(by: InUse['by']): void {
  const owned: HttpInterceptor[] = [];
  const before = readPatched();
  const earlier: InstalledValues[] = [];
  const fetch = runningOrApplied(FetchInterceptor.symbol, () => new FetchInterceptor(), owned, earlier);
  const http = runningOrApplied(ClientRequestInterceptor.symbol, () => new ClientRequestInterceptor(), owned, earlier);
  fetch.on('request', fetchRequestListener);
  http.on('request', requestListener).on('response', onResponse);
  const globalFetch = before[0] as typeof globalThis.fetch;
  const pureFetch = owned.includes(fetch) && globalThis.fetch !== globalFetch ? globalFetch : undefined;
  const patched = readPatched();
  const restores: Array<() => void> = [];
  // a layer's call first lets interceptors a stopped reeltape left behind leave ({@link settleOrphans})
  const enter = (): void => {
    if (!inUse) settleOrphans();
  };
  if (pureFetch) restores.push(layOver(PATCHED[0]![0], 'fetch', recordingFetch(pureFetch, { enter, alone: () => directFetch() === pureFetch })));
  if (owned.includes(http)) {
    // request and get of http and https (not ClientRequest, index 3)
    for (const i of [1, 2, 4, 5]) {
      const [owner, key] = PATCHED[i]!;
      if (patched[i] !== before[i]) restores.push(layOver(owner, key, bypassOutside(before[i] as NodeRequestFunction, { enter, alone: () => foreignListeners(http) === 0 })));
    }
  }
  const installed = ownValues(before, patched, readPatched(), earlier);
  const restoreLayers = (): void => restores.forEach((restore) => restore());
  inUse = { fetch, http, owned, pureFetch, restoreLayers, installed, by };
  fetchListening = false;
  if (awaitingResponse.size > 0) watchFetchResponses();
}


/**
 * Stops reeltape's part. A patched global that is not what reeltape put there (a stub the code
 * under test put in, e.g. `vi.stubGlobal('fetch', …)`, or msw 3 patching or restoring on top of
 * reeltape) stays as it is: the interceptors' own dispose puts back what was there before they
 * started, whatever is there now. An interceptor reeltape applied that a test's msw 2 server still
 * listens on stays applied until that server closes ({@link tend}).
 */
function dispose(): void {
  if (!inUse) return;
  const installed = inUse.installed;
  const fetchInterceptor = inUse.fetch;
  const before = readPatched();
  inUse.restoreLayers();
  unwatchFetchResponses();
  inUse.fetch.off('request', fetchRequestListener);
  inUse.http.off('request', requestListener).off('response', onResponse);
  for (const interceptor of inUse.owned) {
    if (interceptor.readyState !== InterceptorReadyState.APPLIED) continue;
    const patched = PATCHED.flatMap((_, i) => ((interceptor === fetchInterceptor ? i === 0 : i > 0) ? [i] : []));
    const covered = patched.some((i) => !installed[i]!.has(before[i]) && before[i] !== ORIGINALS[i]);
    if (foreignListeners(interceptor) > 0) orphans.set(interceptor, undefined);
    else if (covered) orphans.set(interceptor, lingerUnder(interceptor, patched, installed));
    else interceptor.dispose();
  }
  inUse = undefined;
  PATCHED.forEach(([owner, key], i) => {
    if (!installed[i]!.has(before[i]) && owner[key] !== before[i]) owner[key] = before[i];
  });
}


/**
 * Whether what reeltape uses is still in place: applied (an msw 2 server that owned it disposes it
 * when it closes), and no patched global is back to what it was before (code that saved `fetch`
 * earlier and put it back, or msw 3 restoring what it saw when it started, removed reeltape's layer).
 */
function healthy(state: InUse): boolean {
  const applied = state.fetch.readyState === InterceptorReadyState.APPLIED && state.http.readyState === InterceptorReadyState.APPLIED;
  const current = readPatched();
  const layered = current.every((value, i) => value !== ORIGINALS[i] && (i > 0 || value !== state.pureFetch));
  return applied && layered;
}

/**
 * Installs interception for the life of the process (idempotent). Requests made outside any
 * cassette pass through untouched; inside one, the cassette decides. Install it before modules that
 * build clients at module scope are imported (the OpenAI and Anthropic SDKs keep the `fetch` they
 * find when the client is built; the AWS SDK keeps `http.request` on first use): the Vitest plugin
 * and the Jest setup do; elsewhere `import 'reeltape/register'` (or `node --import reeltape/register`).
 * `withCassette` installs it lazily when nothing did. `node:module`'s `syncBuiltinESMExports()` runs
 * after install so that named ESM imports of `node:http` (`import { get } from 'node:http'`) see the
 * patched functions.
 *
 * @example
 * import { installInterception } from 'reeltape';
 * installInterception(); // before `new OpenAI()` runs
 */
export function installInterception(by: InUse['by'] = 'early'): void {
  if (inUse && healthy(inUse)) return;
  if (inUse) dispose(); // its owner (a test's msw 2 server) closed it: apply anew
  apply(by);
  syncBuiltinESMExports();
}

/**
 * Removes reeltape's interception: `fetch`, `http.request`/`get` and `https.request`/`get` are the
 * originals again once no test MSW server uses them either. For the end of a test file's sandbox
 * (the Jest setup calls it) and for tests; a cassette closing never calls it.
 *
 * @example
 * afterAll(() => uninstallInterception());
 */
export function uninstallInterception(): void {
  releaseUndici();
  if (!inUse) return;
  dispose();
  syncBuiltinESMExports();
}

/**
 * Makes sure interception is installed before a cassette opens (lazily, if nothing installed it
 * earlier) and says who installed it.
 *
 * @example
 * const { by } = ensureInterception(); // 'cassette' when this call installed it
 */
export function ensureInterception(): { by: InUse['by'] } {
  installInterception('cassette');
  followSocketSource();
  followUndici();
  return { by: inUse?.by ?? 'cassette' };
}

/**
 * Forgets a recorded request whose response never came (connection refused, reset): called by
 * the session when it closes, so nothing is kept after the cassette is done.
 */
export function forgetResponse(requestId: string): void {
  if (awaitingResponse.delete(requestId) && awaitingResponse.size === 0) unwatchFetchResponses();
}

/** Whether reeltape's interception is installed. For tests and diagnostics. */
export function isIntercepting(): boolean {
  return inUse !== undefined;
}
