import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpillOptions } from './body-capture.js';
import type { ResponseCapture } from './capture-response.js';
import type { RecordedFailure } from '../cassette/index.js';

/** What to do with one intercepted request. */
export type RequestDecision =
  /** Let it go out untouched and do not record it (ignored hosts, `passthrough` mode). */
  | { readonly action: 'passthrough' }
  /**
   * Let it go out through the client's own transport and hand the response capture to
   * `onResponse`; with `spill`, a large response body streams to a temp side file.
   */
  | {
      readonly action: 'record';
      onResponse(capture: ResponseCapture): void;
      /** The request got no response (refused, reset, DNS, or the client gave up): recorded as a failure. */
      onFailure?(failure: RecordedFailure): void;
      readonly spill?: SpillOptions;
    }
  /** Answer with this response (replay). */
  | { readonly action: 'respond'; readonly response: Response }
  /** Answer with a network error (unmatched in replay). */
  | { readonly action: 'error' }
  /** Fail the request as it failed when recorded (replay of a recorded failure). */
  | { readonly action: 'fail'; readonly failure: RecordedFailure };

/**
 * The receiver of every request made inside one `withCassette` call. The interception layer
 * asks it for each request's fate; it never decides anything itself.
 */
export interface InterceptionScope {
  /** Decide the fate of a live request. `request` must be cloned before its body is read. */
  decide(request: Request, requestId: string): Promise<RequestDecision>;
  /** `decide` threw: remember the error (the request gets a network error). */
  fail(error: unknown): void;
  /**
   * Whether `decide` never answers from a cassette (it records or passes through every request):
   * the interception layer may then perform requests itself, without the interceptor (see `recordingFetch`).
   */
  readonly neverReplays?: boolean;
  /** Whether the code under test is done: a request now is late, and `decide` may refuse it. */
  readonly done?: boolean;
  /** Whether `decide` never lets a request go out unless its host is ignored (mode `replay`). */
  readonly replaysOnly?: boolean;
}

const storage = new AsyncLocalStorage<InterceptionScope>();

/**
 * Runs `fn` with `scope` as the receiver of every request it makes (including requests made by
 * async work it starts). Requests made outside any scope pass through untouched.
 *
 * @example
 * await runInScope(session, () => fetch('http://127.0.0.1:8080/json'));
 */
export function runInScope<T>(scope: InterceptionScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the code currently running, if any. */
export function currentScope(): InterceptionScope | undefined {
  return storage.getStore();
}
