/**
 * reeltape: record and replay HTTP in tests, on MSW.
 * @packageDocumentation
 */
export * from './errors/index.js';
export * from './cassette/index.js';
export * from './matching/index.js';
export * from './sanitizers/index.js';
export * from './session/index.js';
export * from './snapshots/index.js';
export * from './scaffold/index.js';
export * from './audit/index.js';
export * from './secrets/index.js';
export * from './store/index.js';
export { installInterception, uninstallInterception } from './interception/index.js';
export { interceptInput, interceptOutput, interceptMethods, builtinCodec, type InputOptions, type OutputOptions, type MethodTape, type TapeCodec } from './tapes/index.js';
export { interceptUndici, type UndiciModule } from './interception/index.js';
export { outsideCassettes, type UnhandledStrategy } from './interception/index.js';
