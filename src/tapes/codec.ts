import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';

/**
 * Turns the values a function tape stores (arguments, results, errors) into JSON and back.
 * `encode` must be deterministic: input keys are compared in their encoded form.
 */
export interface TapeCodec {
  /** A value as JSON for the cassette. */
  encode(value: unknown): JsonValue;
  /** A stored value back as the code under test expects it. */
  decode(json: JsonValue): unknown;
}

/** Single-key objects the built-in codec writes for values plain JSON cannot hold. */
const TAGS = ['$date', '$bigint', '$buffer', '$bytes', '$map', '$set', '$undefined', '$number', '$error', '$object'] as const;

function isTag(key: string): boolean {
  return (TAGS as readonly string[]).includes(key);
}

/** Own fields of an error that are not worth storing (the stack names the recording machine's paths). */
const ERROR_SKIP = new Set(['stack', 'message', 'name']);

function fail(path: string, what: string): never {
  throw new ReeltapeConfigError(
    `A function tape cannot store ${what} at ${path}: the built-in codec holds JSON, Date, Buffer/Uint8Array, BigInt, Map, Set, ` +
      'undefined, NaN/Infinity and errors. Pass a `codec` option (or a `key` that leaves it out).',
  );
}

function encodeAt(value: unknown, path: string, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $number: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'function':
    case 'symbol':
      return fail(path, `a ${typeof value}`);
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) fail(path, 'a circular reference');
  seen.add(object);
  try {
    return encodeObject(object, path, seen);
  } finally {
    seen.delete(object);
  }
}

function encodeObject(value: object, path: string, seen: Set<object>): JsonValue {
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() };
  if (Buffer.isBuffer(value)) return { $buffer: value.toString('base64') };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map((v, i) => encodeAt(v, `${path}[${i}]`, seen));
  if (value instanceof Map) return { $map: [...value].map(([k, v], i) => [encodeAt(k, `${path}.$map[${i}][0]`, seen), encodeAt(v, `${path}.$map[${i}][1]`, seen)]) };
  if (value instanceof Set) return { $set: [...value].map((v, i) => encodeAt(v, `${path}.$set[${i}]`, seen)) };
  if (value instanceof Error) return { $error: encodeError(value, path, seen) };
  const out: { [key: string]: JsonValue } = {};
  for (const [key, v] of Object.entries(value)) out[key] = encodeAt(v, `${path}.${key}`, seen);
  const keys = Object.keys(out);
  // a plain object that looks like a tag is wrapped, so it decodes as itself
  return keys.length === 1 && isTag(keys[0] as string) ? { $object: out } : out;
}

function encodeError(error: Error, path: string, seen: Set<object>): JsonValue {
  const out: { [key: string]: JsonValue } = { class: error.constructor?.name || 'Error', name: error.name, message: error.message };
  const fields: { [key: string]: JsonValue } = {};
  for (const [key, v] of Object.entries(error)) {
    // fields a driver leaves unset (`detail: undefined`) carry nothing
    if (ERROR_SKIP.has(key) || v === undefined) continue;
    fields[key] = encodeAt(v, `${path}.$error.${key}`, seen);
  }
  if (Object.keys(fields).length > 0) out.fields = fields;
  return out;
}

/** Error classes the decoder rebuilds as themselves; any other class name gets an `Error` subclass of that name. */
const GLOBAL_ERRORS: Record<string, ErrorConstructor> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

function errorClass(name: string): ErrorConstructor {
  const known = GLOBAL_ERRORS[name];
  if (known) return known;
  // a class whose constructor.name is the recorded one, so logs and `error.constructor.name` read the same
  const made = { [name]: class extends Error {} }[name];
  return (made ?? Error) as ErrorConstructor;
}

function decodeError(json: JsonValue): Error {
  const e = (json ?? {}) as { [key: string]: JsonValue };
  const Class = errorClass(typeof e.class === 'string' ? e.class : 'Error');
  const error = new Class(typeof e.message === 'string' ? e.message : '');
  if (typeof e.name === 'string' && e.name !== error.name) error.name = e.name;
  const fields = e.fields;
  if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
    for (const [key, v] of Object.entries(fields)) (error as unknown as Record<string, unknown>)[key] = decodeValue(v);
  }
  return error;
}

function decodeValue(json: JsonValue): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decodeValue);
  const keys = Object.keys(json);
  if (keys.length === 1) {
    const tag = keys[0] as string;
    const v = json[tag] as JsonValue;
    switch (tag) {
      case '$date':
        return new Date(v === 'Invalid Date' ? Number.NaN : String(v));
      case '$bigint':
        return BigInt(String(v));
      case '$buffer':
        return Buffer.from(String(v), 'base64');
      case '$bytes':
        return new Uint8Array(Buffer.from(String(v), 'base64'));
      case '$map':
        return new Map((v as JsonValue[][]).map(([k, x]) => [decodeValue(k as JsonValue), decodeValue(x as JsonValue)]));
      case '$set':
        return new Set((v as JsonValue[]).map(decodeValue));
      case '$undefined':
        return undefined;
      case '$number':
        return v === '-0' ? -0 : Number(v);
      case '$error':
        return decodeError(v);
      case '$object':
        return Object.fromEntries(Object.entries(v as { [key: string]: JsonValue }).map(([k, x]) => [k, decodeValue(x)]));
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = decodeValue(json[key] as JsonValue);
  return out;
}

/**
 * The built-in codec: plain JSON as is; `Date`, `Buffer`, `Uint8Array`, `BigInt`, `Map`, `Set`,
 * `undefined`, `NaN`/`±Infinity`/`-0` and errors (class name, name, message, own fields such as
 * `code`) as readable single-key objects. Other class instances keep their own enumerable fields
 * (not their class). Functions, symbols and cycles are refused with a {@link ReeltapeConfigError}.
 *
 * @example
 * builtinCodec.encode({ at: new Date(0), n: 10n }) // { at: { $date: '1970-01-01T00:00:00.000Z' }, n: { $bigint: '10' } }
 * builtinCodec.decode({ $set: [1, 2] })            // Set { 1, 2 }
 */
export const builtinCodec: TapeCodec = {
  encode: (value) => encodeAt(value, '$', new Set()),
  decode: decodeValue,
};
