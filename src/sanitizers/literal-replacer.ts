import { redactionMarker } from './markers.js';
import { replaceableSpellings } from './secret-forms.js';

/** A literal secret and the marker that replaces it. */
export interface LiteralSecret {
  /** The literal value. */
  readonly value: string;
  /** Its replacement (defaults to `[REDACTED:secret]`). */
  readonly marker?: string | undefined;
}

/**
 * Builds a function replacing every raw, URL-encoded, JSON-escaped, hex and base64 spelling of the given literals in
 * a string with their markers (longest spelling first). Returns the input unchanged (same string)
 * when nothing was found.
 *
 * @example
 * const replace = literalReplacer([{ value: 's3cr3t-value', marker: '[REDACTED:#password]' }]);
 * replace('/a/s3cr3t-value/b') // '/a/[REDACTED:#password]/b'
 */
export function literalReplacer(secrets: Iterable<LiteralSecret>): (text: string) => string {
  const pairs: Array<{ text: string; marker: string }> = [];
  for (const secret of secrets) {
    const marker = secret.marker ?? redactionMarker('secret');
    for (const spelling of replaceableSpellings(secret.value)) pairs.push({ text: spelling.text, marker });
  }
  pairs.sort((a, b) => b.text.length - a.text.length);
  if (pairs.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const { text: needle, marker } of pairs) {
      if (out.includes(needle)) out = out.split(needle).join(marker);
    }
    return out;
  };
}
