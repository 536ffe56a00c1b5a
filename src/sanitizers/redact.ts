import type { JsonValue } from '../cassette/types.js';
import { rewriteJson } from './json-path.js';
import { isRedactionMarker, redactionMarker } from './markers.js';
import type { SanitizeContext } from './types.js';

/** Reports a redacted literal to the context (with its marker, when the context supports it). */
export function registerSecret(ctx: SanitizeContext, value: string, marker: string): void {
  if (value === '' || isRedactionMarker(value)) return;
  if (ctx.addRedaction) ctx.addRedaction(value, marker);
  else ctx.addSecret(value);
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9._~+-]*)(\s+)(\S[\s\S]*)$/;

/**
 * Redacts one header value. `Authorization`/`Proxy-Authorization` keep their scheme
 * (`Bearer [REDACTED:authorization]`); `Cookie` keeps cookie names (`sid=[REDACTED:cookie]`);
 * `Set-Cookie` keeps the cookie name and attributes (`sid=[REDACTED:set-cookie]; Path=/`); any other
 * header is replaced whole. The replaced literals are registered as secrets.
 */
export function redactHeaderValue(name: string, value: string, ctx: SanitizeContext, replacement?: string): string {
  const lower = name.toLowerCase();
  const marker = replacement ?? redactionMarker(lower);
  if (value === '' || value === marker) return value;
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const m = SCHEME_RE.exec(value);
    if (m && !isRedactionMarker(m[1] as string)) {
      const [, scheme, space, credentials] = m as unknown as [string, string, string, string];
      registerSecret(ctx, credentials, marker);
      if (scheme.toLowerCase() === 'basic') {
        const decoded = Buffer.from(credentials, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon !== -1) {
          registerSecret(ctx, decoded, marker);
          registerSecret(ctx, decoded.slice(colon + 1), marker);
        }
      }
      return `${scheme}${space}${marker}`;
    }
    registerSecret(ctx, value, marker);
    return marker;
  }
  if (lower === 'cookie') {
    return value
      .split(';')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq === -1) return pair;
        const v = pair.slice(eq + 1).trim();
        if (v === '' || v === marker) return pair;
        registerSecret(ctx, v, marker);
        return `${pair.slice(0, eq + 1)}${marker}`;
      })
      .join(';');
  }
  if (lower === 'set-cookie') {
    const semi = value.indexOf(';');
    const first = semi === -1 ? value : value.slice(0, semi);
    const rest = semi === -1 ? '' : value.slice(semi);
    const eq = first.indexOf('=');
    const v = eq === -1 ? first.trim() : first.slice(eq + 1).trim();
    if (v === '' || v === marker) return value;
    registerSecret(ctx, v, marker);
    return `${eq === -1 ? '' : first.slice(0, eq + 1)}${marker}${rest}`;
  }
  registerSecret(ctx, value, marker);
  return marker;
}

/**
 * Redacts a JSON value found under a secret name, keeping its type so the body stays what clients
 * expect: a string becomes the marker, a number `0`, a boolean `false`, `null` stays; an object or
 * array has each of its leaves redacted that way, in place. Originals (numbers as text) are registered as
 * secrets. A given `replacement` is used as-is for every leaf instead.
 */
export function redactJsonValue(value: JsonValue, name: string, ctx: SanitizeContext, replacement?: JsonValue): JsonValue {
  const marker = redactionMarker(name);
  if (value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = redactJsonValue(value[i] as JsonValue, name, ctx, replacement);
    return value; // same reference: changes show in the leaves
  }
  if (typeof value === 'object') {
    for (const k of Object.keys(value)) value[k] = redactJsonValue(value[k] as JsonValue, name, ctx, replacement);
    return value;
  }
  if (typeof value === 'string') {
    if (value === '' || isRedactionMarker(value) || (replacement !== undefined && value === replacement)) return value;
    registerSecret(ctx, value, marker);
    return replacement !== undefined ? replacement : marker;
  }
  if (typeof value === 'number') {
    registerSecret(ctx, String(value), marker);
    return replacement !== undefined ? replacement : 0;
  }
  return replacement !== undefined ? replacement : false;
}

/**
 * Redacts, in a JSON value, every value whose location `select` picks. `select` gets the path
 * (keys lower-cased, indexes as strings) and the original-case key (`undefined` for array
 * elements' own position) and returns the marker name to use, or `undefined` to go on.
 */
export function redactJsonWhere(
  root: JsonValue,
  select: (path: readonly string[], ownKey: string | undefined) => string | undefined,
  ctx: SanitizeContext,
  replacement?: JsonValue,
): { value: JsonValue; changed: boolean } {
  return rewriteJson(root, (value, path, key) => {
    const ownKey = key !== undefined && path[path.length - 1] === key.toLowerCase() ? key : undefined;
    const name = select(path, ownKey);
    if (name === undefined) return undefined;
    const before = value !== null && typeof value === 'object' ? JSON.stringify(value) : undefined;
    const next = redactJsonValue(value, name, ctx, replacement);
    const changed = before !== undefined ? JSON.stringify(next) !== before : !Object.is(next, value);
    return { replace: next, changed };
  });
}
