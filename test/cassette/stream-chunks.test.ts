import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { realignStream, type ResponseStream } from '../../src/cassette/stream-chunks.js';
import { join } from 'node:path';
import { loadForReplay, readAllResponses, saveCassette } from '../../src/cassette/index.js';
import { CassetteFormatError, parseCassette, serializeCassette, type Cassette } from '../../src/index.js';
import { makeTempDir } from '../helpers/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The chunk texts of `bytes` cut by `stream`. */
function cut(text: string, stream: ResponseStream): string[] {
  const bytes = enc(text);
  let at = 0;
  return stream.chunks.map((c) => dec(bytes.subarray(at, (at += c.size))));
}

describe('realignStream', () => {
  it('moves a secret split over two chunks, as its marker, into the chunk where it began', () => {
    const chunks = ['data: {"t":"ghp_abcdefgh', 'ijklmnop"}\n\n', 'data: done\n\n'];
    const stream = { chunks: chunks.map((c, i) => ({ at: i * 10, size: c.length })) };
    const before = chunks.join('');
    const after = before.replace('ghp_abcdefghijklmnop', '[REDACTED:github-token]');
    const realigned = realignStream(stream, enc(before), enc(after));
    expect(cut(after, realigned)).toEqual(['data: {"t":"[REDACTED:github-token]', '"}\n\n', 'data: done\n\n']);
    expect(realigned.chunks.map((c) => c.at)).toEqual([0, 10, 20]);
  });

  it('property: chunks away from any replacement keep their exact text; sizes add up to the new body', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 :{}"'.split('')), minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 30 })), { maxLength: 4 }), (chunks, cuts) => {
        const before = chunks.join('');
        // non-overlapping secret ranges, replaced right to left by markers of another length
        const ranges: Array<[number, number]> = [];
        for (const [start, length] of cuts) {
          const s = start % before.length;
          const e = Math.min(before.length, s + length);
          if (ranges.every(([a, b]) => e + 12 < a || s > b + 12)) ranges.push([s, e]);
        }
        ranges.sort((x, y) => y[0] - x[0]);
        let after = before;
        for (const [s, e] of ranges) after = `${after.slice(0, s)}[REDACTED:secret]${after.slice(e)}`;
        const stream = { chunks: chunks.map((c, i) => ({ at: i, size: c.length })) };
        const realigned = realignStream(stream, enc(before), enc(after));
        expect(realigned.chunks.reduce((n, c) => n + c.size, 0)).toBe(after.length);
        let offset = 0;
        const untouched = chunks.flatMap((c) => {
          const [a, b] = [offset, (offset += c.length)];
          return ranges.some(([s, e]) => s < b + 12 && e > a - 12) ? [] : [c];
        });
        const texts = cut(after, realigned);
        for (const c of untouched) expect(texts).toContain(c);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the cassette format', () => {
  const base = (): Cassette => ({
    version: 1,
    meta: { reeltape: '0.1.0', node: 'v20.20.2', recordedAt: '2026-12-05T06:00:00.000Z' },
    interactions: [
      {
        request: { method: 'GET', url: 'http://127.0.0.1:9/sse', headers: {}, body: null },
        response: {
          status: 200,
          statusText: 'OK',
          headers: { 'content-type': 'text/event-stream' },
          body: { kind: 'text', value: 'data: a\n\ndata: b\n\n' },
          stream: { chunks: [{ at: 0, size: 9 }, { at: 40, size: 9 }], end: { error: { name: 'TypeError', message: 'terminated', cause: { name: 'SocketError', message: 'other side closed', code: 'UND_ERR_SOCKET' } } } },
        },
      },
    ],
  });

  it('round-trips a streamed response and a recorded failure (stored without a response)', () => {
    const cassette = base();
    cassette.interactions.push({
      request: { method: 'GET', url: 'http://127.0.0.1:9/x', headers: {}, body: null },
      response: { status: 599, statusText: '', headers: {}, body: null },
      failure: { error: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED', syscall: 'connect' } },
    });
    const text = serializeCassette(cassette);
    const file = JSON.parse(text);
    expect(file.interactions[1]).not.toHaveProperty('response');
    const parsed = parseCassette(text, 'c.json');
    expect(parsed.interactions[0]!.response.stream).toEqual(cassette.interactions[0]!.response.stream);
    expect(parsed.interactions[1]!.failure).toEqual(cassette.interactions[1]!.failure);
    expect(serializeCassette(parsed)).toBe(text);
  });

  it('names the field when chunk sizes do not add up to the body, or a failure is malformed', () => {
    const cassette = JSON.parse(serializeCassette(base()));
    cassette.interactions[0].response.stream.chunks[1].size = 8;
    expect(() => parseCassette(JSON.stringify(cassette), 'c.json')).toThrow(CassetteFormatError);
    expect(() => parseCassette(JSON.stringify(cassette), 'c.json')).toThrow(/interactions\[0\]\.response\.stream\.chunks: chunk sizes add up to 17 bytes, but the body has 18/);
    const failed = { request: cassette.interactions[0].request, failure: { error: { name: 'Error' } } };
    expect(() => parseCassette(JSON.stringify({ ...cassette, interactions: [failed] }), 'c.json')).toThrow(/interactions\[0\]\.failure\.error\.message: expected a string/);
  });
});

describe('loading for replay (responses deferred)', () => {
  it('keeps a failure and a large streamed response read from the file on first use', async () => {
    const events = Array.from({ length: 3000 }, (_, i) => `data: {"n":${i}}\n\n`);
    const cassette: Cassette = {
      version: 1,
      meta: { reeltape: '0.1.0', node: 'v20.20.2', recordedAt: '2026-12-05T06:00:00.000Z' },
      interactions: [
        { request: { method: 'GET', url: 'http://a.test/x', headers: {}, body: null }, response: { status: 599, statusText: '', headers: {}, body: null }, failure: { aborted: true } },
        {
          request: { method: 'GET', url: 'http://a.test/sse', headers: {}, body: null },
          response: { status: 200, statusText: 'OK', headers: { 'content-type': 'text/event-stream' }, body: { kind: 'text', value: events.join('') }, stream: { chunks: events.map((e, i) => ({ at: i, size: e.length })) } },
        },
      ],
    };
    const file = join(await makeTempDir('stream-chunks'), 'c.json');
    await saveCassette(file, cassette);
    const loaded = readAllResponses((await loadForReplay(file))!);
    expect(loaded.interactions[0]!.failure).toEqual({ aborted: true });
    expect(loaded.interactions[1]!.response.stream).toEqual(cassette.interactions[1]!.response.stream);
  });
});
