import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CassetteFormatError, loadCassette, parseCassette, serializeCassette } from '../../src/index.js';
import { sampleCassette } from './fixtures.js';

/**
 * Thousands of random corruptions of a valid cassette: every one must end in a successful parse
 * or a CassetteFormatError — never another exception (TypeError, RangeError…) and never a hang.
 */
const valid = serializeCassette(sampleCassette());
const validJson = JSON.parse(valid) as unknown;

type Path = (string | number)[];
function allPaths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...allPaths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...allPaths(v, [...prefix, k]));
  return out;
}
const paths = allPaths(validJson).filter((p) => p.length > 0);

const weirdValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, '', 'abc', '%%%', 'iVBOR=w', [], {}, [1], { json: 1 }, { text: 1 }, { base64: '@@' }, { file: 'x', size: -1 }, 2, '1', 99999),
  fc.jsonValue({ maxDepth: 2 }),
);

function setAt(root: unknown, path: Path, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

const structural = fc.record({
  path: fc.constantFrom(...paths),
  value: weirdValue,
  remove: fc.boolean(),
}).map(({ path, value, remove }) => JSON.stringify(setAt(validJson, path, value, remove), null, 2));

const unknownField = fc.record({ path: fc.constantFrom(...allPaths(validJson).filter((p) => p.length < 5)), key: fc.string({ maxLength: 8 }), value: weirdValue }).map(({ path, key, value }) => {
  const copy = structuredClone(validJson) as Record<string, unknown>;
  let node: unknown = copy;
  for (const seg of path) node = (node as Record<string | number, unknown>)[seg];
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) (node as Record<string, unknown>)[key] = value;
  return JSON.stringify(copy);
});

const truncation = fc.nat({ max: valid.length }).map((n) => valid.slice(0, n));
const byteFlip = fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 0x10ffff })), { minLength: 1, maxLength: 4 }).map((flips) => {
  const chars = [...valid];
  for (const [at, code] of flips) chars[at % chars.length] = String.fromCodePoint(code >= 0xd800 && code <= 0xdfff ? 0x41 : code);
  return chars.join('');
});
const splice = fc.tuple(fc.nat({ max: valid.length }), fc.nat({ max: 40 }), fc.string({ maxLength: 10 })).map(([at, del, ins]) => valid.slice(0, at) + ins + valid.slice(at + del));
const version = fc.oneof(fc.integer(), fc.string(), fc.constant(null)).map((v) => valid.replace('"version": 1', `"version": ${JSON.stringify(v)}`));
const base64 = fc.string({ maxLength: 12 }).map((s) => valid.replace('"iVBORwD/"', JSON.stringify(s)));

describe('cassette loader under corruption (property)', () => {
  it('only ever succeeds or throws CassetteFormatError', () => {
    let failures = 0;
    let successes = 0;
    fc.assert(
      fc.property(fc.oneof(structural, unknownField, truncation, byteFlip, splice, version, base64), (text) => {
        try {
          const cassette = parseCassette(text, '/tmp/corrupt.json');
          // a successful load must be a usable cassette that serializes again
          serializeCassette(cassette);
          successes++;
        } catch (error) {
          if (!(error instanceof CassetteFormatError)) throw error;
          expect(error.message).toContain('/tmp/corrupt.json');
          failures++;
        }
      }),
      { numRuns: 5000 },
    );
    expect(failures).toBeGreaterThan(1000);
    expect(successes).toBeGreaterThan(10);
  });

  it('loadCassette survives raw byte corruption (invalid UTF-8, side-file refs) the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reeltape-corrupt-'));
    const file = join(dir, 'c.json');
    const bytes = Buffer.from(valid.replace('{\n          "base64": "iVBORwD/"\n        }', `{ "file": "${'ab'.repeat(32)}", "size": 6 }`));
    expect(bytes.includes('"file"')).toBe(true);
    let outcomes = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat({ max: bytes.length }), async (flips, cut) => {
          const corrupt = Buffer.from(bytes.subarray(0, Math.max(cut, bytes.length - 40)));
          for (const [at, byte] of flips) if (at < corrupt.length) corrupt[at] = byte;
          await writeFile(file, corrupt);
          try {
            await loadCassette(file);
          } catch (error) {
            if (!(error instanceof CassetteFormatError)) throw error;
          }
          outcomes++;
        }),
        { numRuns: 300 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(outcomes).toBeGreaterThanOrEqual(300);
  });
});
