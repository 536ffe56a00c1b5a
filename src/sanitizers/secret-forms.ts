/** In which form a literal secret appears. */
export type SecretForm = 'raw' | 'url-encoded' | 'base64' | 'hex' | 'json-escaped';

/** Every {@link SecretForm}, in the order reports list them. */
export const SECRET_FORMS: readonly SecretForm[] = ['raw', 'url-encoded', 'base64', 'hex', 'json-escaped'];

/** One searchable spelling of a secret. */
export interface SecretSpelling {
  /** The text to look for. */
  readonly text: string;
  /** Which form it is. */
  readonly form: SecretForm;
}

/** Shortest base64 fragment searched for a secret embedded at an unaligned offset in a longer base64 text. */
const MIN_BASE64_CORE = 8;

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function urlSafe(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_');
}

/** URL-encoded spellings: `encodeURIComponent`, and the form-encoding variant with `+` for spaces. */
export function urlEncodedForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const form = new URLSearchParams([['', value]]).toString().slice(1);
  return [...new Set([component, form])].filter((s) => s !== value);
}

/**
 * JSON-escaped spellings (a value echoed inside a JSON string that is itself text): as
 * `JSON.stringify` writes it, with `/` as `\/`, and with every character other than letters and
 * digits as `\u00xx` (lower- and upper-case hex).
 *
 * @example
 * jsonEscapedForms('a/b') // ['a\\/b', 'a\\u002fb', 'a\\u002Fb']
 */
export function jsonEscapedForms(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const escape = (hex: (code: string) => string) => [...value].map((ch) => (/^[A-Za-z0-9]$/.test(ch) || ch.length > 1 ? ch : `\\u${hex(ch.charCodeAt(0).toString(16).padStart(4, '0'))}`)).join('');
  const lower = escape((h) => h);
  const upper = escape((h) => h.toUpperCase());
  return [...new Set([plain, plain.replace(/\//g, '\\/'), lower, upper])].filter((s) => s !== value);
}

/**
 * Hex spellings of the value's UTF-8 bytes (lower and upper case).
 *
 * @example
 * hexForms('a/') // ['612f', '612F']
 */
export function hexForms(value: string): string[] {
  const hex = Buffer.from(value, 'utf8').toString('hex');
  return [hex, hex.toUpperCase()];
}

/**
 * The spellings of a secret that are replaced where found: raw, URL-encoded, JSON-escaped, hex,
 * and base64 of the value itself (standard and URL-safe, with and without padding). Longest
 * first, so a longer spelling is replaced before a shorter one it contains.
 */
export function replaceableSpellings(value: string): SecretSpelling[] {
  const spellings: SecretSpelling[] = [{ text: value, form: 'raw' }];
  for (const text of urlEncodedForms(value)) spellings.push({ text, form: 'url-encoded' });
  for (const text of jsonEscapedForms(value)) spellings.push({ text, form: 'json-escaped' });
  for (const text of hexForms(value)) if (text !== value) spellings.push({ text, form: 'hex' });
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  for (const text of new Set([b64, b64.replace(/=+$/, ''), urlSafe(b64), urlSafe(b64).replace(/=+$/, '')])) {
    if (text !== value) spellings.push({ text, form: 'base64' });
  }
  return dedupe(spellings).sort((a, b) => b.text.length - a.text.length);
}

/**
 * Every spelling the leak scan looks for: the replaceable ones plus the base64 "cores" of the value
 * at each of the three byte alignments, which find it inside a longer base64 text (a binary body
 * stored as base64, `user:secret` in a Basic credential).
 */
export function searchableSpellings(value: string): SecretSpelling[] {
  const spellings = replaceableSpellings(value);
  const bytes = Buffer.from(value, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = toBase64(padded).replace(/=+$/, '');
    const head = shift === 0 ? 0 : shift + 1;
    const tail = padded.length % 3 === 0 ? 0 : 1;
    const core = encoded.slice(head, encoded.length - tail);
    if (core.length >= MIN_BASE64_CORE) {
      spellings.push({ text: core, form: 'base64' });
      spellings.push({ text: urlSafe(core), form: 'base64' });
    }
  }
  return dedupe(spellings);
}

function dedupe(spellings: SecretSpelling[]): SecretSpelling[] {
  const seen = new Set<string>();
  return spellings.filter((s) => (seen.has(s.text) ? false : (seen.add(s.text), true)));
}

/** Base64 of bytes, as the cassette file stores binary bodies. */
export function bytesToBase64(bytes: Uint8Array): string {
  return toBase64(bytes);
}
