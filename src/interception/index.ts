/**
 * Interception: the one MSW server per process, routing each request to the cassette of the code
 * that made it (AsyncLocalStorage), capturing passed-through responses, and building replayed ones.
 * Used by `session/`; not part of the public API.
 */
export { acquireInterception, forgetResponse, isIntercepting } from './server.js';
export { runInScope, currentScope, type InterceptionScope, type RequestDecision } from './scope.js';
export { captureResponse, type ResponseCapture } from './capture-response.js';
export { recordRequest, recordResponse, toFetchResponse } from './exchange.js';
export { decodeBody, encodeBody, parseContentEncoding } from './compression.js';
