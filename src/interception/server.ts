import { syncBuiltinESMExports } from 'node:module';
// `msw/core/http` rather than `msw`: the main entry also loads the GraphQL handlers and with them
// the `graphql` package (~50 ms of import time reeltape never needs).
import { http } from 'msw/core/http';
import { setupServer, type SetupServer } from 'msw/node';
import type { SpillOptions } from './body-capture.js';
import { captureResponse, type ResponseCapture } from './capture-response.js';
import { currentScope } from './scope.js';

/**
 * The one MSW server of this process. MSW's interceptors are process-global (a second
 * `setupServer` silently takes over and closing it stops the first), so reeltape keeps exactly one,
 * with one catch-all handler that routes each request to the cassette of the code that made it
 * (see `scope.ts`). It listens while at least one cassette is open.
 */
let server: SetupServer | undefined;
let users = 0;
/** Captures waiting for their `response:bypass` event, by MSW request id. */
const awaitingResponse = new Map<string, { onResponse: (capture: ResponseCapture) => void; spill: SpillOptions | undefined }>();

/** Replayed bodies up to this size (with a known length) are small enough to leave undrained. */
const DRAIN_ABOVE = 64 * 1024;

let passthroughFn: Promise<() => Response> | undefined;
/**
 * MSW's public `passthrough()`, loaded on the first request that needs it (recording, ignored hosts,
 * `passthrough` mode): the `msw` main entry also loads the GraphQL handlers and the `graphql` package
 * (~50 ms of import time), which replay never needs.
 */
async function passthrough(): Promise<Response> {
  passthroughFn ??= import('msw').then((msw) => msw.passthrough);
  return (await passthroughFn)();
}

async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // the client went away: nothing to drain
  }
}

function createServer(): SetupServer {
  const created = setupServer(
    http.all('*', async ({ request, requestId }) => {
      const scope = currentScope();
      if (!scope) return undefined; // not inside withCassette: untouched
      try {
        const decision = await scope.decide(request, requestId);
        switch (decision.action) {
          case 'passthrough':
            return await passthrough();
          case 'record':
            awaitingResponse.set(requestId, { onResponse: decision.onResponse, spill: decision.spill });
            return await passthrough();
          case 'respond':
            return decision.response;
          case 'error':
            return Response.error();
        }
      } catch (error) {
        scope.fail(error);
        return Response.error();
      }
    }),
  );
  created.events.on('response:bypass', ({ response, requestId }) => {
    const waiting = awaitingResponse.get(requestId);
    if (!waiting) return;
    awaitingResponse.delete(requestId);
    waiting.onResponse(captureResponse(response, waiting.spill));
  });
  // The response handed to `response:mocked` listeners is a copy of the replayed one (fetch: a tee
  // branch; node:http: a stream fed from the mock socket). An unread copy buffers the whole body,
  // so a large (or unsized) replayed body is drained chunk by chunk and dropped. (Cancelling it
  // instead crashes Node 20's Readable.toWeb adapter on the node:http path.)
  created.events.on('response:mocked', ({ response }) => {
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (!response.body || length <= DRAIN_ABOVE) return;
    void drain(response.body);
  });
  return created;
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
  server ??= createServer();
  if (users === 0) {
    server.listen({ onUnhandledRequest: 'bypass' });
    syncBuiltinESMExports();
  }
  users += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    users -= 1;
    if (users === 0 && server) {
      server.close();
      syncBuiltinESMExports();
    }
  };
}

/**
 * Forgets a recorded request whose response never came (connection refused, reset): called by
 * the session when it closes, so nothing is kept after the cassette is done.
 */
export function forgetResponse(requestId: string): void {
  awaitingResponse.delete(requestId);
}

/** Whether interception is currently active (some cassette is open). For tests and diagnostics. */
export function isIntercepting(): boolean {
  return users > 0;
}
