import { describe, expect, it } from 'vitest';
import { CassetteFormatError, cassettesEqual, parseCassette, serializeCassette, type Cassette } from '../../src/index.js';
import { sampleCassette } from './fixtures.js';

function formatError(text: string): CassetteFormatError {
  try {
    parseCassette(text, '/tmp/x/users.json');
  } catch (error) {
    expect(error).toBeInstanceOf(CassetteFormatError);
    return error as CassetteFormatError;
  }
  throw new Error('expected a CassetteFormatError');
}

function mutate(edit: (json: Record<string, any>) => void): string {
  const json = JSON.parse(serializeCassette(sampleCassette()));
  edit(json);
  return JSON.stringify(json);
}

describe('serializeCassette', () => {
  it('writes a stable, readable v1 document', () => {
    const text = serializeCassette(sampleCassette());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "version": 1,\n  "meta": {');
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['version', 'meta', 'interactions']);
    expect(Object.keys(json.interactions[0].request)).toEqual(['method', 'url', 'headers', 'body']);
    expect(Object.keys(json.interactions[0].response)).toEqual(['status', 'statusText', 'headers', 'body']);
    expect(json.interactions[0].response.body).toEqual({ json: { users: [{ id: 2, name: 'Zoë' }] }, format: { indent: 2, trailingNewline: true } });
    expect(json.interactions[1].request.body).toEqual({ json: { q: 'x', filter: { since: '2024-01-01' } } }); // compact: no format
    expect(json.interactions[1].response.body).toEqual({ text: 'created\n' });
    expect(json.interactions[2].response.body).toEqual({ base64: 'iVBORwD/' });
    expect(text).not.toMatch(/duration|timestamp/i);
  });

  it('gives the same bytes for the same traffic, whatever the header order', () => {
    const a = sampleCassette();
    const b = sampleCassette();
    b.interactions[0]!.request.headers = { 'x-b': ['1', '2'], accept: 'application/json' };
    expect(serializeCassette(a)).toBe(serializeCassette(b));
    expect(Object.keys(JSON.parse(serializeCassette(b)).interactions[0].request.headers)).toEqual(['accept', 'x-b']);
  });

  it('keeps JSON body key order (it is part of the bytes)', () => {
    const text = serializeCassette(sampleCassette());
    expect(text.indexOf('"q"')).toBeLessThan(text.indexOf('"filter"'));
  });

  it('parses back to an equal cassette and re-serializes byte-identically', () => {
    const text = serializeCassette(sampleCassette());
    const parsed = parseCassette(text, 'users.json');
    expect(serializeCassette(parsed)).toBe(text);
    expect(parsed.interactions[2]!.response.body).toEqual({ kind: 'binary', value: new Uint8Array([137, 80, 78, 71, 0, 255]) });
  });

  it('cassettesEqual ignores recording time and versions, not traffic', () => {
    const a = sampleCassette();
    const b: Cassette = { ...sampleCassette(), meta: { reeltape: '9.9.9', node: 'v22.0.0', recordedAt: '2030-01-01T00:00:00Z' } };
    expect(cassettesEqual(a, b)).toBe(true);
    b.interactions[1]!.response.status = 200;
    expect(cassettesEqual(a, b)).toBe(false);
    expect(cassettesEqual(a, { ...sampleCassette(), meta: { ...a.meta, error: { name: 'Error', message: 'x' } } })).toBe(false);
  });
});

describe('parseCassette', () => {
  it('reports invalid JSON with line and column', () => {
    const error = formatError('{\n  "version": 1,\n  "meta": }\n');
    expect(error.message).toContain('/tmp/x/users.json');
    expect(error.message).toContain('line 3, column 11');
    expect(error.file).toBe('/tmp/x/users.json');
  });

  it('names an unsupported version and the supported ones', () => {
    const error = formatError(mutate((j) => (j.version = 2)));
    expect(error.message).toMatch(/unsupported cassette version 2; this reeltape reads version 1/);
    expect(error.location).toBe('version');
  });

  it.each<[string, (j: Record<string, any>) => void, string, RegExp]>([
    ['bad status', (j) => (j.interactions[3] = { ...j.interactions[0], response: { ...j.interactions[0].response, status: 'abc' } }), 'interactions[3].response.status', /expected an integer 100-599, got "abc"/],
    ['missing url', (j) => delete j.interactions[1].request.url, 'interactions[1].request.url', /required field is missing/],
    ['header value', (j) => (j.interactions[0].request.headers.accept = 5), 'interactions[0].request.headers.accept', /a string or a non-empty array of strings, got 5/],
    ['bad base64', (j) => (j.interactions[2].response.body = { base64: 'iV*ORwD/' }), 'interactions[2].response.body.base64', /not valid base64/],
    ['unknown body kind', (j) => (j.interactions[1].response.body = { html: '<p>' }), 'interactions[1].response.body', /unknown body kind "html"/],
    ['unknown field', (j) => (j.interactions[0].response.staus = 1), 'interactions[0].response.staus', /unknown field "staus"/],
    ['unknown top-level field', (j) => (j.comment = 'hi'), 'comment', /unknown field "comment"/],
    ['relative url', (j) => (j.interactions[0].request.url = '/users'), 'interactions[0].request.url', /an absolute URL/],
    ['bad recordedAt', (j) => (j.meta.recordedAt = 'yesterday'), 'meta.recordedAt', /ISO-8601/],
    ['bad format', (j) => (j.interactions[0].response.body.format = { indent: 'x' }), 'interactions[0].response.body.format.indent', /integer 0-10/],
    ['bad sha', (j) => (j.interactions[0].response.body = { file: 'abc', size: 3 }), 'interactions[0].response.body.file', /SHA-256/],
    ['interactions not array', (j) => (j.interactions = {}), 'interactions', /expected an array, got an object/],
  ])('rejects %s with the JSON path', (_name, edit, location, message) => {
    const error = formatError(mutate(edit));
    expect(error.location).toBe(location);
    expect(error.message).toContain(`${location}: `);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('/tmp/x/users.json');
  });

  it('lower-cases header names and resolves side-file paths next to the cassette', () => {
    const text = mutate((j) => {
      j.interactions[0].request.headers = { Accept: 'a', accept: 'b' };
      j.interactions[0].response.body = { file: 'a'.repeat(64), size: 10 };
    });
    const cassette = parseCassette(text, '/p/cassettes/users.json');
    expect(cassette.interactions[0]!.request.headers).toEqual({ accept: ['a', 'b'] });
    expect(cassette.interactions[0]!.response.body).toEqual({ kind: 'file', sha256: 'a'.repeat(64), size: 10, path: `/p/cassettes/users.bodies/${'a'.repeat(64)}` });
  });

  it('does not let a "__proto__" header touch prototypes', () => {
    const text = mutate((j) => (j.interactions[0].request.headers = JSON.parse('{"__proto__":"x"}')));
    const headers = parseCassette(text, 'f.json').interactions[0]!.request.headers;
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.keys(headers)).toEqual(['__proto__']);
  });
});
