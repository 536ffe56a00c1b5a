/**
 * A deep copy of plain data — plain objects, arrays, primitives, `Uint8Array`s — equal to what
 * `structuredClone` gives for it, without its serialize-and-deserialize round trip (several times
 * slower for the small object graphs of recorded interactions, and paid for every interaction a
 * sanitizer sees). Accessors are read, as `structuredClone` reads them; an own `__proto__` key stays
 * an own key. Anything else (a `Date`, a `Map`, a class instance, a function) is handed to
 * `structuredClone`, which copies it or throws its `DataCloneError`.
 *
 * @example
 * const copy = clonePlain(interaction) // hooks may mutate `copy`; `interaction` is untouched
 */
export function clonePlain<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  if (value === null) return null;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i]);
    return out;
  }
  // a Buffer comes back as a plain Uint8Array, as from structuredClone
  if (value instanceof Uint8Array) return new Uint8Array(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const copy = cloneValue(source[key]);
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, writable: true, enumerable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}
