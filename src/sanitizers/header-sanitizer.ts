import type { HeaderMap } from '../cassette/types.js';
import { NameSet, validateNames } from './names.js';
import { redactHeaderValue } from './redact.js';
import type { SanitizeContext, Sanitizer } from './types.js';

/** Redacts, in place, every header `select` picks (each value of a repeated header). */
export function redactHeaders(headers: HeaderMap, select: (name: string) => boolean, ctx: SanitizeContext, replacement?: string): void {
  for (const name of Object.keys(headers)) {
    if (!select(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map((v) => redactHeaderValue(name, v, ctx, replacement)) : redactHeaderValue(name, value, ctx, replacement);
  }
}

/**
 * Redacts the named request and response headers (exact names, case-insensitive). Values become
 * `[REDACTED:<header>]`, or `replacement`; `Authorization` keeps its scheme, `Cookie`/`Set-Cookie`
 * keep cookie names and attributes. Every other header is kept as it came.
 *
 * @example
 * headerSanitizer(['x-tenant-secret', 'x-session'])
 */
export function headerSanitizer(names: readonly string[], replacement?: string): Sanitizer {
  const set = new NameSet(validateNames('headerSanitizer', 'names', names));
  const select = (name: string): boolean => set.has(name);
  return {
    name: `headerSanitizer(${set.values().join(', ')})`,
    request(request, ctx) {
      redactHeaders(request.headers, select, ctx, replacement);
    },
    response(response, ctx) {
      redactHeaders(response.headers, select, ctx, replacement);
    },
  };
}
