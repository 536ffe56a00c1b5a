import type { Cassette } from '../cassette/types.js';
import { SecretLeakError, type LeakLocation } from '../errors/index.js';
import { isRedactionMarker } from './markers.js';
import { bytesToBase64, searchableSpellings, type SecretSpelling } from './secret-forms.js';
import { MIN_SECRET_LENGTH } from './secret-set.js';

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Appends a key to a JSON path: `a.b`, `a["x.y"]`, `a[0]`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * Visits every string of a value as it will appear in a cassette file, with its JSON path:
 * string values, object keys (the key's own path gets `{key}` appended), and `Uint8Array`s as the
 * base64 text they are stored as. `file` bodies are references (their side files are not read).
 */
export function visitStrings(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (value instanceof Uint8Array) visit(bytesToBase64(value), path);
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, joinPath(path, i), visit));
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const isFileBody = record.kind === 'file' && typeof record.sha256 === 'string';
    for (const key of Object.keys(record)) {
      if (isFileBody && key === 'path') continue;
      const here = joinPath(path, key);
      visit(key, `${here}{key}`);
      visitStrings(record[key], here, visit);
    }
  }
}

function spellingsOf(secrets: Iterable<string>): SecretSpelling[] {
  const all: SecretSpelling[] = [];
  const seen = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || isRedactionMarker(secret) || seen.has(secret)) continue;
    seen.add(secret);
    all.push(...searchableSpellings(secret));
  }
  return all;
}

/**
 * Finds every place where one of the given literal secrets is still present in a cassette, raw,
 * URL-encoded (`%XX` and `+` forms) or base64 (standard and URL-safe, at any byte alignment, so it
 * is found inside a longer base64 text such as a binary body). Secrets shorter than 6 characters
 * are not searched. Locations carry the interaction index (-1 for `meta`) and the JSON path,
 * never the value.
 *
 * @example
 * findLeaks(cassette, secrets.values()) // [{ interaction: 2, path: 'request.url', form: 'url-encoded' }]
 */
export function findLeaks(cassette: Cassette, secrets: Iterable<string>): LeakLocation[] {
  const spellings = spellingsOf(secrets);
  if (spellings.length === 0) return [];
  const leaks: LeakLocation[] = [];
  const check = (interaction: number) => (text: string, path: string) => {
    const forms = new Set<LeakLocation['form']>();
    for (const s of spellings) if (!forms.has(s.form) && text.includes(s.text)) forms.add(s.form);
    // a secret used as an object key is in the path too: the error must not print it
    if (forms.size > 0) for (const s of spellings) path = path.split(s.text).join('[secret]');
    for (const form of forms) leaks.push({ interaction, path, form });
  };
  visitStrings(cassette.meta, 'meta', check(-1));
  cassette.interactions.forEach((interaction, index) => {
    visitStrings(interaction.request, 'request', check(index));
    visitStrings(interaction.response, 'response', check(index));
  });
  return leaks;
}

/**
 * Refuses a cassette that still contains a known secret: throws a {@link SecretLeakError} naming
 * each interaction and JSON path (never the value). Call it on the final cassette right before
 * it is serialized and written.
 *
 * @throws SecretLeakError when {@link findLeaks} finds anything
 */
export function assertNoLeaks(cassette: Cassette, secrets: Iterable<string>, file: string): void {
  const leaks = findLeaks(cassette, secrets);
  if (leaks.length === 0) return;
  const shown = leaks.slice(0, 10).map((l) => `  - ${l.interaction < 0 ? 'meta' : `interaction ${l.interaction}`} at ${l.path} (${l.form})`);
  if (leaks.length > shown.length) shown.push(`  - … and ${leaks.length - shown.length} more`);
  throw new SecretLeakError(
    `Refusing to write cassette ${file}: a known secret is still present in ${leaks.length} place(s):\n${shown.join('\n')}\n` +
      'Nothing was written. Redact it before it is stored: name the header, parameter or field in defaultSanitizer({ extraHeaders, extraParams, extraFields }), ' +
      'or add headerSanitizer/queryParamSanitizer/bodyFieldSanitizer/regexSanitizer to the cassette\'s sanitizers.',
    file,
    leaks,
  );
}
