/**
 * A callback for the user's own msw server's unhandled-request option (msw 2 `onUnhandledRequest`,
 * msw 3 `onUnhandledFrame`): a request made inside a cassette is left to reeltape (it records or
 * replays it after msw's handlers had their turn), any other request gets the user's strategy. Without
 * it, `'error'` fails every request reeltape should record. Nothing is imported from msw: the two
 * callback shapes are told apart by their arguments.
 */
import { ReeltapeConfigError } from '../errors/index.js';
import { currentScope } from './scope.js';

/** What msw does with an unhandled request outside any cassette: msw's own strategies. */
export type UnhandledStrategy = 'bypass' | 'warn' | 'error';

/**
 * msw 2 calls `(request, print)`, msw 3 (and msw 2.15's compatibility layer) `({ frame, defaults })`.
 * Older msw 2's `print.error()` throws; newer ones' only print (returning a promise).
 */
interface Printers {
  warn(): void | Promise<void>;
  error(): void | Promise<void>;
}

function printersOf(first: unknown, second: unknown): Printers {
  if (typeof first === 'object' && first !== null && 'frame' in first && 'defaults' in first) return (first as { defaults: Printers }).defaults;
  const print = second as { warning(): void | Promise<void>; error(): void | Promise<void> };
  return { warn: () => print.warning(), error: () => print.error() };
}

/**
 * A callback for msw's `onUnhandledRequest` (msw 2) or `onUnhandledFrame` (msw 3) that leaves requests
 * made inside a cassette to reeltape and applies `strategy` to every other unhandled request.
 *
 * @example
 * import { setupServer } from 'msw/node';
 * import { outsideCassettes } from 'reeltape';
 * const server = setupServer(...handlers);
 * server.listen({ onUnhandledRequest: outsideCassettes('error') }); // msw 3: onUnhandledFrame
 */
export function outsideCassettes(strategy: UnhandledStrategy = 'warn'): (...args: unknown[]) => void | Promise<void> {
  if (strategy !== 'bypass' && strategy !== 'warn' && strategy !== 'error') {
    throw new ReeltapeConfigError(`outsideCassettes(strategy): expected "bypass", "warn" or "error", got ${JSON.stringify(strategy)}`);
  }
  return function onUnhandled(first: unknown, second?: unknown): void | Promise<void> {
    if (currentScope() || strategy === 'bypass') return; // inside a cassette: reeltape decides next
    const print = printersOf(first, second);
    if (strategy === 'warn') return print.warn();
    // an older msw 2 throws here, synchronously (it ignores a returned promise); newer ones fail the
    // request when the callback rejects with a Response (`Response.error()`: a network error, as 'error' gives)
    const printed = print.error();
    return Promise.resolve(printed).then(() => Promise.reject(Response.error()));
  };
}
