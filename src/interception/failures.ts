/**
 * Recorded failures at the interception layer: noticing, while recording, that a request got no
 * response (and whether the network failed it or its client gave up), and failing it the same way
 * on replay (see `cassette/failure.ts` for the stored form).
 */
import { getRawRequest } from '@mswjs/interceptors';
import { errorFromRecord, recordError, type RecordedFailure } from '../cassette/index.js';

/** The parts of a `node:http` `IncomingMessage` used here. */
export interface RawResponse {
  once(event: 'error', listener: (error: unknown) => void): unknown;
  destroy(error?: Error): unknown;
  /** Whether the whole message arrived (`IncomingMessage#complete`). */
  complete?: boolean;
}

/** The parts of a `node:http` `ClientRequest` used here. */
export interface RawRequest {
  once(event: 'error', listener: (error: unknown) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  once(event: 'response', listener: (response: RawResponse) => void): unknown;
  prependOnceListener(event: 'error', listener: (error: unknown) => void): unknown;
  destroy(error?: Error): unknown;
  destroyed?: boolean;
}

function rawRequest(request: Request): RawRequest | undefined {
  const raw = getRawRequest(request) as Partial<RawRequest> | undefined;
  return raw && typeof raw.prependOnceListener === 'function' && typeof raw.destroy === 'function' ? (raw as RawRequest) : undefined;
}

/**
 * What a fetch rejection records: `aborted` when the client's signal fired, else the network
 * error (fetch's `TypeError: fetch failed` is a wrapper: its `cause` is recorded, and replay wraps
 * it again, so a `node:http` client replaying it gets the same error as its own).
 *
 * @example
 * decision.onFailure?.(fetchFailure(error, request.signal.aborted));
 */
export function fetchFailure(error: unknown, aborted: boolean): RecordedFailure {
  if (aborted) return { aborted: true };
  const cause = error instanceof TypeError && error.cause instanceof Error ? error.cause : error;
  return { error: recordError(cause) };
}

/**
 * Watches a `node:http` request that goes out to be recorded: an `error` is handed to `onFailure` —
 * as `aborted` when the client destroyed the request itself (its timeout, an abort), else as the
 * network error. After a response arrived, an error of the response (a reset mid-body) is handed
 * over too: the session makes it the end of the response's stream.
 *
 * @example
 * watchHttpFailure(request, (failure) => decision.onFailure?.(failure));
 */
export function watchHttpFailure(request: Request, onFailure: (failure: RecordedFailure) => void): void {
  const raw = rawRequest(request);
  if (raw) watchClientRequestFailure(raw, onFailure);
}

/**
 * {@link watchHttpFailure} on the `ClientRequest` itself (reeltape's direct `node:http` recording,
 * `record-http.ts`, which has no interceptor's `Request`).
 *
 * @example
 * watchClientRequestFailure(req, (failure) => decision.onFailure?.(failure));
 */
export function watchClientRequestFailure(raw: RawRequest, onFailure: (failure: RecordedFailure) => void): void {
  let byClient = false;
  const destroy = raw.destroy;
  // the client's own `destroy` (got's and axios's timeouts, an AbortSignal) marks a failure as its doing
  raw.destroy = function (this: RawRequest, error?: Error) {
    byClient = true;
    return destroy.call(this, error);
  };
  // first in line: a client's own error listener may destroy the request before others run
  raw.prependOnceListener('error', (error) => onFailure(byClient ? { aborted: true } : { error: recordError(error) }));
  raw.once('response', (response) => {
    watchClientCancel(response, () => (byClient = true));
    response.once('error', (error) => onFailure(byClient ? { aborted: true } : { error: recordError(error) }));
  });
  raw.once('close', () => {
    if (byClient) onFailure({ aborted: true });
  });
}

/**
 * Calls `onCancel` when the client destroys a `node:http` response before its end (it stopped
 * reading an endless stream): its own doing, not a network error. Node destroys a response itself on
 * a reset (always with an error) and after its end (autoDestroy, `complete`): neither is a cancel.
 *
 * @example
 * watchClientCancel(res, () => (cancelled = true));
 */
export function watchClientCancel(response: RawResponse, onCancel: () => void): void {
  const destroy = response.destroy;
  response.destroy = function (this: RawResponse, error?: Error) {
    if (error === undefined && this.complete !== true) onCancel();
    return destroy.call(this, error);
  };
}

/** Resolves when the client gives a request up: its signal aborts, or (`node:http`) it is destroyed. */
function clientGivesUp(request: Request): Promise<void> {
  return new Promise<void>((resolve) => {
    if (request.signal.aborted) return resolve();
    request.signal.addEventListener('abort', () => resolve(), { once: true });
    const raw = rawRequest(request);
    if (raw?.destroyed) return resolve();
    raw?.once('close', () => resolve());
  });
}

/** A controller a recorded failure is replayed on. */
export interface Failable {
  pending(): boolean;
  errorWith(error: Error): void;
  respondWith(response: Response): void;
}

/**
 * Replays a recorded failure. A network error fails the request with the same error: for fetch
 * `TypeError: fetch failed` with the recorded error as `cause`, for `node:http` the recorded error
 * itself (`error` event, same `code`). An `aborted` request is never answered, so the client's
 * own timeout or abort fires again and the client sees its own error; then it is settled quietly.
 *
 * @example
 * await replayFailure(request, failure, true, { pending, errorWith: (e) => controller.errorWith(e) });
 */
export async function replayFailure(request: Request, failure: RecordedFailure, fromFetch: boolean, controller: Failable): Promise<void> {
  if ('aborted' in failure) {
    // the live request held the process open while it waited (its socket); so does its replay
    const hold = setInterval(() => undefined, 60_000);
    await clientGivesUp(request).finally(() => clearInterval(hold));
    // settled without a word to the client (it is gone): a destroyed socket ignores it, a rejected fetch too
    if (controller.pending()) controller.respondWith(Response.error());
    return;
  }
  const error = errorFromRecord(failure.error);
  controller.errorWith(fromFetch ? new TypeError('fetch failed', { cause: error }) : error);
}
