/**
 * Sanitizers: rewrite what is stored in a cassette (never what the code under test sees), and the
 * pre-write leak scan. Knows nothing of MSW or a test framework.
 */
export * from './types.js';
export { chain } from './chain.js';
export { SecretSet, MIN_SECRET_LENGTH } from './secret-set.js';
export { redactionMarker, isRedactionMarker } from './markers.js';
export { sanitizeInteraction, sanitizeLiveRequest, sanitizeMeta, redactKnownSecrets, type SanitizeInteractionContext } from './sanitize.js';
export { defaultSanitizer, defaultSecretRules, DEFAULT_SECRET_HEADERS, type DefaultSanitizerOptions } from './default-sanitizer.js';
export { headerSanitizer } from './header-sanitizer.js';
export { queryParamSanitizer } from './query-param-sanitizer.js';
export { bodyFieldSanitizer } from './body-field-sanitizer.js';
export { regexSanitizer } from './regex-sanitizer.js';
export { configSecretsSanitizer, collectConfigSecrets, maskConfigSecrets, type ConfigSecretsOptions } from './config-secrets-sanitizer.js';
export { fakerSanitizer, fakeValue, type FakeKind, type FakeFunction, type FakerRules, type FakerSanitizerOptions } from './faker-sanitizer.js';
export { findLeaks, assertNoLeaks } from './leaks.js';
export { searchableSpellings, replaceableSpellings, jsonEscapedForms, hexForms, SECRET_FORMS, type SecretForm, type SecretSpelling } from './secret-forms.js';
export { literalReplacer, type LiteralSecret } from './literal-replacer.js';
export { StreamRedactor } from './stream-redactor.js';
