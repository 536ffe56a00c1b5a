/**
 * Shannon entropy of a string, in bits per character.
 *
 * @example
 * shannonEntropy('aaaa') // 0
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** Shortest value the entropy rule considers random. */
export const RANDOM_MIN_LENGTH = 16;
/** Entropy (bits per character) from which a value counts as random. */
export const RANDOM_MIN_ENTROPY = 3.2;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a value looks like random key material: at least 16 characters, no whitespace, letters
 * and digits, high entropy, and not a UUID, URL, path (absolute, or relative to a file) or date (those are ids and addresses).
 *
 * @example
 * looksRandom('2f1c0e9a-7b7d-4a55-9d87-0c3b7d1e5f21') // false (a UUID)
 */
export function looksRandom(value: string): boolean {
  if (value.length < RANDOM_MIN_LENGTH || /\s/.test(value) || UUID.test(value)) return false;
  if (value.includes('://') || value.startsWith('/') || /^\d{4}-\d\d-\d\d/.test(value)) return false;
  // a relative path to a file (an S3 object key `2024/01/9c1f-beach.jpg`): base64 has no `.`
  if (/\/[^/]*\.[A-Za-z0-9]{1,5}$/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return shannonEntropy(value) >= RANDOM_MIN_ENTROPY;
}
