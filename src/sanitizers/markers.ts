/** Prefix of every redaction marker reeltape writes. */
const MARKER_PREFIX = '[REDACTED';

/** Matches a whole redaction marker such as `[REDACTED:authorization]` or `[REDACTED:#password]`. */
const MARKER_RE = /^\[REDACTED(?::[^\]\s]*)?\]$/;

/**
 * The stable, readable marker that replaces a redacted value: `[REDACTED:<name>]`, with the name
 * lower-cased (a header, query-parameter or field name; `#key` for config secrets).
 *
 * @example
 * redactionMarker('Authorization') // '[REDACTED:authorization]'
 */
export function redactionMarker(name: string): string {
  return `${MARKER_PREFIX}:${name.toLowerCase()}]`;
}

/**
 * Whether a string is exactly a reeltape redaction marker (so it is never redacted again,
 * registered as a secret, or reported by the audit).
 *
 * @example
 * isRedactionMarker('[REDACTED:token]') // true
 */
export function isRedactionMarker(value: string): boolean {
  return value.startsWith(MARKER_PREFIX) && MARKER_RE.test(value);
}
