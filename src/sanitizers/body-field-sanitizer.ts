import type { JsonValue } from '../cassette/types.js';
import { parsePath, pathMatches, type PathPattern } from './json-path.js';
import { editJsonBody, type Message } from './message.js';
import { validateNames } from './names.js';
import { redactJsonWhere } from './redact.js';
import type { SanitizeContext, Sanitizer } from './types.js';

/** Redacts JSON body values at the given paths (JSON bodies and JSON text bodies). */
export function redactBodyPaths(message: Message, patterns: readonly PathPattern[], ctx: SanitizeContext, replacement?: JsonValue): void {
  editJsonBody(message, (value) =>
    redactJsonWhere(
      value,
      (path, ownKey) => {
        if (path.length === 0 || !patterns.some((p) => pathMatches(p, path))) return undefined;
        return ownKey ?? lastKey(path);
      },
      ctx,
      replacement,
    ),
  );
}

function lastKey(path: readonly string[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (!/^\d+$/.test(path[i] as string)) return path[i] as string;
  return 'field';
}

/**
 * Redacts values at dotted paths in JSON request and response bodies: `data.user.email`, `*` for
 * one key or array index (`items.*.token`), `**` for any depth (`**.password`). Keys compare
 * case-insensitively and whole. A string becomes `[REDACTED:<field>]`, a number `0`, a boolean
 * `false` (the body stays valid, typed JSON); objects and arrays at a path have each leaf redacted.
 * A given `replacement` is used as-is instead.
 *
 * @example
 * bodyFieldSanitizer(['data.user.email', 'items.*.ssn', '**.password'])
 */
export function bodyFieldSanitizer(paths: readonly string[], replacement?: JsonValue): Sanitizer {
  const patterns = validateNames('bodyFieldSanitizer', 'paths', paths).map(parsePath);
  return {
    name: `bodyFieldSanitizer(${paths.join(', ')})`,
    request(request, ctx) {
      redactBodyPaths(request, patterns, ctx, replacement);
    },
    response(response, ctx) {
      redactBodyPaths(response, patterns, ctx, replacement);
    },
  };
}
