import type { JsonValue } from '../cassette/types.js';

/**
 * A parsed field path: dotted segments, `*` for exactly one key or array index, `**` for any
 * number of segments (including none). Keys compare case-insensitively; a numeric segment also
 * matches that array index. `items[0].id` is accepted as `items.0.id`.
 */
export type PathPattern = readonly string[];

/**
 * Parses a dotted path such as `data.user.email`, `items.*.token` or `**.password`.
 *
 * @example
 * parsePath('data.items[*].email') // ['data', 'items', '*', 'email']
 */
export function parsePath(path: string): PathPattern {
  return path
    .replace(/\[(\*|\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (s === '*' || s === '**' ? s : s.toLowerCase()));
}

/** Whether a concrete path (keys lower-cased, array indexes as strings) matches a pattern. */
export function pathMatches(pattern: PathPattern, path: readonly string[], p = 0, q = 0): boolean {
  while (p < pattern.length) {
    const seg = pattern[p] as string;
    if (seg === '**') {
      for (let k = q; k <= path.length; k++) if (pathMatches(pattern, path, p + 1, k)) return true;
      return false;
    }
    if (q >= path.length) return false;
    if (seg !== '*' && seg !== path[q]) return false;
    p++;
    q++;
  }
  return q === path.length;
}

/** What a {@link rewriteJson} visitor decides for one value. */
export type JsonVisit = { replace: JsonValue; changed?: boolean } | 'skip' | undefined;

/**
 * Walks a JSON value depth-first (in place). The visitor sees each value with its path (keys
 * lower-cased, indexes as strings) and the original-case key; it may return `{ replace }` to swap
 * the value (its children are then not visited; `changed` says whether that is a change when the
 * replacement was edited in place), `'skip'` to leave the subtree alone, or
 * `undefined` to go on. Returns the (possibly replaced) root and whether anything changed.
 */
export function rewriteJson(
  root: JsonValue,
  visit: (value: JsonValue, path: readonly string[], key: string | undefined) => JsonVisit,
): { value: JsonValue; changed: boolean } {
  let changed = false;
  const walk = (value: JsonValue, path: string[], key: string | undefined): JsonValue => {
    const decision = visit(value, path, key);
    if (decision === 'skip') return value;
    if (decision !== undefined) {
      if (decision.changed ?? !Object.is(decision.replace, value)) changed = true;
      return decision.replace;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const next = walk(value[i] as JsonValue, [...path, String(i)], key);
        if (next !== value[i]) value[i] = next;
      }
    } else if (value !== null && typeof value === 'object') {
      for (const k of Object.keys(value)) {
        const child = value[k] as JsonValue;
        const next = walk(child, [...path, k.toLowerCase()], k);
        if (next !== child) value[k] = next;
      }
    }
    return value;
  };
  const value = walk(root, [], undefined);
  return { value, changed };
}

/** Maps every string value (not keys) of a JSON value through `fn`, in place. */
export function mapJsonStrings(root: JsonValue, fn: (s: string) => string): { value: JsonValue; changed: boolean } {
  return rewriteJson(root, (value) => {
    if (typeof value !== 'string') return undefined;
    const next = fn(value);
    return next === value ? 'skip' : { replace: next };
  });
}
