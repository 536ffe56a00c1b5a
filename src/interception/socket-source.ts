/**
 * Beside msw 3. Its interceptors (0.45, in a registry of their own on `globalThis`) intercept
 * sockets, under reeltape's `fetch`/`http` layer: whatever reeltape decided up there, msw 3's
 * handlers would answer afterwards, and a recording would keep what they answered. So while such a
 * socket source is active, the layer above steps aside and reeltape decides each request here,
 * after msw 3's listeners (decision 0006). Nothing is imported from msw 3: the running source is
 * read from its registry, and only the event fields used below are relied on.
 */
import { answer } from './answer.js';
import { captureResponse } from './capture-response.js';
import { expectsContinue, isInterim, pushContinue } from './continue.js';
import { currentScope, type RequestDecision } from './scope.js';

const REGISTRY = '__MSW_INTERCEPTORS_REGISTRY';
const SOURCE = Symbol.for('node-http-request-source');

/** The parts of an interceptors 0.45 `RequestController` used here. */
interface SourceController {
  readyState: number;
  respondWith(response: Response): unknown;
}
interface SourceRequestEvent {
  readonly request: Request;
  readonly requestId: string;
  readonly controller: SourceController;
  /** Who made the request: a `node:http` `ClientRequest` (its `socket` is the client side), or the socket itself. */
  readonly initiator?: { readonly socket?: unknown } | null;
}
interface SourceResponseEvent {
  readonly requestId: string;
  readonly response: Response;
  readonly responseType: string;
}
type SourceListener = (event: never) => unknown;
/** The parts of an interceptors 0.45 `NodeHttpRequestSource` used here (a rettime emitter). */
interface SocketSource {
  readonly readyState: unknown;
  on(type: string, listener: SourceListener): unknown;
  removeListener(type: string, listener: SourceListener): unknown;
  listeners(type: string): readonly unknown[];
}

/** `RequestController.PENDING` of interceptors 0.45 (a static there: read from the instance's class). */
function isPending(controller: SourceController): boolean {
  const pending = (controller.constructor as { PENDING?: number }).PENDING ?? 0;
  return controller.readyState === pending;
}

/** msw 3's running socket source, if one is active in this process. */
function activeSource(): SocketSource | undefined {
  const registry = (globalThis as Record<string, unknown>)[REGISTRY];
  if (!(registry instanceof Map)) return undefined;
  const source = registry.get(SOURCE) as SocketSource | undefined;
  return source?.readyState === 'ACTIVE' && typeof source.on === 'function' ? source : undefined;
}

/**
 * Calls `callback` each time one of msw 3's running interceptors stops (its server closed), after it
 * has put back the globals it patched: an interceptors 0.45 `dispose()` runs its `subscriptions`
 * last-in-first-out, so one put first runs last. Returns the function that takes the callback off.
 *
 * @example
 * const off = afterSocketLayerStops(() => settle()); // msw 3 patched over reeltape
 */
export function afterSocketLayerStops(callback: () => void): () => void {
  const registry = (globalThis as Record<string, unknown>)[REGISTRY];
  if (!(registry instanceof Map)) return () => undefined;
  const lists = [...registry.values()]
    .filter((i: { readyState?: unknown; subscriptions?: unknown }) => i?.readyState === 'ACTIVE' && Array.isArray(i.subscriptions))
    .map((i: { subscriptions: Array<() => void> }) => i.subscriptions);
  for (const list of lists) list.unshift(callback);
  return () => {
    for (const list of lists) if (list.includes(callback)) list.splice(list.indexOf(callback), 1);
  };
}

/** Recorded requests waiting for their passed-through response, by the source's request id. */
const awaiting = new Map<string, Extract<RequestDecision, { action: 'record' }>>();
let listeningTo: SocketSource | undefined;

/**
 * Whether msw 3's socket source is active; if so, makes sure reeltape's listener is on it and the
 * last one (msw 3's handlers answer first, whatever was started first). Called for every request
 * made inside a cassette and when a cassette opens.
 *
 * @example
 * if (followSocketSource()) return; // decided at the socket instead
 */
export function followSocketSource(): boolean {
  const source = activeSource();
  if (!source) return false;
  const listeners = source.listeners('request');
  if (listeners[listeners.length - 1] !== onSourceRequest) {
    source.removeListener('request', onSourceRequest);
    source.on('request', onSourceRequest);
  }
  if (listeningTo !== source) {
    listeningTo = source;
    if (awaiting.size > 0) source.on('response', onSourceResponse);
  }
  return true;
}

async function onSourceRequest({ request, requestId, controller, initiator }: SourceRequestEvent): Promise<void> {
  const scope = currentScope();
  if (!scope || !isPending(controller)) return; // outside a cassette, or msw 3 answered it
  // `Expect: 100-continue` in replay: the client sends the body (to match on) only after a 100, which
  // reeltape pushes on the client side of msw 3's socket. Only when nothing goes out: the source sends a
  // passed-through request as the client wrote it (with `Expect`), and the server would send a second 100.
  if (scope.replaysOnly && expectsContinue(request)) pushContinue((initiator?.socket ?? initiator) as Parameters<typeof pushContinue>[0]);
  const answerable = { pending: () => isPending(controller), respondWith: (r: Response) => void controller.respondWith(r) };
  await answer(scope, request, `socket-${requestId}`, answerable, (decision) => {
    awaiting.set(requestId, decision);
    if (awaiting.size === 1) listeningTo?.on('response', onSourceResponse);
  });
}

/**
 * The source awaits `response` listeners before the client reads on, so this returns at once:
 * the capture reads its copy in the background. Interim (1xx) responses are not the response.
 * The source parses a copy of every passed-through response while anyone listens, so reeltape
 * listens only while a recorded request waits, and drains copies nobody reads.
 */
function onSourceResponse({ requestId, response }: SourceResponseEvent): void {
  if (isInterim(response.status)) return;
  const waiting = awaiting.get(requestId);
  if (!waiting) {
    void response.body?.cancel().catch(() => undefined);
    return;
  }
  awaiting.delete(requestId);
  if (awaiting.size === 0) listeningTo?.removeListener('response', onSourceResponse);
  waiting.onResponse(captureResponse(response, waiting.spill));
}
