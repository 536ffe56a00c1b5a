import { createHash } from 'node:crypto';

/** The header line carrying the hash of the generated body. */
export const HASH_MARKER = '// reeltape-scaffold-hash: ';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Prepends the generated-file header to `body`: what generated it, how to regenerate, and the SHA-256 of
 * `body`, so a later run can tell whether a user edited the file.
 */
export function withGeneratedHeader(body: string, notice: readonly string[]): string {
  return `${notice.map((line) => `// ${line}`).join('\n')}\n${HASH_MARKER}${sha256(body)}\n${body}`;
}

/**
 * Whether a generated file still is what the scaffolder wrote: `pristine` when the hash in its header matches
 * its body, `edited` when it does not, `foreign` when it has no header (a file the scaffolder did not write).
 */
export function generatedFileState(text: string): 'pristine' | 'edited' | 'foreign' {
  const at = text.indexOf(HASH_MARKER);
  if (at < 0) return 'foreign';
  const lineEnd = text.indexOf('\n', at);
  if (lineEnd < 0) return 'edited';
  const recorded = text.slice(at + HASH_MARKER.length, lineEnd).trim();
  return recorded === sha256(text.slice(lineEnd + 1)) ? 'pristine' : 'edited';
}
