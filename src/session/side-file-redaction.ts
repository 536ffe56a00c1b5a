import type { RecordedRequest } from '../cassette/types.js';
import type { ChunkRedactor } from '../interception/index.js';
import { sanitizeInteraction, SecretSet, StreamRedactor, type Sanitizer } from '../sanitizers/index.js';
import type { SecretRules } from '../secrets/index.js';

/**
 * The redactor factory for large bodies streamed to side files: the default sanitizer's rules (`rules()`
 * gives `undefined` when it is off) and the literal secrets known when the body starts, namely the sanitizer's own
 * (`#` config values) and, for a response, those its request carries (a bearer token the server
 * echoes). Secrets learned only later are caught by the pre-write side-file scan.
 *
 * @example
 * const spill = { threshold, cassetteFile, redactor: sideFileRedactor(sanitizer, () => defaultSecretRules(), request) };
 */
export function sideFileRedactor(sanitizer: Sanitizer, rules: () => SecretRules | undefined, request?: RecordedRequest): () => ChunkRedactor {
  return () => {
    const secrets = new SecretSet(sanitizer.secrets ?? []);
    if (request && sanitizer.request) {
      // only the request hooks run: response hooks are the real sanitizing's business
      const requestOnly: Sanitizer = { name: sanitizer.name, request: sanitizer.request.bind(sanitizer) };
      try {
        sanitizeInteraction(requestOnly, { request, response: { status: 200, statusText: '', headers: {}, body: null } }, { cassette: '', index: -1, secrets });
      } catch {
        // a throwing hook is reported when the interaction itself is sanitized
      }
    }
    return new StreamRedactor(rules(), secrets.values().map((value) => ({ value, marker: secrets.markerFor(value) })));
  };
}
