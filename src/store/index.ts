/**
 * Cassette stores: where `withCassette` keeps cassettes. `jsonStore()` (the default, reeltape's
 * JSON with side files) and `harStore()` (HAR 1.2). Both pass `test/store/contract.ts`.
 */
export type { CassetteStore, StoreSaveOptions } from './types.js';
export { jsonStore } from './json-store.js';
export { harStore, parseHar, serializeHar, DEFAULT_HAR_MAX_INLINE_BYTES, type HarStoreOptions } from './har-store.js';
export { cassetteToHar, type CassetteToHarOptions } from './har-write.js';
export { harToCassette } from './har-read.js';
export type { Har, HarEntry } from './har-types.js';
