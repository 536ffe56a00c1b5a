import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyFromBytes, bodyToBytes } from '../../src/cassette/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const roundTrip = (bytes: Uint8Array, ct?: string) => {
  const body = bodyFromBytes(bytes, ct);
  expect(Buffer.from(bodyToBytes(body)).equals(Buffer.from(bytes))).toBe(true);
  return body;
};

describe('bodyFromBytes / bodyToBytes', () => {
  it('maps empty bytes to null and back', () => {
    expect(bodyFromBytes(new Uint8Array(0), 'application/json')).toBeNull();
    expect(bodyToBytes(null).byteLength).toBe(0);
  });

  it('stores compact JSON as json, keeping key order', () => {
    const body = roundTrip(enc('{"z":1,"a":{"y":[1,2,{"b":null}],"x":"é☃😀"}}'), 'application/json; charset=utf-8');
    expect(body).toEqual({ kind: 'json', value: { z: 1, a: { y: [1, 2, { b: null }], x: 'é☃😀' } } });
    expect(Object.keys((body as { value: object }).value)).toEqual(['z', 'a']);
  });

  it.each([
    ['2 spaces + newline', '{\n  "a": [\n    1\n  ]\n}\n', { indent: 2, trailingNewline: true }],
    ['4 spaces', '{\n    "a": 1\n}', { indent: 4 }],
    ['tab', '[\n\t1,\n\t"x"\n]', { indent: '\t' }],
    ['compact + newline', '{"a":1}\n', { indent: 0, trailingNewline: true }],
  ])('stores pretty JSON (%s) with its format', (_name, text, format) => {
    const body = roundTrip(enc(text), 'application/vnd.api+json');
    expect(body).toMatchObject({ kind: 'json', format });
  });

  it.each([
    ['big number', '{"id":12345678901234567890}'],
    ['float that re-serializes differently', '{"v":1.0}'],
    ['unicode escape', '{"v":"\\u00e9"}'],
    ['CRLF pretty', '{\r\n  "a": 1\r\n}'],
    ['spaces after colon in compact', '{"a": 1}'],
    ['integer-like key after a string key', '{"b":1,"1":2}'],
    ['duplicate keys', '{"a":1,"a":2}'],
    ['not JSON at all', '{oops'],
  ])('falls back to text when JSON would not round-trip (%s)', (_name, text) => {
    expect(roundTrip(enc(text), 'application/json')).toEqual({ kind: 'text', value: text });
  });

  it('sniffs JSON without a content type, and plain text without one', () => {
    expect(roundTrip(enc('[1,2]'))).toEqual({ kind: 'json', value: [1, 2] });
    expect(roundTrip(enc('hello world\n'))).toEqual({ kind: 'text', value: 'hello world\n' });
  });

  it('keeps text for text-like types and binary for the rest', () => {
    expect(roundTrip(enc('a=1&b=2'), 'application/x-www-form-urlencoded')?.kind).toBe('text');
    expect(roundTrip(enc('<a/>'), 'application/soap+xml')?.kind).toBe('text');
    expect(roundTrip(enc('a,b\n1,2\n'), 'text/csv')?.kind).toBe('text');
    expect(roundTrip(enc('\ufeffBOM text'), 'text/plain')?.kind).toBe('text');
    expect(roundTrip(enc('hello'), 'application/octet-stream')?.kind).toBe('binary');
    expect(roundTrip(enc('a\u0000b'))?.kind).toBe('binary');
  });

  it('stores invalid UTF-8 as binary even when the type says text or JSON', () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    expect(roundTrip(bytes, 'text/plain')?.kind).toBe('binary');
    expect(roundTrip(bytes, 'application/json')?.kind).toBe('binary');
    expect(roundTrip(new Uint8Array([0xed, 0xa0, 0x80]), 'text/plain')?.kind).toBe('binary'); // encoded surrogate
  });

  it('round-trips arbitrary bytes under any content type (property)', () => {
    const types = fc.constantFrom(undefined, '', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'image/png', 'application/problem+json');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), types, (bytes, ct) => {
        const body = bodyFromBytes(bytes, ct);
        return Buffer.from(bodyToBytes(body)).equals(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any JSON document in any common layout (property)', () => {
    const layouts = fc.constantFrom<[number | string, string]>([0, ''], [0, '\n'], [2, ''], [2, '\n'], [4, ''], ['\t', '\n'], [3, '']);
    fc.assert(
      fc.property(fc.jsonValue(), layouts, fc.constantFrom(undefined, 'application/json'), (value, [indent, nl], ct) => {
        const text = JSON.stringify(value, null, indent) + nl;
        const bytes = enc(text);
        const body = bodyFromBytes(bytes, ct);
        return Buffer.from(bodyToBytes(body)).equals(Buffer.from(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips any string as text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (text) => {
        const bytes = enc(text);
        return Buffer.from(bodyToBytes(bodyFromBytes(bytes, 'text/plain'))).equals(Buffer.from(bytes));
      }),
      { numRuns: 1000 },
    );
  });
});
