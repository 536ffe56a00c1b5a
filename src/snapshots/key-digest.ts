/**
 * Per-key row digests in snapshots (option `keys`): one 48-bit digest per key, so validation can name the keys
 * whose rows changed, appeared or disappeared without the expected file.
 */
import { DuplicateKeyError } from '../errors/index.js';
import { openCsv } from './csv-rows.js';
import { digest48, encodeDigests, encodeRow, rowHash128 } from './row-hash.js';
import type { KeyedDigests, KeyedRowChanges } from './types.js';

/** Files with more data rows than this keep no per-key digests (the snapshot would grow by ~20 bytes a row). */
export const MAX_KEYED_ROWS = 100_000;
/** At most this many keys of each kind are listed. */
const MAX_KEYS_LISTED = 20;

/**
 * Reads `file` and digests each row (ignored columns removed, canonical encoding as in `row-hash.ts`) under its
 * key. Returns `undefined` when the file has more than {@link MAX_KEYED_ROWS} rows or lacks a key column.
 * Throws {@link DuplicateKeyError} naming the file and key when a key repeats.
 */
export async function digestKeyedRows(
  file: string,
  keys: readonly string[],
  settings: { delimiter: string; ignoreColumns: readonly string[] },
): Promise<KeyedDigests | undefined> {
  const csv = openCsv(file, settings.delimiter);
  try {
    const head = await csv.header();
    const keyIdx = keys.map((k) => head.indexOf(k));
    if (keyIdx.some((i) => i === -1)) return undefined;
    const ignored = new Set(settings.ignoreColumns);
    const keep = head.flatMap((c, i) => (ignored.has(c) ? [] : [i]));
    const rows: Record<string, string> = Object.create(null) as Record<string, string>;
    const firstRow = new Map<string, number>();
    const lanes = new Uint32Array(4);
    let count = 0;
    for await (const batch of csv.rows()) {
      for (const [row, fields] of batch) {
        if (++count > MAX_KEYED_ROWS) return undefined;
        const key = keyText(keyIdx.map((i) => fields[i] ?? ''));
        const seen = firstRow.get(key);
        if (seen !== undefined) {
          const shown = Object.fromEntries(keys.map((k, j) => [k, fields[keyIdx[j]!] ?? '']));
          throw new DuplicateKeyError(
            `${file}: duplicate key ${Object.entries(shown).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')} (data rows ${seen} and ${row}); per-key digests need unique keys. Fix \`keys\` (add a column that makes rows unique) or drop it.`,
            file,
            shown,
            [seen, row],
          );
        }
        firstRow.set(key, row);
        const bytes = Buffer.from(encodeRow(keep.map((i) => fields[i] ?? ''), settings.delimiter));
        rowHash128(bytes, 0, bytes.length, lanes);
        rows[key] = encodeDigests([digest48(lanes)]);
      }
    }
    return { keys: [...keys], rows: { ...rows } };
  } finally {
    await csv.close();
  }
}

/** The text a key is stored under: the value of a single key column, or the JSON array of several. */
function keyText(values: string[]): string {
  return values.length === 1 ? values[0]! : JSON.stringify(values);
}

/** The key columns and values of a stored key text. */
export function keyRecord(keys: readonly string[], text: string): Record<string, string> {
  if (keys.length === 1) return { [keys[0]!]: text };
  const values = JSON.parse(text) as string[];
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
}

/** Compares the per-key digests of the expected (`before`) and the new file. */
export function keyedChanges(before: KeyedDigests, after: KeyedDigests): KeyedRowChanges {
  const out: KeyedRowChanges = { keys: [...after.keys], counts: { added: 0, removed: 0, changed: 0 }, added: [], removed: [], changed: [] };
  const list = (kind: 'added' | 'removed' | 'changed', key: string): void => {
    if (out.counts[kind]++ < MAX_KEYS_LISTED) out[kind].push(keyRecord(after.keys, key));
  };
  for (const [key, digest] of Object.entries(after.rows)) {
    const old = before.rows[key];
    if (old === undefined) list('added', key);
    else if (old !== digest) list('changed', key);
  }
  for (const key of Object.keys(before.rows)) if (after.rows[key] === undefined) list('removed', key);
  return out;
}

/** Shape check of a `keyed` entry read from a snapshot file. */
export function isKeyedDigests(v: unknown): v is KeyedDigests {
  if (v === null || typeof v !== 'object') return false;
  const k = v as Partial<KeyedDigests>;
  return (
    Array.isArray(k.keys) &&
    k.keys.every((x) => typeof x === 'string') &&
    k.rows !== null &&
    typeof k.rows === 'object' &&
    Object.values(k.rows).every((x) => typeof x === 'string')
  );
}
