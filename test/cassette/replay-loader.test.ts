import fc from 'fast-check';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadForReplay, readAllResponses, readReplayCassette, replayOf, type ReplayCassette } from '../../src/cassette/index.js';
import {
  CassetteFormatError,
  DEFERRED_RESPONSE_MIN,
  loadCassette,
  parseCassette,
  serializeCassette,
  sha256Hex,
  sideFilePath,
  type Body,
  type Cassette,
  type HeaderMap,
  type Interaction,
  type JsonValue,
} from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';

/**
 * The replay loader (decision 0005) must give exactly what parsing the whole file
 * gives, for every cassette `serializeCassette` writes, and the same outcome (success with equal
 * content, or a CassetteFormatError) for damaged ones.
 */
afterEach(removeTempDirs);

const FILE = '/tmp/layout/c.json';
const SIDE_BYTES = Buffer.from('side file body');
const SIDE_SHA = sha256Hex(SIDE_BYTES);

const small = <T>(values: T[]) => fc.constantFrom(...values);
const word = fc.string({ minLength: 1, maxLength: 12 });
/** JSON values big enough (often) to push a response past the deferral threshold. */
const bigJson: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.array(fc.record({ id: fc.integer(), name: word, tags: fc.array(word, { maxLength: 4 }), note: fc.string({ maxLength: 80 }) }), { minLength: 1, maxLength: 12 }),
  fc.dictionary(word, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
) as fc.Arbitrary<JsonValue>;
const body: fc.Arbitrary<Body | null> = fc.oneof(
  fc.constant(null),
  bigJson.map((value) => ({ kind: 'json', value }) as Body),
  fc.tuple(bigJson, small([0, 2, 4, '\t' as const]), fc.boolean()).map(([value, indent, trailingNewline]) => ({ kind: 'json', value, format: { indent, trailingNewline } }) as Body),
  // text with JSON look-alikes, newlines and the reader's own separators inside strings
  fc
    .array(fc.oneof(fc.string({ maxLength: 60 }), small(['\n    },\n    {\n      "request": {\n', '\n        }\n      }', '"size": 12', '\u00e9\u4e2d\ud83d\ude00'])), { maxLength: 30 })
    .map((parts) => ({ kind: 'text', value: parts.join('') }) as Body),
  fc.uint8Array({ maxLength: 900 }).map((value) => ({ kind: 'binary', value }) as Body),
  fc.constant({ kind: 'file', sha256: SIDE_SHA, size: SIDE_BYTES.length, path: sideFilePath(FILE, SIDE_SHA) } as Body),
);
const headers: fc.Arbitrary<HeaderMap> = fc.dictionary(small(['accept', 'content-type', 'x-trace', 'set-cookie', 'etag']), fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 3 })), { maxKeys: 5 });
const interaction: fc.Arbitrary<Interaction> = fc.record({
  request: fc.record({ method: small(['GET', 'POST', 'PATCH']), url: small(['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b?x=1', 'https://api.example.test/u/\u00e9']), headers, body }),
  response: fc.record({ status: small([200, 201, 404, 500]), statusText: small(['OK', '', 'Not Found']), headers, body }),
});
const cassette: fc.Arbitrary<Cassette> = fc.record({
  version: fc.constant(1 as const),
  meta: fc.record(
    {
      reeltape: small(['0.1.0']),
      node: small(['v20.20.2']),
      recordedAt: small(['2026-11-25T10:00:00.000Z']),
      extra: fc.dictionary(word, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) as fc.Arbitrary<{ [key: string]: JsonValue }>,
    },
    { requiredKeys: ['reeltape', 'node', 'recordedAt'] },
  ),
  interactions: fc.array(interaction, { maxLength: 8 }),
});

/** Parses `bytes` as replay does (layout reader, else the whole file), then parses every deferred response. */
function readLikeReplay(bytes: Buffer, file = FILE): { cassette: Cassette; deferred: number } {
  const read = readReplayCassette(bytes, file) ?? replayOf(parseCassette(bytes.toString('utf8'), file));
  const deferred = deferredFlags(read).filter(Boolean).length;
  return { cassette: readAllResponses(read), deferred };
}

/** Per response: whether it is still in the file (not parsed yet). */
function deferredFlags(replay: ReplayCassette): boolean[] {
  return replay.requests.map((_, i) => replay.responses.parsedAt(i) === undefined);
}

describe('replay loader (deferred responses)', () => {
  it('reads every serialized cassette exactly as parsing the whole file does (property)', () => {
    let deferredSeen = 0;
    let laidOut = 0;
    fc.assert(
      fc.property(cassette, (c) => {
        const text = serializeCassette(c);
        const bytes = Buffer.from(text, 'utf8');
        const eager = parseCassette(text, FILE);
        if (c.interactions.length > 0) {
          expect(readReplayCassette(bytes, FILE)).toBeDefined(); // serializer output is always in the layout
          laidOut++;
        }
        const { cassette: lazy, deferred } = readLikeReplay(bytes);
        deferredSeen += deferred;
        expect(lazy).toEqual(eager);
        expect(serializeCassette(lazy)).toBe(text);
      }),
      { numRuns: 400 },
    );
    expect(laidOut).toBeGreaterThan(200);
    expect(deferredSeen).toBeGreaterThan(100);
  });

  it('reads the same through a scan window and parse batches of any size: patterns cut at every chunk edge (property)', () => {
    let deferredSeen = 0;
    fc.assert(
      fc.property(cassette, fc.integer({ min: 1, max: 97 }), fc.integer({ min: 1, max: 3000 }), (c, chunkSize, batchSize) => {
        const text = serializeCassette(c);
        const bytes = Buffer.from(text, 'utf8');
        const whole = readReplayCassette(bytes, FILE);
        const chunked = readReplayCassette(bytes, FILE, { chunkSize, batchSize });
        expect(chunked === undefined).toBe(whole === undefined);
        if (!chunked) return;
        const deferred = deferredFlags(chunked);
        expect(deferred).toEqual(deferredFlags(whole as ReplayCassette));
        deferredSeen += deferred.filter(Boolean).length;
        expect(readAllResponses(chunked)).toEqual(parseCassette(text, FILE));
      }),
      { numRuns: 300 },
    );
    expect(deferredSeen).toBeGreaterThan(100);
  });

  it('defers only large responses, parses each on first read, once', () => {
    const big = { kind: 'json', value: { items: Array.from({ length: 40 }, (_, i) => ({ i, name: `n${i}` })) } } as Body;
    const c: Cassette = {
      version: 1,
      meta: { reeltape: '0.1.0', node: 'v20', recordedAt: '2026-11-25T10:00:00.000Z' },
      interactions: [
        { request: { method: 'GET', url: 'http://127.0.0.1:1/small', headers: {}, body: null }, response: { status: 200, statusText: 'OK', headers: {}, body: { kind: 'text', value: 'tiny' } } },
        { request: { method: 'GET', url: 'http://127.0.0.1:1/big', headers: {}, body: null }, response: { status: 200, statusText: 'OK', headers: {}, body: big } },
      ],
    };
    const text = serializeCassette(c);
    expect(text.length).toBeGreaterThan(DEFERRED_RESPONSE_MIN);
    const read = readReplayCassette(Buffer.from(text), FILE) as ReplayCassette;
    expect(deferredFlags(read)).toEqual([false, true]);
    expect(read.requests[1]?.url).toBe('http://127.0.0.1:1/big');
    const response = read.responses.response(1);
    expect(deferredFlags(read)).toEqual([false, false]);
    expect(read.responses.response(1)).toBe(response); // parsed once, then kept
    expect(response.body).toEqual(big);
  });

  it('leaves other layouts to the whole-file parser', () => {
    const c = parseCassette(serializeCassette(sampleWithBigBody()), FILE);
    const text = serializeCassette(c);
    const variants = [
      JSON.stringify(JSON.parse(text)), // compact
      text.replaceAll('\n', '\r\n'), // CRLF
      `\ufeff${text}`, // BOM
      JSON.stringify(JSON.parse(text), null, 4), // another indent
      text.replace('"request": {', '"request" : {'), // a hand edit
    ];
    for (const variant of variants) {
      expect(readReplayCassette(Buffer.from(variant, 'utf8'), FILE)).toBeUndefined();
      expect(parseCassette(variant, FILE)).toEqual(c);
    }
  });

  it('reads a valid file whose separator between two interactions was re-spaced: no interaction is swallowed', () => {
    // found by the damaged-files property below: the scan skips a broken separator to the next one,
    // so the first response's text ran on over the whole next interaction, which the index never saw
    const c = sampleWithBigBody();
    c.interactions.push({ ...(c.interactions[1] as Interaction), request: { method: 'GET', url: 'http://127.0.0.1:1/last', headers: {}, body: null } });
    const text = serializeCassette(c);
    const between = '\n    },\n    {\n      "request": {\n';
    const at = text.indexOf(between, text.indexOf('/big'));
    for (const edit of ['\n\n   },\n    {\n      "request": {\n', '\n    },\n\n    {\n      "request": {\n', '\n    }, {\n      "request": {\n', '\n    },\n    {\n      "request":{\n']) {
      const respaced = `${text.slice(0, at)}${edit}${text.slice(at + between.length)}`;
      const eager = parseCassette(respaced, FILE);
      expect(eager.interactions.map((i) => i.request.url)).toEqual(c.interactions.map((i) => i.request.url));
      for (const options of [{}, { chunkSize: 13 }, { batchSize: 1 }]) {
        const read = readReplayCassette(Buffer.from(respaced), FILE, options) ?? replayOf(parseCassette(respaced, FILE));
        expect(read.requests.map((r) => r.url)).toEqual(c.interactions.map((i) => i.request.url));
        expect(readAllResponses(read)).toEqual(eager);
      }
    }
  });

  it('still rejects an unknown field beside a deferred response', () => {
    const text = serializeCassette(sampleWithBigBody());
    const at = text.lastIndexOf(',\n      "response": ');
    const damaged = `${text.slice(0, at)},\n      "staus": 200${text.slice(at)}`;
    const eager = catchError(() => parseCassette(damaged, FILE));
    expect((eager as Error).message).toContain('interactions[1].staus: unknown field "staus"');
    const lazy = catchError(() => readLikeReplay(Buffer.from(damaged)));
    expect(lazy).toBeInstanceOf(CassetteFormatError);
    expect((lazy as Error).message).toBe((eager as Error).message);
  });

  it('reports a damaged deferred response with the whole-file error: file, line and column', () => {
    const text = serializeCassette(sampleWithBigBody());
    const damaged = text.replace('"name": "n7"', '"name": "n7",,');
    const eager = catchError(() => parseCassette(damaged, FILE));
    expect(eager).toBeInstanceOf(CassetteFormatError);
    const read = readReplayCassette(Buffer.from(damaged), FILE) as ReplayCassette;
    expect(read).toBeDefined(); // the damage is inside a deferred response: the load itself succeeds
    const lazy = catchError(() => read.responses.response(1));
    expect(lazy).toBeInstanceOf(CassetteFormatError);
    expect((lazy as Error).message).toBe((eager as Error).message);
    expect((lazy as Error).message).toMatch(/c\.json is not valid JSON \(line \d+, column \d+\)/);
  });

  it('names the field of an invalid deferred response', () => {
    const text = serializeCassette(sampleWithBigBody());
    const damaged = text.replace('"status": 200,\n        "statusText": "Big"', '"status": "200",\n        "statusText": "Big"');
    expect(damaged).not.toBe(text);
    const read = readReplayCassette(Buffer.from(damaged), FILE) as ReplayCassette;
    const error = catchError(() => readAllResponses(read));
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect((error as CassetteFormatError).message).toContain('interactions[1].response.status: expected an integer 100-599, got "200"');
  });

  it('checks the side file of a hand-formatted deferred file body when it is read', async () => {
    const dir = await makeTempDir('layout');
    const file = join(dir, 'c.json');
    const manyHeaders = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x-h${i}`, `value ${i}`]));
    const base: Cassette = {
      version: 1,
      meta: { reeltape: '0.1.0', node: 'v20', recordedAt: '2026-11-25T10:00:00.000Z' },
      interactions: [{ request: { method: 'GET', url: 'http://127.0.0.1:1/f', headers: {}, body: null }, response: { status: 200, statusText: 'OK', headers: manyHeaders, body: null } }],
    };
    // a file body written on one line: not the layout's own form, so it is deferred like any other
    const text = serializeCassette(base).replace('"body": null\n      }\n    }\n  ]', `"body": { "file": "${SIDE_SHA}", "size": ${SIDE_BYTES.length} }\n      }\n    }\n  ]`);
    await writeFile(file, text);
    const read = (await loadForReplay(file)) as ReplayCassette;
    expect(deferredFlags(read)).toEqual([true]);
    const missing = catchError(() => read.responses.response(0));
    expect(missing).toBeInstanceOf(CassetteFormatError);
    expect((missing as Error).message).toMatch(/refers to side file .*, which is missing/);

    await mkdir(join(dir, 'c.bodies'), { recursive: true });
    await writeFile(sideFilePath(file, SIDE_SHA), SIDE_BYTES);
    const again = (await loadForReplay(file)) as ReplayCassette;
    expect(again.responses.response(0).body).toMatchObject({ kind: 'file', sha256: SIDE_SHA, size: SIDE_BYTES.length });
    // and the whole-file loader agrees
    expect(await loadCassette(file)).toEqual(readAllResponses(again));
  });

  it.skipIf(process.platform !== 'linux')('reads deferred responses from the file it opened, even when it is replaced; closes it when all are read', async () => {
    const dir = await makeTempDir('layout-fd');
    const file = join(dir, 'c.json');
    const original = sampleWithBigBody();
    original.interactions.push(structuredClone(original.interactions[1] as Interaction), structuredClone(original.interactions[1] as Interaction));
    const text = serializeCassette(original);
    await writeFile(file, text);
    const read = (await loadForReplay(file)) as ReplayCassette;
    expect(deferredFlags(read).filter(Boolean)).toHaveLength(3);
    expect(descriptorsOf(file)).toBe(1);

    // re-recorded elsewhere and renamed over it while it is replayed: the replay goes on with what it opened
    const replaced = structuredClone(original);
    for (const interaction of replaced.interactions) interaction.response.statusText = 'Replaced';
    await writeFile(`${file}.tmp`, serializeCassette(replaced));
    await rename(`${file}.tmp`, file);
    expect(read.responses.response(2).statusText).toBe('Big');
    expect(descriptorsOf(file)).toBe(1);
    const all = readAllResponses(read);
    expect(descriptorsOf(file)).toBe(0);
    expect(all).toEqual(parseCassette(text, file));
  });

  it('responses.close() checks the responses not read yet without keeping them, then closes the file', async () => {
    const dir = await makeTempDir('layout-verify');
    const file = join(dir, 'c.json');
    const c = sampleWithBigBody();
    c.interactions.push({ ...(c.interactions[1] as Interaction), request: { method: 'GET', url: 'http://127.0.0.1:1/other', headers: {}, body: null } });
    const text = serializeCassette(c);
    await writeFile(file, text);
    const eager = parseCassette(text, file);
    const read = (await loadForReplay(file)) as ReplayCassette;
    expect(deferredFlags(read)).toEqual([false, true, true]);
    expect(read.responses.response(1)).toEqual(eager.interactions[1]?.response); // read: kept
    expect(descriptorsOf(file)).toBe(1);
    read.responses.close();
    expect(descriptorsOf(file)).toBe(0);
    expect(read.responses.response(1)).toEqual(eager.interactions[1]?.response);
    expect(read.responses.parsedAt(2)).toBeUndefined(); // checked, not kept
    expect(() => read.responses.response(2)).toThrow(/interactions\[2\]\.response was read after its cassette's replay ended/);
    read.responses.close(); // nothing left to check

    // a damaged one that was never read fails with the field named, and the file is let go of all the same
    await writeFile(file, text.replace('"status": 200,\n        "statusText": "Big"', '"status": "200",\n        "statusText": "Big"'));
    const damaged = (await loadForReplay(file)) as ReplayCassette;
    const error = catchError(() => damaged.responses.close());
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect((error as CassetteFormatError).message).toContain('interactions[1].response.status: expected an integer 100-599, got "200"');
    expect(descriptorsOf(file)).toBe(0);
  });

  it('reads deferred responses in any order from the file, across blocks (property)', async () => {
    const dir = await makeTempDir('layout-order');
    const file = join(dir, 'c.json');
    // ~1 MB of responses: several read blocks
    const c: Cassette = {
      version: 1,
      meta: { reeltape: '0.1.0', node: 'v20', recordedAt: '2026-11-25T10:00:00.000Z' },
      interactions: Array.from({ length: 500 }, (_, i) => ({
        request: { method: 'GET', url: `http://127.0.0.1:1/items/${i}`, headers: {}, body: null },
        response: { status: 200, statusText: 'OK', headers: {}, body: { kind: 'json', value: { id: i, text: `item ${i} `.repeat(150 + (i % 40)) } } },
      })),
    };
    const text = serializeCassette(c);
    await writeFile(file, text);
    const eager = parseCassette(text, file);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(Array.from({ length: 500 }, (_, i) => i), { minLength: 1 }), async (order) => {
        const read = (await loadForReplay(file)) as ReplayCassette;
        for (const i of order) expect(read.responses.response(i)).toEqual(eager.interactions[i]?.response);
        expect(readAllResponses(read)).toEqual(eager);
      }),
      { numRuns: 25 },
    );
  });

  it('damaged files end the same way as with the whole-file loader (property)', async () => {
    const dir = await makeTempDir('layout-corrupt');
    const file = join(dir, 'c.json');
    await mkdir(join(dir, 'c.bodies'), { recursive: true });
    await writeFile(sideFilePath(file, SIDE_SHA), SIDE_BYTES);
    const c = sampleWithBigBody();
    c.interactions.push({
      request: { method: 'GET', url: 'http://127.0.0.1:1/file', headers: {}, body: null },
      response: { status: 200, statusText: 'OK', headers: { 'x-pad': 'p'.repeat(600) }, body: { kind: 'file', sha256: SIDE_SHA, size: SIDE_BYTES.length, path: sideFilePath(file, SIDE_SHA) } },
    });
    const valid = Buffer.from(serializeCassette(c));
    const snippets = ['\n    },\n    {\n      "request": {\n', '\n        }\n      }', '"size": 1', ',', '}', '{', '"', '\n', ' ', '\\', 'null', '"json": ', '"status": 2'];
    const corruption = fc.oneof(
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }).map((flips) => {
        const out = Buffer.from(valid);
        for (const [at, byte] of flips) out[at] = byte;
        return out;
      }),
      fc.tuple(fc.nat({ max: valid.length }), fc.nat({ max: 30 }), fc.constantFrom(...snippets)).map(([at, del, ins]) =>
        Buffer.concat([valid.subarray(0, at), Buffer.from(ins), valid.subarray(Math.min(valid.length, at + del))]),
      ),
      fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n)),
    );
    let failures = 0;
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(corruption, async (bytes) => {
        await writeFile(file, bytes);
        const eager = await loadCassette(file).catch((e: unknown) => e);
        // the scan window's edges change nothing: layout or not, and the same error if any
        const whole = outcome(() => readReplayCassette(bytes, file));
        expect(outcome(() => readReplayCassette(bytes, file, { chunkSize: 13 }))).toEqual(whole);
        expect(outcome(() => readReplayCassette(bytes, file, { batchSize: 1 }))).toEqual(whole);
        const lazy = await loadForReplay(file)
          .then((read) => read && readAllResponses(read))
          .catch((e: unknown) => e);
        if (eager instanceof Error) {
          expect(eager).toBeInstanceOf(CassetteFormatError);
          expect(lazy).toBeInstanceOf(CassetteFormatError);
          expect((lazy as Error).message).toContain(file);
          failures++;
        } else {
          expect(lazy).not.toBeInstanceOf(Error);
          expect(lazy).toEqual(eager);
          successes++;
        }
      }),
      { numRuns: 600 },
    );
    expect(failures).toBeGreaterThan(100);
    expect(successes).toBeGreaterThan(5);
  });
});

/** How many of this process's file descriptors are open on `file` (or on what was `file` before a rename over it). Linux only. */
function descriptorsOf(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(file)) n++;
    } catch {
      // closed meanwhile (e.g. the descriptor readdirSync itself used)
    }
  }
  return n;
}

/** What reading gave: not the layout, a cassette (materialized), or an error's message. */
function outcome(read: () => ReplayCassette | undefined): { layout: false } | { cassette: Cassette } | { error: string } {
  try {
    const replay = read();
    if (!replay) return { layout: false };
    return { cassette: readAllResponses(replay) };
  } catch (error) {
    return { error: String(error) };
  }
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Two interactions; the second has a large JSON response (deferred by the reader). */
function sampleWithBigBody(): Cassette {
  return {
    version: 1,
    meta: { reeltape: '0.1.0', node: 'v20', recordedAt: '2026-11-25T10:00:00.000Z' },
    interactions: [
      { request: { method: 'GET', url: 'http://127.0.0.1:1/small', headers: {}, body: null }, response: { status: 200, statusText: 'OK', headers: {}, body: { kind: 'text', value: 'tiny' } } },
      {
        request: { method: 'GET', url: 'http://127.0.0.1:1/big', headers: { accept: 'application/json' }, body: null },
        response: {
          status: 200,
          statusText: 'Big',
          headers: { 'content-type': 'application/json' },
          body: { kind: 'json', value: { items: Array.from({ length: 30 }, (_, i) => ({ id: i, name: `n${i}` })) } },
        },
      },
    ],
  };
}
