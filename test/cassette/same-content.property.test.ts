import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameCassetteContent } from '../../src/cassette/same-content.js';
import { serializeCassette, type Body, type Cassette, type HeaderMap, type Interaction, type JsonValue } from '../../src/index.js';

/**
 * `sameCassetteContent` (the structural walk behind `cassettesEqual`) must agree with comparing the
 * serialized files (ignoring meta times/versions) whenever it answers at all.
 */
const neutral = { reeltape: '', node: '', recordedAt: '' };
const serialized = (c: Cassette): string => serializeCassette({ ...c, meta: { ...c.meta, ...neutral } });

const small = <T>(values: T[]) => fc.constantFrom(...values);
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  small<unknown>([{ a: 1, b: 2 }, { b: 2, a: 1 }, [1, 2], [2, 1], 0, -0, 1, '1', null, { a: undefined }, {}, { a: [null] }]),
);
const body: fc.Arbitrary<Body | null> = fc.oneof(
  fc.constant(null),
  json.map((value) => ({ kind: 'json', value }) as Body),
  fc.tuple(json, small([0, 2, '\t' as const]), fc.boolean()).map(([value, indent, trailingNewline]) => ({ kind: 'json', value, format: { indent, trailingNewline } }) as Body),
  small(['', 'a', 'b']).map((value) => ({ kind: 'text', value }) as Body),
  small([[], [1], [1, 2]]).map((bytes) => ({ kind: 'binary', value: new Uint8Array(bytes) }) as Body),
  small(['a', 'b']).map((c) => ({ kind: 'file', sha256: c.repeat(64), size: 3, path: `/x/${c}` }) as Body),
);
const headers: fc.Arbitrary<HeaderMap> = fc.dictionary(small(['a', 'b', 'B', 'content-type']), fc.oneof(small(['1', '2']), small([['1'], ['1', '2']])), { maxKeys: 3 });
const interaction: fc.Arbitrary<Interaction> = fc.record({
  request: fc.record({ method: small(['GET', 'POST']), url: small(['http://a.test/', 'http://a.test/x']), headers, body }),
  response: fc.record({ status: small([200, 404]), statusText: small(['OK', '']), headers, body }),
});
const meta = fc.record(
  {
    reeltape: fc.string({ maxLength: 3 }),
    node: fc.string({ maxLength: 3 }),
    recordedAt: fc.string({ maxLength: 3 }),
    error: fc.record({ name: small(['Error', 'E']), message: small(['x', 'y']) }),
    extra: fc.dictionary(small(['k', 'l']), json, { maxKeys: 2 }) as fc.Arbitrary<{ [key: string]: JsonValue }>,
  },
  { requiredKeys: ['reeltape', 'node', 'recordedAt'] },
);
const cassette: fc.Arbitrary<Cassette> = fc.record({ version: fc.constant(1 as const), meta, interactions: fc.array(interaction, { maxLength: 3 }) });

function reversedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).reverse());
}

/** A copy of `a` with one small tweak (each may or may not change the file), or with a part taken from `other`. */
const pair: fc.Arbitrary<[Cassette, Cassette]> = fc.tuple(cassette, cassette, fc.nat(), fc.nat({ max: 11 }), json).map(([a, other, at, what, value]) => {
  const b = structuredClone(a);
  const i = a.interactions.length ? at % a.interactions.length : -1;
  const src = other.interactions[at % Math.max(1, other.interactions.length)];
  const target = i >= 0 ? (b.interactions[i] as Interaction) : undefined;
  const rsBody = target?.response.body;
  if (what === 0 && target && src) target.request.body = src.request.body;
  else if (what === 1 && target && src) target.response.body = src.response.body;
  else if (what === 2 && target && src) target.response.headers = src.response.headers;
  else if (what === 3 && target && src) target.request = src.request;
  else if (what === 4) b.meta = other.meta;
  else if (what === 5 && rsBody?.kind === 'json') rsBody.value = reversedKeys(rsBody.value) as typeof rsBody.value;
  else if (what === 6 && rsBody?.kind === 'json') rsBody.format = rsBody.format ? undefined : { indent: 0, trailingNewline: at % 2 === 0 };
  else if (what === 7 && rsBody?.kind === 'json') rsBody.value = value as typeof rsBody.value;
  else if (what === 8 && target) {
    const name = Object.keys(target.response.headers)[0];
    const current = name === undefined ? undefined : target.response.headers[name];
    if (name !== undefined && current !== undefined) target.response.headers[name] = [current].flat();
  } else if (what === 9 && b.meta.extra) b.meta.extra = reversedKeys(b.meta.extra) as typeof b.meta.extra;
  else if (what === 10 && target) target.response.headers = { ...target.response.headers, B: '1' };
  return [a, b];
});

describe('sameCassetteContent', () => {
  it('agrees with comparing the serialized files whenever it gives an answer', () => {
    fc.assert(
      fc.property(fc.oneof({ arbitrary: pair, weight: 4 }, { arbitrary: fc.tuple(cassette, cassette), weight: 1 }), ([a, b]) => {
        const verdict = sameCassetteContent(a, b);
        if (verdict !== undefined) expect(verdict).toBe(serialized(a) === serialized(b));
      }),
      { numRuns: 4000 },
    );
  });

  it('answers without serializing for ordinary recordings', () => {
    const a: Cassette = {
      version: 1,
      meta: { reeltape: '1', node: 'v20', recordedAt: '2024-01-01T00:00:00Z' },
      interactions: [
        {
          request: { method: 'GET', url: 'http://a.test/x', headers: {}, body: null },
          response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: { kind: 'json', value: { id: 1, tags: ['a'] } } },
        },
      ],
    };
    const b = structuredClone(a);
    expect(sameCassetteContent(a, b)).toBe(true);
    (b.interactions[0]!.response.body as unknown as { value: { id: number } }).value.id = 2;
    expect(sameCassetteContent(a, b)).toBe(false);
  });
});
