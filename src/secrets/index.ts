/**
 * The secrets rules engine: value shapes, credential names and entropy, shared by the default
 * sanitizer (what recording redacts) and `reeltape audit` (what it flags). Knows nothing of MSW,
 * a test framework or the cassette format.
 */
export { SecretRules, CREDENTIAL_NAME_RULE, CREDENTIAL_ENTROPY_RULE, type SecretMatch, type SecretRulesOptions } from './engine.js';
export { SHAPE_RULES, type ShapeRule } from './shapes.js';
export { classifyName, nameWords, normalizeName, SECRET_LAST_WORDS, SECRET_NAMES, RANDOM_ONLY_NAMES, NON_SECRET_NAMES, type NameClass, type NameLists } from './names.js';
export { shannonEntropy, looksRandom, RANDOM_MIN_LENGTH, RANDOM_MIN_ENTROPY } from './entropy.js';
export { expandExample } from './examples.js';
