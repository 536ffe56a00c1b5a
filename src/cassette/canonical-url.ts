/**
 * Cheap checks on URL strings that avoid building a WHATWG `URL` for the common case (loading a
 * cassette checks every URL; undici's `request.url` is already canonical). Both are
 * conservative: a `false` only means "ask `URL`".
 */

/** `http(s)://` + lower-case host name (last label starts with a letter, no punycode) or dotted-quad IPv4, optional port. */
const AUTHORITY =
  /^(https?):\/\/(?:(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*|(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))(?::([1-9]\d{0,4}))?(?=[/?#]|$)/;
/**
 * A path the WHATWG serializer leaves as it is, up to the end of the URL: segments of characters it
 * does not percent-encode (`%` only before two hex digits), none of them `.` or `..` (also spelled
 * `%2e`), which it resolves. Sticky: tested from where the authority ends, without slicing the path out.
 */
const CANONICAL_PATH = /(?:\/(?!(?:\.|%2[eE]){1,2}(?:\/|$))(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+$/y;

interface Authority {
  length: number;
  /** Whether `href` keeps the authority as it is (no default port: `http` `:80`, `https` `:443`). */
  canonical: boolean;
}

function authorityLength(url: string): Authority | undefined {
  const m = AUTHORITY.exec(url);
  if (!m || m[0].includes('xn--')) return undefined;
  const port = m[2];
  if (port !== undefined && Number(port) > 65535) return undefined;
  const canonical = port === undefined || (m[1] === 'http' ? port !== '80' : port !== '443');
  return { length: m[0].length, canonical };
}

/**
 * Whether `new URL(url)` succeeds, decided without parsing when the scheme and authority are plain
 * (`http(s)://host[:port]` followed by `/`, `?`, `#` or the end); otherwise `new URL` decides. (Paths,
 * queries and fragments never make a URL unparsable.) Not `URL.canParse`: on Node 20.20 it keeps state
 * between calls and can answer `false` for an internationalized host that `new URL` parses (found by the
 * property test in `test/cassette/canonical-url.test.ts`).
 *
 * @example
 * canParseUrl('http://127.0.0.1:9/items/1') // true, no URL object built
 */
export function canParseUrl(url: string): boolean {
  return authorityLength(url) !== undefined || parses(url);
}

function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `url` is an absolute http(s) URL without query, fragment or credentials that is already
 * exactly what `new URL(url).href` gives (lower-case host, no default port, no dot segments,
 * nothing to percent-encode). For such a URL, normalizing is the identity.
 *
 * @example
 * isCanonicalPlainUrl('https://api.test/users/1') // true
 * isCanonicalPlainUrl('https://API.test:443/users/../1') // false (ask URL)
 */
export function isCanonicalPlainUrl(url: string): boolean {
  const authority = authorityLength(url);
  if (authority === undefined || !authority.canonical) return false;
  CANONICAL_PATH.lastIndex = authority.length;
  return CANONICAL_PATH.test(url);
}
