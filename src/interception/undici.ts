/**
 * The npm `undici` package (`request`, `stream`, `fetch`, `Client`, `Pool`, `Agent`): MSW does not
 * intercept it (msw#2165). Every undici dispatcher (Client, Pool, Agent, ProxyAgent…) inherits
 * `dispatch` from one base class per undici copy; reeltape lays its own `dispatch` over that one, so
 * a request made inside a cassette is decided by the cassette whichever dispatcher carries it (the
 * global one or one the caller passes). Decision 0015-undici.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { ReeltapeConfigError } from '../errors/index.js';
import { captureResponse } from './capture-response.js';
import { isHttpUrl } from './layers.js';
import { currentScope, type InterceptionScope, type RequestDecision } from './scope.js';
import { followSocketSource } from './socket-source.js';
import { deliverToHandler, forwardingHandler, legacyHandler, responseStream, type LegacyHandler } from './undici-handler.js';
import { printableRequest } from './printable.js';

/** undici's dispatch options, as far as reeltape reads them. */
interface DispatchOptions {
  readonly origin?: string | URL;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: unknown;
  readonly body?: unknown;
  readonly upgrade?: unknown;
}
type Dispatch = (this: object, opts: DispatchOptions, handler: object) => boolean;

/** Global symbol under which undici (npm 6/7 and Node's own) keeps the global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
/** Marks a handler whose request reeltape already decided: inner dispatchers (Agent → Pool → Client) pass it on. */
const DECIDED = Symbol('reeltape.undici.decided');
/** Set while reeltape hands a decided request to undici (nested dispatches made synchronously pass through). */
const handingOn = new AsyncLocalStorage<true>();
/** The dispatch base prototypes (and `MockAgent` prototypes) reeltape laid its `dispatch` over, with the one it replaced. */
const patched = new Map<object, Dispatch>();
/**
 * The `Agent`s inside users' `MockAgent`s: a request reaching one is the mock's to answer first, so it
 * passes on to the mock pools; one the mock lets through to the network (`enableNetConnect`) reaches
 * the pool's real `dispatch` and is decided there.
 */
const mockInner = new WeakSet<object>();
let requests = 0;

/**
 * The prototype that owns undici's real `dispatch` (its `DispatcherBase`): the first in the chain
 * with its own `dispatch` and `destroyed` getter. A `MockAgent` or `RetryAgent` has neither getter:
 * the user's mocks answer before reeltape sees the request.
 */
function dispatchBase(instanceOrPrototype: object | null): object | undefined {
  for (let proto = instanceOrPrototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    const own = (key: string) => Object.getOwnPropertyDescriptor(proto, key);
    if (typeof own('dispatch')?.value === 'function' && typeof own('destroyed')?.get === 'function') return proto;
  }
  return undefined;
}

/**
 * Node 26's own undici (8) keeps its global dispatcher under `undici.globalDispatcher.2` and puts a
 * `Dispatcher1Wrapper` under `.1` for npm undici 6/7, whose `request`/`stream`/`fetch` then dispatch
 * through it into Node's undici (where {@link fromBuiltinFetch} would pass them on): reeltape lays its
 * `dispatch` over the wrapper's. Returns the wrapper's prototype, or `undefined` for anything else.
 */
function builtinWrapper(global: object): object | undefined {
  const proto = Object.getPrototypeOf(global) as { constructor?: { name?: string } } | null;
  const ownsDispatch = proto !== null && typeof Object.getOwnPropertyDescriptor(proto, 'dispatch')?.value === 'function';
  return ownsDispatch && proto.constructor?.name === 'Dispatcher1Wrapper' ? proto : undefined;
}

/**
 * A dispatch made by Node's own `fetch` (its bundled undici) was already decided by reeltape's fetch
 * interception before it reached a dispatcher: it passes on, so a request is recorded once.
 */
function fromBuiltinFetch(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.includes('node:internal/deps/undici');
}

function patch(base: object): boolean {
  if (patched.has(base)) return false;
  const target = base as { dispatch: Dispatch };
  const original = target.dispatch;
  patched.set(base, original);
  target.dispatch = function dispatch(this: object, opts: DispatchOptions, handler: object): boolean {
    const scope = currentScope();
    if (!scope || mockInner.has(this) || !takes(this, opts, handler)) return original.call(this, opts, handler);
    void decideAndCarryOut(scope, this, original, { ...opts, origin: originOf(this, opts) }, legacyHandler(handler));
    return true;
  };
  return true;
}

/** Notes the inner `Agent` of each `MockAgent` of an undici copy as it dispatches (see {@link mockInner}). */
function followMockAgent(MockAgent: { prototype?: object } | undefined): void {
  const proto = MockAgent?.prototype as { dispatch?: Dispatch } | undefined;
  if (!proto || typeof proto.dispatch !== 'function' || patched.has(proto)) return;
  const original = proto.dispatch;
  patched.set(proto, original);
  proto.dispatch = function dispatch(this: object, opts: DispatchOptions, handler: object): boolean {
    const key = Object.getOwnPropertySymbols(this).find((symbol) => symbol.description === 'agent');
    const inner = key && (this as Record<symbol, unknown>)[key];
    if (typeof inner === 'object' && inner !== null) mockInner.add(inner);
    return original.call(this, opts, handler);
  };
}

/**
 * Where a dispatch goes: a `Client` or `Pool` sends to its own origin (kept under undici's `url`
 * symbol) whatever `opts.origin` says; an `Agent` to `opts.origin`.
 */
function originOf(dispatcher: object, opts: DispatchOptions): string {
  const key = Object.getOwnPropertySymbols(dispatcher).find((symbol) => symbol.description === 'url');
  const own = key && (dispatcher as Record<symbol, unknown>)[key];
  return own instanceof URL ? own.origin : String(opts.origin ?? '');
}

/** Whether reeltape decides this dispatch (inside a cassette): an HTTP request nobody decided yet. */
function takes(dispatcher: object, opts: DispatchOptions, handler: object): boolean {
  if (typeof opts !== 'object' || opts === null || typeof handler !== 'object' || handler === null) return false;
  if ((handler as Record<symbol, unknown>)[DECIDED] || handingOn.getStore()) return false;
  if (opts.upgrade || opts.method === 'CONNECT' || !isHttpUrl(originOf(dispatcher, opts))) return false;
  // msw 3 intercepts sockets under undici: reeltape decides there (socket-source.ts)
  return !followSocketSource() && !fromBuiltinFetch();
}

/**
 * Lays reeltape's `dispatch` over the undici copies loaded in this process: those in the CommonJS
 * module cache (an ESM `import 'undici'` loads it there too; a package folder whose name contains
 * `undici`) and the one behind the global
 * dispatcher (Node's own, or one set with `setGlobalDispatcher`). Called when a cassette opens.
 *
 * @example
 * followUndici(); // a cassette opens
 */
export function followUndici(): void {
  const global = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  if (typeof global === 'object' && global !== null) {
    const base = dispatchBase(global) ?? builtinWrapper(global);
    if (base) patch(base);
  }
  const cache = createRequire(import.meta.url).cache;
  for (const key of Object.keys(cache)) {
    // a package folder named like undici (`undici`, an `undici6` alias): other packages' exports are not touched
    if (!/[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]*undici[^\\/]*[\\/]index\.js$/i.test(key)) continue;
    const exports = cache[key]?.exports as (UndiciModule & { setGlobalDispatcher?: unknown }) | undefined;
    if (typeof exports?.setGlobalDispatcher !== 'function' || !exports.Client?.prototype) continue;
    const base = dispatchBase(exports.Client.prototype);
    if (base) patch(base);
    followMockAgent(exports.MockAgent);
  }
}

/** An undici module (npm `undici` 6 or 7, under any name): what {@link interceptUndici} reads of it. */
export interface UndiciModule {
  /** undici's `Client` class: its base class's `dispatch` is the one reeltape lays its own over. */
  readonly Client: { readonly prototype: object };
  /** undici's `MockAgent`: what it answers is never recorded. */
  readonly MockAgent?: { readonly prototype: object };
}

/**
 * Makes reeltape record and replay the requests of an undici copy it cannot find by itself (one
 * loaded after the cassette opened, or bundled elsewhere). Idempotent. Copies loaded before a
 * cassette opens, and the global dispatcher's, are found without it.
 *
 * @example
 * import * as undici from 'undici';
 * import { interceptUndici } from 'reeltape';
 * interceptUndici(undici);
 */
export function interceptUndici(undici: UndiciModule): void {
  const base = dispatchBase(undici?.Client?.prototype ?? null);
  if (!base) throw new ReeltapeConfigError('interceptUndici(undici): expected the undici module (with its Client class), got something without a dispatcher Client');
  patch(base);
  followMockAgent(undici.MockAgent);
}

/**
 * Puts undici's own `dispatch` back (where reeltape's is still in place). Called with {@link uninstallInterception}.
 *
 * @example
 * releaseUndici();
 */
export function releaseUndici(): void {
  for (const [proto, original] of patched) {
    const target = proto as { dispatch: Dispatch };
    if (target.dispatch !== original) target.dispatch = original;
  }
  patched.clear();
}

/** Hands a decided request to undici (`original` dispatch), with `handler` tagged so inner dispatchers pass it on. */
function handOn(dispatcher: object, original: Dispatch, opts: DispatchOptions, handler: LegacyHandler): void {
  const tagged = Object.assign(forwardingHandler(handler), { [DECIDED]: true });
  handingOn.run(true, () => {
    try {
      original.call(dispatcher, opts, tagged);
    } catch (error) {
      handler.onError?.(error as Error);
    }
  });
}

async function decideAndCarryOut(scope: InterceptionScope, dispatcher: object, original: Dispatch, opts: DispatchOptions, handler: LegacyHandler): Promise<void> {
  let request: Request;
  let body: Uint8Array | null;
  try {
    ({ request, body } = await toFetchRequest(opts));
  } catch (error) {
    handler.onError?.(error as Error);
    return;
  }
  // the body was read here: undici sends these bytes
  const sent: DispatchOptions = { ...opts, body };
  let decision: RequestDecision;
  try {
    decision = await scope.decide(request, `undici-${++requests}`);
  } catch (error) {
    scope.fail(error);
    handler.onError?.(error as Error);
    return;
  }
  switch (decision.action) {
    case 'passthrough':
      return handOn(dispatcher, original, sent, handler);
    case 'record': {
      const capture = responseStream(handler, (response) => decision.onResponse(captureResponse(response, decision.spill)));
      return handOn(dispatcher, original, sent, capture);
    }
    case 'respond':
      return deliverToHandler(handler, decision.response);
    case 'error':
      handler.onError?.(
        Object.assign(new Error(`reeltape: ${printableRequest(request)} has no recorded response in this cassette (the CassetteMismatchError names the request and says why)`), {
          code: 'UND_ERR_REELTAPE_UNMATCHED',
        }),
      );
  }
}

/** The dispatch as a Fetch API `Request` (what `decide` takes), and its body's bytes (read once, sent as they are). */
async function toFetchRequest(opts: DispatchOptions): Promise<{ request: Request; body: Uint8Array | null }> {
  const url = new URL(opts.path ?? '/', String(opts.origin)).href;
  const method = (opts.method ?? 'GET').toUpperCase();
  const headers = toHeaders(opts.headers);
  const read = await readBody(opts.body);
  if (read?.contentType && !headers.has('content-type')) headers.set('content-type', read.contentType);
  const bytes = read?.bytes ?? null;
  const carriesBody = bytes !== null && method !== 'GET' && method !== 'HEAD';
  return { request: new Request(url, { method, headers, body: carriesBody ? (bytes as BodyInit) : null }), body: bytes };
}

/** undici's header forms: a flat `[name, value, …]` list, `[name, value]` pairs, or an object (array values repeat). */
function toHeaders(raw: unknown): Headers {
  const headers = new Headers();
  const add = (name: unknown, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) for (const v of value) headers.append(String(name), String(v));
    else headers.append(String(name), String(value));
  };
  if (Array.isArray(raw)) {
    if (raw.length > 0 && Array.isArray(raw[0])) for (const [name, value] of raw as unknown[][]) add(name, value);
    else for (let i = 0; i + 1 < raw.length; i += 2) add(raw[i], raw[i + 1]);
  } else if (raw && typeof raw === 'object') {
    const entries = Symbol.iterator in raw ? [...(raw as Iterable<[unknown, unknown]>)] : Object.entries(raw);
    for (const [name, value] of entries) add(name, value);
  }
  return headers;
}

/** A request body as bytes: string, bytes, Blob, FormData, a Node stream or any (async) iterable of chunks. */
async function readBody(body: unknown): Promise<{ bytes: Uint8Array; contentType?: string } | null> {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return { bytes: Buffer.from(body) };
  if (body instanceof Uint8Array) return { bytes: body };
  if (ArrayBuffer.isView(body)) return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  if (body instanceof Blob || body instanceof FormData || body instanceof URLSearchParams) {
    const response = new Response(body);
    return { bytes: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? undefined };
  }
  if (typeof body === 'object' && (Symbol.asyncIterator in body || Symbol.iterator in body)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    return { bytes: Buffer.concat(chunks) };
  }
  throw new TypeError(`reeltape: cannot read an undici request body of type ${Object.prototype.toString.call(body)}`);
}
