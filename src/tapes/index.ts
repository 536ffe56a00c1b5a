/**
 * Function tapes: record and replay any function call (an SDK over gRPC, a queue, a database
 * driver) in the same cassette as the HTTP traffic. Knows nothing of MSW or a test framework.
 */
export { interceptInput, interceptOutput, interceptMethods, type InputOptions, type OutputOptions, type MethodTape } from './intercept.js';
export { builtinCodec, type TapeCodec } from './codec.js';
export { CallTape, currentTape, runInTape, type CallTapeOptions, type CallHit, type TapeMode } from './call-tape.js';
export { sanitizeCalls, redactCallSecrets, assertNoCallLeaks, liveCallPart } from './sanitize-calls.js';
