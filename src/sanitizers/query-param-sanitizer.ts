import { isRedactionMarker, redactionMarker } from './markers.js';
import { editFormBody, isRequest, mapHeaderValues, type Message } from './message.js';
import { NameSet, validateNames } from './names.js';
import { rewriteParams, rewriteUrlParams, type ParamDecision } from './params.js';
import { registerSecret } from './redact.js';
import type { SanitizeContext, Sanitizer } from './types.js';

/** A {@link ParamDecision} redacting the parameters in `names`, registering their values. */
export function paramRedactor(names: NameSet, ctx: SanitizeContext, replacement?: string): ParamDecision {
  return (name, value) => {
    if (!names.has(name) || isRedactionMarker(value)) return undefined;
    const marker = replacement ?? redactionMarker(name);
    if (value === marker) return undefined;
    registerSecret(ctx, value, marker);
    return marker;
  };
}

/**
 * Redacts the named parameters in a message: the URL query (requests), `Location` and
 * `Content-Location` header URLs (responses), and `application/x-www-form-urlencoded` bodies.
 * Everything else in the URL or body stays byte-identical.
 */
export function redactParams(message: Message, names: NameSet, ctx: SanitizeContext, replacement?: string): void {
  const decide = paramRedactor(names, ctx, replacement);
  if (isRequest(message)) {
    const url = rewriteUrlParams(message.url, decide);
    if (url !== message.url) message.url = url;
  } else {
    mapHeaderValues(message.headers, (value, header) => (header === 'location' || header === 'content-location' ? rewriteUrlParams(value, decide) : value));
  }
  editFormBody(message, (text) => rewriteParams(text, decide));
}

/**
 * Redacts the named query parameters (exact names, case-insensitive: `token` never touches
 * `page_token`) in request URLs, redirect `Location` URLs and form-urlencoded bodies. Values become
 * `[REDACTED:<param>]`, or `replacement`; other parameters are not re-encoded.
 *
 * @example
 * queryParamSanitizer(['session', 'sig'])
 */
export function queryParamSanitizer(names: readonly string[], replacement?: string): Sanitizer {
  const set = new NameSet(validateNames('queryParamSanitizer', 'names', names));
  return {
    name: `queryParamSanitizer(${set.values().join(', ')})`,
    request(request, ctx) {
      redactParams(request, set, ctx, replacement);
    },
    response(response, ctx) {
      redactParams(response, set, ctx, replacement);
    },
  };
}
