import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  builtinCodec,
  CassetteFormatError,
  CassetteMismatchError,
  interceptInput,
  interceptMethods,
  interceptOutput,
  parseCassette,
  ReeltapeConfigError,
  serializeCassette,
  UnusedInteractionsError,
  withCassette,
  type Cassette,
} from '../../src/index.js';
import { describeCassette } from '../../src/cli/commands/info.js';
import { formatRunReport, summarizeRun } from '../../src/adapters/run-report.js';
import { toRunEvent } from '../../src/adapters/run-events.js';
import { harStore, onCassetteEvent, type CassetteEvent } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';

let dir: string;
beforeEach(async () => {
  vi.stubEnv('REELTAPE_MODE', '');
  dir = await makeTempDir('tapes-unit');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await removeTempDirs();
});

const readCassette = async (name: string) => JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as Cassette & { calls: Array<Record<string, unknown>> };

describe('the built-in codec', () => {
  class QueryFailed extends Error {
    code = '42P01';
    detail = undefined;
  }
  const value = {
    at: new Date('2024-01-31T12:00:00.000Z'),
    invalid: new Date(Number.NaN),
    buf: Buffer.from([0, 255]),
    bytes: new Uint8Array([1, 2, 3]),
    big: -12345678901234567890n,
    map: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])]]),
    gone: undefined,
    list: [undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, null],
    lookalike: { $date: 'not a date' },
    error: new QueryFailed('relation "x" does not exist'),
    plain: new TypeError('bad'),
  };

  it('stores each value as readable JSON', () => {
    const json = builtinCodec.encode(value) as Record<string, unknown>;
    expect(json).toMatchObject({
      at: { $date: '2024-01-31T12:00:00.000Z' },
      invalid: { $date: 'Invalid Date' },
      buf: { $buffer: 'AP8=' },
      bytes: { $bytes: 'AQID' },
      big: { $bigint: '-12345678901234567890' },
      map: { $map: [['a', 1], [2, { $set: ['x'] }]] },
      gone: { $undefined: true },
      list: [{ $undefined: true }, { $number: 'NaN' }, { $number: 'Infinity' }, { $number: '-Infinity' }, { $number: '-0' }, null],
      lookalike: { $object: { $date: 'not a date' } },
      error: { $error: { class: 'QueryFailed', name: 'Error', message: 'relation "x" does not exist', fields: { code: '42P01' } } },
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('decodes to equal values, errors with their class name, message and fields', () => {
    const back = builtinCodec.decode(builtinCodec.encode(value)) as typeof value;
    const { error, plain, invalid, ...rest } = back;
    const { error: e0, plain: p0, invalid: _i, ...restBefore } = value;
    expect(rest).toEqual(restBefore);
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Object.is(back.list[4], -0)).toBe(true);
    expect(Number.isNaN(invalid.getTime())).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.constructor.name).toBe('QueryFailed');
    expect({ message: error.message, code: error.code }).toEqual({ message: e0.message, code: '42P01' });
    expect(plain).toBeInstanceOf(TypeError);
    expect(plain.message).toBe(p0.message);
  });

  it('refuses functions and cycles, naming the path', () => {
    expect(() => builtinCodec.encode({ a: [{ f: () => 1 }] })).toThrow(ReeltapeConfigError);
    expect(() => builtinCodec.encode({ a: [{ f: () => 1 }] })).toThrow('$.a[0].f');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => builtinCodec.encode(cyclic)).toThrow('a circular reference at $.self');
  });
});

describe('the calls section of the cassette format', () => {
  const base = { version: 1, meta: { reeltape: '0.1.0', node: 'v20', recordedAt: '2024-01-01T00:00:00.000Z' }, interactions: [] };

  it('round-trips, and a cassette without calls has no calls field', () => {
    const cassette: Cassette = { ...base, version: 1, calls: [{ alias: 'crm.get', kind: 'input', key: [1], result: { id: 1 } }, { alias: 'out', kind: 'output', args: [2], sync: true }] };
    const text = serializeCassette(cassette);
    expect(text.indexOf('"calls"')).toBeLessThan(text.indexOf('"interactions"'));
    expect(parseCassette(text, 'x.json')).toEqual(cassette);
    const without = parseCassette(serializeCassette({ ...base, version: 1 }), 'y.json');
    expect(without.calls).toBeUndefined();
    expect(serializeCassette(without)).not.toContain('calls');
  });

  it.each([
    [{ calls: {} }, 'calls: expected an array'],
    [{ calls: [{ alias: 'a', kind: 'inupt', key: 1 }] }, 'calls[0].kind: expected "input" or "output", got "inupt"'],
    [{ calls: [{ alias: 'a', kind: 'input' }] }, 'calls[0].key: required field is missing'],
    [{ calls: [{ alias: 'a', kind: 'output', args: 1 }] }, 'calls[0].args: expected an array of arguments'],
    [{ calls: [{ alias: 'a', kind: 'input', key: 1, reslt: 2 }] }, 'calls[0].reslt: unknown field "reslt"'],
    [{ calls: [{ alias: 'a', kind: 'input', key: 1, result: 1, error: 2 }] }, 'calls[0].error: a call has a result or an error, not both'],
  ])('names the file and the path of a bad call: %j', (extra, message) => {
    const parse = () => parseCassette(JSON.stringify({ ...base, ...extra }), '/tmp/bad.json');
    expect(parse).toThrow(CassetteFormatError);
    expect(parse).toThrow(message);
    expect(parse).toThrow('/tmp/bad.json');
  });
});

describe('function tapes in withCassette', () => {
  it('outside any cassette a tape is the function itself', async () => {
    const fn = vi.fn(async (n: number) => n * 2);
    expect(await interceptInput('double', fn)(4)).toBe(8);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('replays sync functions synchronously, returned and thrown values alike', async () => {
    let live = true;
    const parse = interceptInput('parse', (text: string) => {
      if (!live) throw new Error('called in replay');
      if (text === 'bad') throw new SyntaxError('bad input');
      return { text, at: new Date(0) };
    });
    const run = () => {
      const ok = parse('x');
      let failed: unknown;
      try {
        parse('bad');
      } catch (error) {
        failed = error;
      }
      return { ok, failed };
    };
    const recorded = await withCassette('sync', run, { dir, mode: 'record' });
    live = false;
    const replayed = await withCassette('sync', run, { dir, mode: 'replay' });
    expect(replayed.ok).toEqual(recorded.ok);
    expect(replayed.failed).toBeInstanceOf(SyntaxError);
    expect((await readCassette('sync')).calls.map((c) => c.sync)).toEqual([true, true]);
  });

  it('keeps concurrent cassettes apart', async () => {
    const lookup = interceptInput('lookup', async (who: string) => {
      await new Promise((resolve) => setTimeout(resolve, who === 'a' ? 20 : 1));
      return `hello ${who}`;
    });
    await Promise.all(
      ['a', 'b'].map((who) => withCassette(`concurrent-${who}`, async () => [await lookup(who), await lookup(`${who}2`)], { dir, mode: 'record' })),
    );
    expect((await readCassette('concurrent-a')).calls.map((c) => c.key)).toEqual([['a'], ['a2']]);
    expect((await readCassette('concurrent-b')).calls.map((c) => c.key)).toEqual([['b'], ['b2']]);
  });

  it('sanitizes calls like HTTP bodies: credential fields and known secrets never reach the file', async () => {
    const secret = 'hunter2-very-secret';
    const login = interceptInput('auth.login', async (user: string) => ({ user, access_token: 'tok-abcdefghijklmnop1234' }));
    const save = interceptOutput('audit.write', async (entry: { user: string; password: string; note: string }) => entry.user);
    const run = async () => {
      const session = await login('ada');
      await save({ user: session.user, password: secret, note: `used ${secret}` });
      return session;
    };
    await withCassette('sanitized', run, { dir, mode: 'record', sanitizers: [{ name: 'known', secrets: [secret] }] });
    const text = await readFile(join(dir, 'sanitized.json'), 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('tok-abcdefghijklmnop1234');
    // replay compares the sanitized live arguments with the sanitized recording: no difference
    const replayed = await withCassette('sanitized', run, { dir, mode: 'replay', sanitizers: [{ name: 'known', secrets: [secret] }] });
    expect(replayed.user).toBe('ada');
  });

  it('reports recorded calls never made in replay (warning; strict: UnusedInteractionsError)', async () => {
    const get = interceptInput('get', async (n: number) => n);
    await withCassette('unused', async () => [await get(1), await get(2)], { dir, mode: 'record' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await withCassette('unused', async () => get(1), { dir, mode: 'replay' });
    expect(warn.mock.calls.flat().join('\n')).toContain('1 recorded function call(s) that were never made: calls[1] get([2])');
    await expect(withCassette('unused', async () => get(1), { dir, mode: 'replay', strict: true })).rejects.toThrow(UnusedInteractionsError);
  });

  it('the end-of-run report lists unused calls beside unused interactions', async () => {
    const get = interceptInput('get', async (n: number) => n);
    await withCassette('report', async () => [await get(1), await get(2)], { dir, mode: 'record' });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const events: CassetteEvent[] = [];
    const off = onCassetteEvent((e) => events.push(e));
    try {
      await withCassette('report', async () => get(2), { dir, mode: 'replay' });
    } finally {
      off();
    }
    expect(events[0]?.unusedCalls).toEqual(['calls[0] get([1])']);
    const text = formatRunReport(summarizeRun({ events: events.map(toRunEvent), dir, partialReason: 'test' }), dir);
    expect(text).toContain('1 recorded function call(s) never made (calls[0] get([1]))');
  });

  it('harStore refuses a recording with calls instead of dropping them', async () => {
    const get = interceptInput('get', async (n: number) => n);
    const run = withCassette('har', async () => get(1), { dir, mode: 'record', store: harStore() });
    await expect(run).rejects.toThrow(ReeltapeConfigError);
    await expect(run).rejects.toThrow('harStore() does not store function tape calls (1 recorded');
  });

  it('fails the cassette for a missing call even when the code swallows the error', async () => {
    const get = interceptInput('get', async (n: number) => n);
    await withCassette('swallowed', async () => get(1), { dir, mode: 'record' });
    const run = withCassette('swallowed', async () => [await get(1), await get(5).catch(() => 'swallowed')], { dir, mode: 'replay' });
    await expect(run).rejects.toThrow(CassetteMismatchError);
    await expect(run).rejects.toThrow('no recorded input call get([5])');
  });

  it('update mode replays known calls and records new ones', async () => {
    const calls: number[] = [];
    const get = interceptInput('get', async (n: number) => {
      calls.push(n);
      return n * 10;
    });
    await withCassette('update', async () => get(1), { dir, mode: 'record' });
    expect(await withCassette('update', async () => [await get(1), await get(2)], { dir, mode: 'update' })).toEqual([10, 20]);
    expect(calls).toEqual([1, 2]);
    expect((await readCassette('update')).calls.map((c) => c.key)).toEqual([[1], [2]]);
  });

  it('interceptMethods tapes a prototype in place and restores it', async () => {
    class Queue {
      received = 0;
      async receive(max: number) {
        this.received += 1;
        return Array.from({ length: max }, (_, i) => `m${i}`);
      }
    }
    const restore = interceptMethods(Queue.prototype, { receive: 'input' }, { alias: 'queue' });
    try {
      const queue = new Queue();
      expect(await withCassette('methods', () => queue.receive(2), { dir, mode: 'record' })).toEqual(['m0', 'm1']);
      expect(await withCassette('methods', () => queue.receive(2), { dir, mode: 'replay' })).toEqual(['m0', 'm1']);
      expect(queue.received).toBe(1);
      expect((await readCassette('methods')).calls[0]).toMatchObject({ alias: 'queue.receive', key: [2] });
    } finally {
      restore();
    }
    expect(Object.hasOwn(Queue.prototype, 'receive')).toBe(true);
    expect(await new Queue().receive(1)).toEqual(['m0']);
  });

  it('reeltape info counts calls per kind and alias', async () => {
    const get = interceptInput('crm.get', async (n: number) => n);
    const put = interceptOutput('store.put', async (n: number) => n);
    await withCassette('info', async () => put(await get(1)), { dir, mode: 'record' });
    const info = await describeCassette(join(dir, 'info.json'));
    expect(info).toMatchObject({ ok: true, calls: { count: 2, aliases: { 'input crm.get': 1, 'output store.put': 1 } } });
    // and a damaged calls section makes the cassette CORRUPT, naming the path
    const file = join(dir, 'info.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { calls: Array<{ kind: string }> };
    json.calls[0]!.kind = 'sideways';
    await writeFile(file, JSON.stringify(json, null, 2));
    expect(await describeCassette(file)).toMatchObject({ ok: false, reason: expect.stringContaining('calls[0].kind') });
  });
});
