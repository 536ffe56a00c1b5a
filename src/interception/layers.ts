/**
 * reeltape's own functions laid over the ones the interceptors patched (`fetch`, `http(s).request`/`get`):
 * a request made outside any cassette goes to Node's own function, untouched and at its speed; a
 * fetch recorded by a cassette that never replays is performed directly. Everything else goes
 * through the interceptors as before.
 */
import { fetchAndCapture } from './record-fetch.js';
import { recordHttpDirectly } from './record-http.js';
import { followSocketSource } from './socket-source.js';
import { fetchFailure } from './failures.js';
import { currentScope, type InterceptionScope, type RequestDecision } from './scope.js';
import { printableRequest } from './printable.js';

/** What a layer asks of the interception state at call time. */
export interface LayerHooks {
  /** Runs first on every call (lets interceptors left behind by a stopped reeltape leave). */
  enter(): void;
  /** Whether no listener but reeltape's is on the interceptor, so a request may skip it. */
  alone(): boolean;
}

/**
 * Lays a function of reeltape's over a global the interceptors patched (`make` gets the patched one);
 * returns the function that puts the patched one back (unless the global was replaced meanwhile, e.g.
 * by a test's stub or msw 3: that is left alone).
 *
 * @example
 * const restore = layOver(globalThis, 'fetch', recordingFetch(pureFetch, hooks));
 */
export function layOver<T>(owner: Record<string, unknown>, key: string, make: (patched: T) => T): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(owner, key);
  const patched = owner[key] as T;
  const own = make(patched);
  Object.defineProperty(owner, key, { value: own, writable: true, enumerable: true, configurable: true });
  return () => {
    if (owner[key] !== own) return;
    if (descriptor) Object.defineProperty(owner, key, descriptor);
    else owner[key] = patched;
  };
}

/** `http.request`, `http.get`, `https.request` or `https.get`. */
export type NodeRequestFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * reeltape's `http.request`/`get` and `https.request`/`get` while it owns the ClientRequest
 * interceptor: a request made outside any cassette, while no test MSW server listens, goes to Node's
 * own function, not through the interceptor (which costs such a request a new socket each time and
 * about two thirds of its throughput: bench/results/outside.md). One recorded by a cassette that
 * never replays is sent with Node's own function too, and tapped ({@link recordHttpDirectly}: keep-alive
 * sockets stay pooled).
 *
 * @example
 * layOver(http, 'get', bypassOutside(originalGet, hooks));
 */
export function bypassOutside(original: NodeRequestFunction, hooks: LayerHooks): (patched: NodeRequestFunction) => NodeRequestFunction {
  return (patched) =>
    function request(this: unknown, ...args: unknown[]): unknown {
      hooks.enter();
      const scope = currentScope();
      const alone = hooks.alone();
      if (!scope) return (alone ? original : patched).apply(this, args);
      // recorded by a cassette that never replays: sent with Node's own function (keep-alive stays)
      if (alone && scope.neverReplays && !scope.done && !followSocketSource()) return recordHttpDirectly(scope, original, this, args);
      return patched.apply(this, args);
    };
}

/**
 * Only HTTP(S) is recorded and replayed; `data:`, `blob:` and `file:` URLs (the OpenAI SDK probes one) are left alone.
 *
 * @example
 * isHttpUrl('data:text/plain,hi'); // false
 */
export function isHttpUrl(url: string): boolean {
  return url.startsWith('http:') || url.startsWith('https:');
}

let directRequests = 0;
/**
 * Node's own `Request`, taken before any interceptor patches the global one (the ClientRequest
 * interceptor wraps it to record raw header casing, which only `node:http` responses use).
 */
const NodeRequest = globalThis.Request;

/**
 * reeltape's `fetch` while it owns the fetch interceptor. A request made outside any cassette goes
 * to `pureFetch` untouched when nothing else listens on the interceptor. A request made in a cassette
 * that never answers from the cassette ({@link InterceptionScope.neverReplays}: modes `record`,
 * `passthrough`), while no other listener could answer it, is performed here: recorded ones through
 * {@link fetchAndCapture} (delivered directly), the rest (ignored hosts, mode `passthrough`) as they
 * are. The interceptor's request wrapper, event round trip and response re-wrapping cost ~10 % of
 * recording throughput (decision 0004, H13). Every other request goes to the interceptor's `fetch`.
 *
 * @example
 * layOver(globalThis, 'fetch', recordingFetch(pureFetch, hooks));
 */
export function recordingFetch(pureFetch: typeof globalThis.fetch, hooks: LayerHooks): (intercepted: typeof globalThis.fetch) => typeof globalThis.fetch {
  return (intercepted) =>
    function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      hooks.enter();
      const scope = currentScope();
      const alone = hooks.alone();
      if (!scope) return alone ? pureFetch(input, init) : intercepted(input, init); // outside any cassette: untouched
      if (!scope.neverReplays || !alone) return intercepted(input, init);
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
  if (!isHttpUrl(request.url)) return pureFetch(request); // data:, blob:, file: are never intercepted
  let decision: RequestDecision;
  try {
    decision = await scope.decide(request, `reeltape-${++directRequests}`);
  } catch (error) {
    scope.fail(error);
    throw networkError(error);
  }
  if (decision.action === 'passthrough') return pureFetch(request);
  if (decision.action !== 'record') {
    const error = new Error(`reeltape: a cassette that never replays answered ${printableRequest(request)} with "${decision.action}" (the report names the request)`);
    scope.fail(error);
    throw networkError(error);
  }
  let fetched;
  try {
    fetched = await fetchAndCapture(pureFetch, request, decision.spill, 'direct');
  } catch (error) {
    decision.onFailure?.(fetchFailure(error, request.signal.aborted));
    throw error;
  }
  const { forClient, capture } = fetched;
  decision.onResponse(capture);
  return forClient;
}
