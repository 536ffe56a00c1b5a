/**
 * Living beside other users of the same interceptors (a test's own msw 2 server) and beside libraries
 * that patch the same globals on top of reeltape (msw 3): reeltape's listeners are called last, the
 * interceptors' global registration survives msw 2's quirks, and an interceptor reeltape stops using
 * while something still depends on it lingers until it can leave cleanly (decision 0006).
 */
import nodeHttp from 'node:http';
import nodeHttps from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { InterceptorReadyState, type HttpRequestEventMap, type Interceptor } from '@mswjs/interceptors';
import { afterSocketLayerStops } from './socket-source.js';

/** One of the interceptors reeltape drives (fetch, ClientRequest). */
export type HttpInterceptor = Interceptor<HttpRequestEventMap>;
/** Per {@link PATCHED} global, the values reeltape put there (the interceptor's and its own). */
export type InstalledValues = ReadonlyArray<ReadonlySet<unknown>>;

/** Marks reeltape's listeners (those of any copy of reeltape in the process: ESM and CommonJS). */
const REELTAPE_LISTENER = Symbol.for('reeltape.listener');
/**
 * Marks the listeners of this copy only. Another copy (`node -r reeltape/register` with an ESM app
 * loads the CommonJS and the ESM build) keeps its cassettes in its own AsyncLocalStorage, so to this
 * copy its listeners are foreign: a request may not skip the interceptor they listen on.
 */
const THIS_COPY = Symbol('reeltape.listener.this-copy');
/** Marks an interceptor whose listener order and global registration reeltape looks after. */
const TENDED = Symbol.for('reeltape.tended');

type Listener = ((...args: never[]) => unknown) & { [REELTAPE_LISTENER]?: true; [THIS_COPY]?: true };
/** What reeltape reads of the interceptors library's protected emitter (strict-event-emitter). */
interface TendedEmitter {
  listeners(event: string): Listener[];
  addListener(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  [TENDED]?: true;
}

function emitterOf(interceptor: HttpInterceptor): TendedEmitter | undefined {
  const emitter = (interceptor as unknown as { emitter?: TendedEmitter }).emitter;
  const usable = ['listeners', 'addListener', 'removeListener'].every((m) => typeof emitter?.[m as keyof TendedEmitter] === 'function');
  return usable ? emitter : undefined;
}

export function markReeltape<T extends (...args: never[]) => unknown>(listener: T): T {
  return Object.assign(listener, { [REELTAPE_LISTENER]: true as const, [THIS_COPY]: true as const });
}

/**
 * Whether the interceptor has one `request` listener (reeltape's, of this copy of reeltape) and no
 * `response` listener: nobody else could answer a request or expect to see its response.
 */
export function onlyOneListener(interceptor: HttpInterceptor): boolean {
  const emitter = emitterOf(interceptor);
  return emitter !== undefined && emitter.listeners('request').length === 1 && emitter.listeners('response').length === 0;
}

/** Listeners on an interceptor that are not this copy of reeltape's (a test's own MSW server, another copy). */
export function foreignListeners(interceptor: HttpInterceptor): number {
  return emitterOf(interceptor)?.listeners('request').filter((l) => !l[THIS_COPY]).length ?? 0;
}

/**
 * Interceptors reeltape applied and stopped using while something still depended on them: a test's
 * msw 2 server listening on them (disposed when its last listener leaves, {@link tend}), or msw 3
 * patched on top of them (disposed by {@link lingerUnder} once msw 3 has put them back on top).
 */
export const orphans = new Map<HttpInterceptor, Lingering | undefined>();
/** An interceptor waiting under msw 3's patches: `settle` disposes it once its functions are global again. */
export interface Lingering {
  settle(): void;
  release(): void;
  /** What reeltape had installed: msw 3 closing later puts these back, so they stay reeltape's own. */
  readonly installed: InstalledValues;
}

/**
 * Looks after one interceptor instance, whoever applied it:
 * - The interceptors call `request` listeners one by one in the order `emitter.listeners()` gives,
 *   and the first to answer wins. reeltape's come last in that list, so a test's own MSW handlers
 *   answer first whatever was started first, and what they answer is never recorded.
 * - An msw 2 server that added its listeners to reeltape's instance deletes the instance's global
 *   symbol when it closes (interceptors 0.41 does this for every instance), so the next
 *   `server.listen()` would patch `fetch` and `http` a second time on top of reeltape's: the symbol
 *   is put back while the instance is still applied.
 * - An instance reeltape stopped using while another listener still used it is disposed when that
 *   listener leaves, so that once both are closed the originals are back.
 * - msw 2 reuses its interceptor objects for every server, and one that once added its listeners to
 *   a running instance keeps adding them there for good (interceptors 0.41 replaces its `on`). Once
 *   that instance is disposed, listeners still sent to it go to the running instance of its kind.
 */
export function tend(interceptor: HttpInterceptor, symbol: symbol): void {
  const emitter = emitterOf(interceptor);
  if (!emitter || emitter[TENDED]) return;
  const listeners = emitter.listeners.bind(emitter);
  const addListener = emitter.addListener.bind(emitter);
  const removeListener = emitter.removeListener.bind(emitter);
  const globals = globalThis as Record<symbol, HttpInterceptor | undefined>;
  /** Where a listener sent to this instance belongs once it is disposed: the running one of its kind. */
  const successor = (): TendedEmitter | undefined => {
    if (interceptor.readyState !== InterceptorReadyState.DISPOSED) return undefined;
    const running = globals[symbol];
    return running && running !== interceptor ? emitterOf(running) : undefined;
  };
  Object.assign(emitter, {
    [TENDED]: true,
    listeners(event: string): Listener[] {
      const all = listeners(event);
      if (event !== 'request') return all;
      return [...all.filter((l) => !l[REELTAPE_LISTENER]), ...all.filter((l) => l[REELTAPE_LISTENER])];
    },
    addListener(event: string, listener: Listener): unknown {
      const next = successor();
      return next ? next.addListener(event, listener) : addListener(event, listener);
    },
    removeListener(event: string, listener: Listener): unknown {
      const next = successor();
      if (next) return next.removeListener(event, listener);
      const result = removeListener(event, listener);
      if (interceptor.readyState !== InterceptorReadyState.APPLIED) return result;
      if (globals[symbol] === undefined) globals[symbol] = interceptor;
      if (orphans.has(interceptor) && foreignListeners(interceptor) === 0) {
        orphans.delete(interceptor);
        interceptor.dispose();
        syncBuiltinESMExports();
      }
      return result;
    },
  });
}


/** The globals the interceptors patch, `fetch` first. */
export const PATCHED: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
  [globalThis as unknown as Record<string, unknown>, 'fetch'],
  [nodeHttp as unknown as Record<string, unknown>, 'request'],
  [nodeHttp as unknown as Record<string, unknown>, 'get'],
  [nodeHttp as unknown as Record<string, unknown>, 'ClientRequest'],
  [nodeHttps as unknown as Record<string, unknown>, 'request'],
  [nodeHttps as unknown as Record<string, unknown>, 'get'],
];
export const readPatched = (): unknown[] => PATCHED.map(([owner, key]) => owner[key]);
/** The patched globals as they were when this module loaded (before reeltape patched anything). */
export const ORIGINALS = readPatched();

/**
 * Something patched on top of this interceptor (msw 3, whose close puts back what it saw: this
 * interceptor's functions). Disposing it now would leave that to put back a dead layer; instead it
 * stays applied with one listener that disposes it on the first request that finds its functions
 * global again, so the originals come back. Returns the function that removes that listener.
 */
export function lingerUnder(interceptor: HttpInterceptor, patched: number[], installed: InstalledValues): Lingering {
  const settle = (): void => {
    const current = readPatched();
    if (!patched.every((i) => installed[i]!.has(current[i]))) return;
    stopWatching();
    orphans.delete(interceptor);
    interceptor.dispose();
    syncBuiltinESMExports();
  };
  const janitor = markReeltape(settle);
  interceptor.on('request', janitor);
  // msw 3 closing puts reeltape's functions back: settle then, not on the next request
  const unhook = afterSocketLayerStops(settle);
  const stopWatching = (): void => {
    unhook();
    interceptor.off('request', janitor);
  };
  return { settle, release: stopWatching, installed };
}

/** Requests that reach reeltape's own layers while it is not installed let lingering interceptors leave. */
export function settleOrphans(): void {
  for (const lingering of [...orphans.values()]) lingering?.settle();
}