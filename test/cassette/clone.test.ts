import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clonePlain } from '../../src/cassette/clone.js';

describe('clonePlain', () => {
  const data = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'x y'), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

  it('gives what structuredClone gives for plain data, and shares nothing with the input (property)', () => {
    fc.assert(
      fc.property(data, (value) => {
        const copy = clonePlain(value);
        expect(copy).toStrictEqual(structuredClone(value));
        // no object, array or byte array of the copy is one of the input's
        const inputs = objectsIn(value);
        for (const object of objectsIn(copy)) expect(inputs.has(object)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps an own __proto__ key an own key, reads accessors, copies bytes (a Buffer becomes a Uint8Array)', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as Record<string, unknown>;
    const copy = clonePlain(input);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'n']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    let reads = 0;
    const lazy = { kind: 'binary' } as { kind: 'binary'; value: Uint8Array };
    Object.defineProperty(lazy, 'value', { enumerable: true, get: () => (reads++, new Uint8Array([1, 2])) });
    expect(clonePlain(lazy)).toStrictEqual({ kind: 'binary', value: new Uint8Array([1, 2]) });
    expect(reads).toBe(1);

    const buffer = Buffer.from('abc');
    const bytes = clonePlain({ b: buffer }).b;
    expect(bytes.constructor).toBe(Uint8Array);
    bytes[0] = 0;
    expect(buffer.toString()).toBe('abc');
  });

  it('leaves other objects to structuredClone (copies a Date, throws DataCloneError for a function)', () => {
    const date = new Date(0);
    const copied = clonePlain({ when: date }).when;
    expect(copied).toEqual(date);
    expect(copied).not.toBe(date);
    expect(() => clonePlain({ f: () => 1 })).toThrow(expect.objectContaining({ name: 'DataCloneError' }) as Error);
  });
});

/** Every object, array and byte array reachable from `value`. */
function objectsIn(value: unknown, found = new Set<object>()): Set<object> {
  if (value === null || typeof value !== 'object' || found.has(value)) return found;
  found.add(value);
  if (value instanceof Uint8Array) return found;
  for (const key of Object.keys(value)) objectsIn((value as Record<string, unknown>)[key], found);
  return found;
}
