import type { RecordedFailure } from '../cassette/index.js';
import type { InterceptionScope, RequestDecision } from './scope.js';

/** A request's controller, as either interceptor generation (0.41's and msw 3's 0.45) gives it. */
export interface Answerable {
  /** Nobody has answered the request yet. */
  pending(): boolean;
  respondWith(response: Response): void;
  /** Fails the request as a recorded failure says (without it: a network error). */
  fail?(failure: RecordedFailure): Promise<void>;
}

/**
 * Asks the scope for a request's fate and carries it out on its controller: `passthrough` leaves it
 * alone, `record` goes to `onRecord`, `respond` answers with the replayed response (after `prepare`),
 * `error` answers with a network error. If deciding or recording throws, the scope keeps the error and
 * the client gets a network error. Used by both the interceptors' listener and msw 3's socket source.
 *
 * @example
 * await answer(scope, request, requestId, { pending: () => true, respondWith }, (d) => awaiting.set(id, d));
 */
export async function answer(
  scope: InterceptionScope,
  request: Request,
  requestId: string,
  controller: Answerable,
  onRecord: (decision: Extract<RequestDecision, { action: 'record' }>) => void | Promise<void>,
  prepare?: (response: Response) => void,
): Promise<void> {
  try {
    const decision = await scope.decide(request, requestId);
    if (!controller.pending()) return;
    switch (decision.action) {
      case 'passthrough':
        return;
      case 'record':
        return await onRecord(decision);
      case 'respond':
        prepare?.(decision.response);
        controller.respondWith(decision.response);
        return;
      case 'fail':
        if (controller.fail) await controller.fail(decision.failure);
        else controller.respondWith(Response.error());
        return;
      case 'error':
        // a network error for the client, as MSW's `HttpResponse.error()` gives
        controller.respondWith(Response.error());
        return;
    }
  } catch (error) {
    scope.fail(error);
    if (controller.pending()) controller.respondWith(Response.error());
  }
}
