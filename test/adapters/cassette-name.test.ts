import { describe, expect, test } from 'vitest';
import { cassetteNameFor, cassetteNamesFor, safeSegment } from '../../src/adapters/cassette-name.js';
import { mergeCassetteOptions } from '../../src/session/index.js';
import { fromSerializableOptions, toSerializableOptions } from '../../src/adapters/serializable-options.js';
import { ReeltapeConfigError } from '../../src/errors/index.js';

describe('cassette names', () => {
  test('file path relative to the root, without extension, then describe and test titles', () => {
    expect(cassetteNameFor('/repo/test/users.test.ts', '/repo', ['users', 'lists users'])).toBe('test/users.test/users/lists users');
  });

  test('safe titles are kept; lossy ones get a hash of the original, so sanitizing never collides', () => {
    expect(safeSegment('fetches a user (v2)')).toBe('fetches a user (v2)');
    const slash = safeSegment('a/b');
    const colon = safeSegment('a:b');
    expect(slash).toMatch(/^a-b-[0-9a-f]{6}$/);
    expect(colon).toMatch(/^a-b-[0-9a-f]{6}$/);
    expect(slash).not.toBe(colon);
    expect(safeSegment('..')).toMatch(/^_-[0-9a-f]{6}$/);
    expect(safeSegment('CON')).toMatch(/^_CON-[0-9a-f]{6}$/);
    expect(safeSegment('x'.repeat(200)).length).toBeLessThanOrEqual(87);
  });

  test('a repeated title gets (2), (3) in declaration order; a case-only difference counts as repeated', () => {
    expect(cassetteNamesFor('/repo/a.test.ts', '/repo', [['d', 't'], ['d', 'u'], ['d', 't'], ['d', 'T'], ['e', 't']])).toEqual([
      'a.test/d/t',
      'a.test/d/u',
      'a.test/d/t (2)',
      'a.test/d/T (3)',
      'a.test/e/t',
    ]);
  });

  test('a test file outside the root is named by its base name', () => {
    expect(cassetteNameFor('/elsewhere/a.spec.ts', '/repo', ['t'])).toBe('a.spec/t');
  });
});

describe('plugin options crossing to workers', () => {
  test('RegExps survive the round trip', () => {
    const wire = JSON.parse(JSON.stringify(toSerializableOptions({ dir: 'c', ignoreHosts: ['db:5432', /\.internal$/i] })));
    const back = fromSerializableOptions(wire);
    expect(back.dir).toBe('c');
    expect(back.ignoreHosts?.[0]).toBe('db:5432');
    expect(back.ignoreHosts?.[1]).toEqual(/\.internal$/i);
  });

  test('functions are rejected with the option path and where to put them instead', () => {
    expect(() => toSerializableOptions({ match: { custom: () => true } })).toThrow(ReeltapeConfigError);
    expect(() => toSerializableOptions({ match: { custom: () => true } })).toThrow(/"match\.custom".*setup file/);
  });
});

describe('cassette options per describe', () => {
  test('later layers win key by key; match merges key by key; arrays are replaced', () => {
    const global = { strict: true, match: { ignoreQueryParams: ['ts'] } };
    const outer = { match: { ignoreBodyPaths: ['requestId'] }, allowRepeats: false };
    const inner = { allowRepeats: true, match: { ignoreQueryParams: ['nonce'] } };
    expect(mergeCassetteOptions(global, outer, undefined, inner)).toEqual({
      strict: true,
      allowRepeats: true,
      match: { ignoreQueryParams: ['nonce'], ignoreBodyPaths: ['requestId'] },
    });
    expect(global.match).toEqual({ ignoreQueryParams: ['ts'] });
  });
});
