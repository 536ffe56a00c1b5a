/**
 * Interception: MSW's interceptors (`@mswjs/interceptors`) applied once per process, routing each request to the cassette of the code
 * that made it (AsyncLocalStorage), capturing passed-through responses (large bodies streamed to
 * temp side files), and building replayed ones. Used by `session/`; not part of the public API.
 */
export { ensureInterception, installInterception, uninstallInterception, forgetResponse, isIntercepting } from './server.js';
export { runInScope, currentScope, type InterceptionScope, type RequestDecision } from './scope.js';
export { captureResponse, type ResponseCapture } from './capture-response.js';
export { BodyCapture, captureStream, type CapturedBody, type ChunkRedactor, type SpillOptions } from './body-capture.js';
export { recordRequest, requestHead, recordResponse, toFetchResponse, prepareResponses, prepareResponsesInBackground } from './exchange.js';
export { decodeBody, encodeBody, parseContentEncoding, createDecoder, createEncoder, looksEncoded } from './compression.js';
export { bodyAbandoned, expectsContinue } from './continue.js';
export { interceptUndici, type UndiciModule } from './undici.js';
export { replayChunks, type ReplayTiming } from './stream-replay.js';
export { outsideCassettes, type UnhandledStrategy } from './msw-unhandled.js';
export { printableRequest } from './printable.js';
