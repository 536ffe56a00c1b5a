/**
 * The `calls` section of a cassette (function tapes): written in a fixed key order, validated with
 * the JSON path of the first problem. Knows nothing of how calls are made or replayed.
 */
import type { JsonValue, RecordedCall } from './types.js';

const CALL_KEYS = ['alias', 'kind', 'key', 'args', 'result', 'error', 'sync'] as const;

/**
 * One call as written to the file: `alias, kind, key|args, result|error`; absent fields are left out.
 *
 * @example
 * callToJson({ alias: 'crm.get', kind: 'input', key: [7], result: { id: 7 } }) // same object, fixed key order
 */
export function callToJson(call: RecordedCall): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const key of CALL_KEYS) {
    const value = call[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Reports a problem at a JSON path (`calls[2].kind`) and does not return. */
export type FailAt = (path: string, message: string) => never;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Validates a parsed `calls` section; `fail` throws (the cassette validator's descriptive
 * `CassetteFormatError`, naming file and path).
 *
 * @example
 * const calls = parseCalls(root.calls, (path, message) => { throw new Error(`${path}: ${message}`) });
 */
export function parseCalls(value: unknown, fail: FailAt, maxDepth: (v: unknown) => boolean): RecordedCall[] {
  if (!Array.isArray(value)) return fail('calls', `expected an array, got ${describe(value)}`);
  return value.map((raw: unknown, i) => {
    const path = `calls[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(path, `expected an object { alias, kind, … }, got ${describe(raw)}`);
    const obj = raw as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!(CALL_KEYS as readonly string[]).includes(key)) fail(`${path}.${key}`, `unknown field ${JSON.stringify(key)} (allowed: ${CALL_KEYS.join(', ')})`);
    }
    if (typeof obj.alias !== 'string' || obj.alias === '') fail(`${path}.alias`, `expected a non-empty string, got ${describe(obj.alias)}`);
    if (obj.kind !== 'input' && obj.kind !== 'output') fail(`${path}.kind`, `expected "input" or "output", got ${describe(obj.kind)}`);
    const needs = obj.kind === 'input' ? 'key' : 'args';
    const not = obj.kind === 'input' ? 'args' : 'key';
    if (obj[needs] === undefined) fail(`${path}.${needs}`, `required field is missing (a ${String(obj.kind)} call stores its ${needs})`);
    if (obj[not] !== undefined) fail(`${path}.${not}`, `not allowed in a ${String(obj.kind)} call`);
    if (obj.kind === 'output' && !Array.isArray(obj.args)) fail(`${path}.args`, `expected an array of arguments, got ${describe(obj.args)}`);
    if (obj.result !== undefined && obj.error !== undefined) fail(`${path}.error`, 'a call has a result or an error, not both');
    if (obj.sync !== undefined && obj.sync !== true) fail(`${path}.sync`, `expected true (or no field), got ${describe(obj.sync)}`);
    for (const key of CALL_KEYS) {
      if (obj[key] !== undefined && maxDepth(obj[key])) fail(`${path}.${key}`, 'arrays and objects nest too deep');
    }
    return obj as unknown as RecordedCall;
  });
}

/**
 * How many calls a cassette holds per `kind alias` (for `reeltape info`), sorted by name.
 *
 * @example
 * summarizeCalls(cassette.calls ?? []) // { count: 3, aliases: { 'input pg': 2, 'output warehouse.store': 1 } }
 */
export function summarizeCalls(calls: readonly RecordedCall[]): { count: number; aliases: Record<string, number> } {
  const aliases: Record<string, number> = {};
  for (const call of calls) aliases[`${call.kind} ${call.alias}`] = (aliases[`${call.kind} ${call.alias}`] ?? 0) + 1;
  return { count: calls.length, aliases: Object.fromEntries(Object.entries(aliases).sort(([a], [b]) => (a < b ? -1 : 1))) };
}
