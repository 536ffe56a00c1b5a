import { isCompactFormat } from './body-codec.js';
import type { Body, Cassette, CassetteMeta, HeaderMap, Interaction, JsonFormat } from './types.js';

/**
 * Structural "would these serialize to the same cassette file?" checks, without serializing.
 * Each answers `true`, `false`, or `undefined` when a value is outside plain JSON data (a class
 * instance, `undefined`, a non-finite number, headers not stored lower-case…), where only
 * serializing both sides decides.
 */
type Verdict = boolean | undefined;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** JSON equality as `JSON.stringify` would print it; `ordered`: object key order matters (else keys are compared as sets, at every depth). */
function sameJson(a: unknown, b: unknown, ordered: boolean): Verdict {
  if (typeof a === 'number' || typeof b === 'number') {
    if (typeof a !== 'number' || typeof b !== 'number') return (isSimple(a) || isPlainOrArray(a)) && (isSimple(b) || isPlainOrArray(b)) ? false : undefined;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
    return a === b;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    if (!isSimple(a) || !isSimple(b)) return undefined;
    return a === b;
  }
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return isPlainOrArray(a) && isPlainOrArray(b) ? false : undefined;
  if (arrayA) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const same = sameJson(x[i], y[i], ordered);
      if (same !== true) return same;
    }
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return undefined;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keysA = Object.keys(x);
  const keysB = Object.keys(y);
  if (keysA.length !== keysB.length) return undefined; // an `undefined` value would be dropped: let serializing decide
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i] as string;
    if (ordered ? keysB[i] !== key : !Object.hasOwn(y, key)) return undefined;
    const same = sameJson(x[key], y[key], ordered);
    if (same !== true) return same;
  }
  return true;
}

function isSimple(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function isPlainOrArray(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (Array.isArray(value) || isPlainObject(value));
}

/** Headers as stored (lower-case names, string or string-array values), compared as sorted maps. */
function sameHeaders(a: HeaderMap, b: HeaderMap): Verdict {
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return undefined;
  for (const name of keysA) {
    if (name !== name.toLowerCase() || !Object.hasOwn(b, name)) return undefined;
    const x = a[name];
    const y = b[name];
    if (typeof x === 'string' && typeof y === 'string') {
      if (x !== y) return false;
      continue;
    }
    if (!Array.isArray(x) || !Array.isArray(y)) return undefined;
    const same = sameJson(x, y, true);
    if (same !== true) return same;
  }
  return true;
}

function formatKey(format: JsonFormat | undefined): string {
  if (isCompactFormat(format) || !format) return '';
  return `${JSON.stringify(format.indent)}|${format.trailingNewline ? 1 : 0}`;
}

/**
 * Whether two bodies are certainly stored (and replayed) identically, compared structurally: `true`
 * only then; `false` or `undefined` mean "not shown equal" (compare their bytes to be sure).
 *
 * @example
 * sameBody({ kind: 'json', value: { a: 1 } }, { kind: 'json', value: { a: 1 } }) // true
 */
export function sameBody(a: Body | null, b: Body | null): boolean | undefined {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'json': {
      const other = b as Extract<Body, { kind: 'json' }>;
      if (formatKey(a.format) !== formatKey(other.format)) return false;
      return sameJson(a.value, other.value, true);
    }
    case 'text':
      return a.value === (b as Extract<Body, { kind: 'text' }>).value;
    case 'binary': {
      const y = (b as Extract<Body, { kind: 'binary' }>).value;
      return a.value.byteLength === y.byteLength && Buffer.compare(a.value, y) === 0;
    }
    case 'file': {
      const y = b as Extract<Body, { kind: 'file' }>;
      return a.sha256 === y.sha256 && a.size === y.size;
    }
  }
}

function sameInteraction(a: Interaction, b: Interaction): Verdict {
  const { request: p, response: r } = a;
  const { request: q, response: s } = b;
  const scalars = [p.method, q.method, p.url, q.url, r.statusText, s.statusText];
  if (scalars.some((v) => typeof v !== 'string') || typeof r.status !== 'number' || typeof s.status !== 'number') return undefined;
  if (p.method !== q.method || p.url !== q.url || r.status !== s.status || r.statusText !== s.statusText) return false;
  return all(sameHeaders(p.headers, q.headers), () => sameBody(p.body, q.body), () => sameHeaders(r.headers, s.headers), () => sameBody(r.body, s.body));
}

function all(first: Verdict, ...rest: Array<() => Verdict>): Verdict {
  let unsure = first === undefined;
  if (first === false) return false;
  for (const next of rest) {
    const v = next();
    if (v === false) return false;
    if (v === undefined) unsure = true;
  }
  return unsure ? undefined : true;
}

/** Meta as serialized, ignoring `reeltape`, `node` and `recordedAt`. */
function sameMeta(a: CassetteMeta, b: CassetteMeta): Verdict {
  if (!a.error !== !b.error) return false;
  if (a.error && b.error && (a.error.name !== b.error.name || a.error.message !== b.error.message)) return false;
  if (!a.extra !== !b.extra) return false;
  return a.extra && b.extra ? sameJson(a.extra, b.extra, false) : true;
}

/**
 * Whether two cassettes (with large bodies already turned into comparable `file` bodies) serialize
 * identically apart from `meta.reeltape`, `meta.node` and `meta.recordedAt`; `undefined` when
 * only serializing can tell. Stops at the first difference.
 */
export function sameCassetteContent(a: Cassette, b: Cassette): Verdict {
  if (a.version !== b.version || a.interactions.length !== b.interactions.length) return false;
  let unsure = false;
  for (let i = 0; i < a.interactions.length; i++) {
    const same = sameInteraction(a.interactions[i] as Interaction, b.interactions[i] as Interaction);
    if (same === false) return false;
    if (same === undefined) unsure = true;
  }
  const meta = sameMeta(a.meta, b.meta);
  if (meta === false) return false;
  return unsure || meta === undefined ? undefined : true;
}
