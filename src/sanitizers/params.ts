/**
 * Decides, for one `name=value` parameter (name and value decoded), whether to replace its value:
 * return the new (already URL-safe) value text, or `undefined` to keep the parameter byte-identical.
 */
export type ParamDecision = (name: string, value: string) => string | undefined;

function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Rewrites the values of chosen parameters in a `a=1&b=2` string (a URL query or a form body),
 * keeping every other byte as it was (untouched parameters are never re-encoded).
 *
 * @example
 * rewriteParams('page_token=x&token=abc', (n) => (n === 'token' ? 'R' : undefined)) // 'page_token=x&token=R'
 */
export function rewriteParams(query: string, decide: ParamDecision): string {
  let changed = false;
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0) return part;
    const rawValue = part.slice(eq + 1);
    if (rawValue === '') return part;
    const next = decide(decodeParam(part.slice(0, eq)), decodeParam(rawValue));
    if (next === undefined || next === rawValue) return part;
    changed = true;
    return `${part.slice(0, eq)}=${next}`;
  });
  return changed ? parts.join('&') : query;
}

/**
 * Applies {@link rewriteParams} to the query of a URL; path, fragment and untouched parameters
 * stay byte-identical. Returns the same string when nothing changed.
 */
export function rewriteUrlParams(url: string, decide: ParamDecision): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : url.slice(hashAt);
  const q = beforeHash.indexOf('?');
  if (q === -1) return url;
  const query = beforeHash.slice(q + 1);
  const next = rewriteParams(query, decide);
  return next === query ? url : `${beforeHash.slice(0, q + 1)}${next}${hash}`;
}
