/**
 * Matching: request normalization, identity keys, the interaction index, and "closest candidate"
 * explanations for unmatched requests. Knows nothing of MSW or a test framework.
 */
export type { MatchOptions } from './options.js';
export { requestKey, normalizeUrl, removeJsonPaths } from './request-key.js';
export { InteractionIndex, type InteractionIndexOptions, type MatcherVerdict } from './interaction-index.js';
