import type { HeaderMap } from './types.js';

/**
 * Builds a {@link HeaderMap} from entries without ever touching `Object.prototype`
 * (a header literally named `__proto__` stays an own property).
 */
export function headerMapFromEntries(entries: Iterable<readonly [string, string | string[]]>): HeaderMap {
  const map: HeaderMap = {};
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    const existing = Object.hasOwn(map, name) ? map[name] : undefined;
    let next: string | string[];
    if (existing === undefined) next = Array.isArray(value) ? [...value] : value;
    else next = [...(Array.isArray(existing) ? existing : [existing]), ...(Array.isArray(value) ? value : [value])];
    // a plain assignment is much cheaper; only `__proto__` needs defineProperty to stay an own property
    if (name === '__proto__') Object.defineProperty(map, name, { value: next, enumerable: true, writable: true, configurable: true });
    else map[name] = next;
  }
  return map;
}

/**
 * Reads a header case-insensitively. A repeated header (array) is joined with `, `.
 *
 * @example
 * getHeader({ 'content-type': 'application/json' }, 'Content-Type') // 'application/json'
 */
export function getHeader(headers: HeaderMap, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

/**
 * Sets a header (name lower-cased), replacing any existing value under any casing of the name.
 *
 * @example
 * setHeader(headers, 'Content-Length', String(bytes.length))
 */
export function setHeader(headers: HeaderMap, name: string, value: string | string[]): void {
  deleteHeader(headers, name);
  Object.defineProperty(headers, name.toLowerCase(), {
    value: Array.isArray(value) ? [...value] : value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Removes a header under any casing of its name. Returns whether something was removed. */
export function deleteHeader(headers: HeaderMap, name: string): boolean {
  const wanted = name.toLowerCase();
  let removed = false;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) {
      delete headers[key];
      removed = true;
    }
  }
  return removed;
}

/**
 * Converts Fetch API `Headers` to a {@link HeaderMap}, keeping every `Set-Cookie`
 * (via `getSetCookie()`; plain iteration would merge or drop them).
 *
 * @example
 * const map = headersFromFetch(response.headers) // { 'set-cookie': ['a=1', 'b=2'], … }
 */
export function headersFromFetch(headers: Headers): HeaderMap {
  const map: HeaderMap = {};
  let merge = false;
  for (const [name, value] of headers) {
    // Fetch Headers iterate lower-case names once each (set-cookie aside); anything else takes the general path
    if (name === 'set-cookie' || name === '__proto__' || Object.hasOwn(map, name) || name !== name.toLowerCase()) {
      merge = true;
      break;
    }
    map[name] = value;
  }
  const cookies = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  if (!merge) {
    if (cookies.length === 1) map['set-cookie'] = cookies[0] as string;
    else if (cookies.length > 1) map['set-cookie'] = cookies;
    return map;
  }
  const entries: Array<[string, string | string[]]> = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'set-cookie') continue;
    entries.push([name, value]);
  }
  if (cookies.length === 1) entries.push(['set-cookie', cookies[0] as string]);
  else if (cookies.length > 1) entries.push(['set-cookie', cookies]);
  return headerMapFromEntries(entries);
}

/**
 * Flattens a {@link HeaderMap} into `[name, value]` pairs; a repeated header becomes several pairs.
 * Suitable for `new Headers(pairs)` (which keeps each `Set-Cookie`).
 */
export function headersToPairs(headers: HeaderMap): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) pairs.push([name, v]);
    else pairs.push([name, value]);
  }
  return pairs;
}

/** Returns a copy of the headers with names sorted (code-unit order), for stable output. */
export function sortHeaders(headers: HeaderMap): HeaderMap {
  const names = Object.keys(headers).sort();
  return headerMapFromEntries(names.map((n) => [n, headers[n] as string | string[]]));
}

/**
 * The headers with names sorted, for serialization only: the object itself when its names are
 * already lower-case and sorted (the usual case for stored headers), else a sorted copy. Do not mutate the result.
 */
export function sortedHeadersForOutput(headers: HeaderMap): HeaderMap {
  let previous: string | undefined;
  let sorted = true;
  for (const name in headers) {
    if ((previous !== undefined && previous >= name) || name === '__proto__' || name !== name.toLowerCase()) {
      sorted = false;
      break;
    }
    previous = name;
  }
  if (sorted) return headers;
  const names = Object.keys(headers).sort();
  return headerMapFromEntries(names.map((n) => [n, headers[n] as string | string[]]));
}
