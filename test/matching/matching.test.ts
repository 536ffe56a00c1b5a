import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyFromBytes, InteractionIndex, requestKey, type Interaction, type RecordedRequest } from '../../src/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
function req(method: string, url: string, body?: string, contentType?: string, headers: Record<string, string> = {}): RecordedRequest {
  const h: Record<string, string> = { ...headers };
  if (contentType) h['content-type'] = contentType;
  return { method, url, headers: h, body: body === undefined ? null : bodyFromBytes(enc(body), contentType) };
}
function interaction(request: RecordedRequest, text = 'ok'): Interaction {
  return { request, response: { status: 200, statusText: 'OK', headers: { 'content-type': 'text/plain' }, body: { kind: 'text', value: text } } };
}
const bodyText = (hit: { interaction: Interaction } | undefined) => (hit?.interaction.response.body as { value: string } | undefined)?.value;

describe('requestKey', () => {
  it('ignores query order and method case, keeps repeated-param order', () => {
    expect(requestKey(req('get', 'https://a.test/x?b=2&a=1&a=0'))).toBe(requestKey(req('GET', 'https://a.test/x?a=1&b=2&a=0')));
    expect(requestKey(req('GET', 'https://a.test/x?a=1&a=0'))).not.toBe(requestKey(req('GET', 'https://a.test/x?a=0&a=1')));
    expect(requestKey(req('GET', 'https://a.test/x#frag'))).toBe(requestKey(req('GET', 'https://a.test/x')));
  });

  it('drops ignoreQueryParams', () => {
    const options = { ignoreQueryParams: ['_t'] };
    expect(requestKey(req('GET', 'https://a.test/x?_t=1&a=1'), options)).toBe(requestKey(req('GET', 'https://a.test/x?a=1&_t=999'), options));
    expect(requestKey(req('GET', 'https://a.test/x?_t=1&a=1'))).not.toBe(requestKey(req('GET', 'https://a.test/x?a=1&_t=999')));
  });

  it('compares JSON bodies canonically and minus ignoreBodyPaths (with * wildcards)', () => {
    const a = req('POST', 'https://a.test/s', '{"b":1,"a":{"y":2,"x":[1,2]}}', 'application/json');
    const b = req('POST', 'https://a.test/s', '{\r\n "a": {"x": [1, 2], "y": 2},\r\n "b": 1}', 'application/json'); // text body, same JSON
    expect(b.body?.kind).toBe('text');
    expect(requestKey(a)).toBe(requestKey(b));
    expect(requestKey(a)).not.toBe(requestKey(req('POST', 'https://a.test/s', '{"b":1,"a":{"y":2,"x":[2,1]}}', 'application/json')));
    const options = { ignoreBodyPaths: ['requestId', 'items.*.ts'] };
    const c = req('POST', 'https://a.test/s', '{"requestId":"r1","items":[{"id":1,"ts":5},{"id":2,"ts":6}]}', 'application/json');
    const d = req('POST', 'https://a.test/s', '{"items":[{"id":1,"ts":7},{"id":2,"ts":8}],"requestId":"r2"}', 'application/json');
    expect(requestKey(c, options)).toBe(requestKey(d, options));
    expect(requestKey(c)).not.toBe(requestKey(d));
  });

  it('compares form bodies as sorted params and other bodies byte-wise', () => {
    const form = 'application/x-www-form-urlencoded';
    expect(requestKey(req('POST', 'https://a.test/f', 'b=2&a=1', form))).toBe(requestKey(req('POST', 'https://a.test/f', 'a=1&b=2', form)));
    expect(requestKey(req('POST', 'https://a.test/f', 'b=2&a=1', 'text/plain'))).not.toBe(requestKey(req('POST', 'https://a.test/f', 'a=1&b=2', 'text/plain')));
    expect(requestKey(req('POST', 'https://a.test/f', 'same', 'text/plain'))).toBe(requestKey(req('POST', 'https://a.test/f', 'same', 'application/octet-stream')));
  });

  it('matches headers only when listed, case-insensitively, minus ignoreHeaders', () => {
    const a = req('GET', 'https://a.test/h', undefined, undefined, { 'x-api-version': '1', date: 'Mon' });
    const b = req('GET', 'https://a.test/h', undefined, undefined, { 'X-Api-Version': '2', date: 'Tue' });
    expect(requestKey(a)).toBe(requestKey(b));
    expect(requestKey(a, { headers: ['X-API-Version'] })).not.toBe(requestKey(b, { headers: ['X-API-Version'] }));
    expect(requestKey(a, { headers: ['x-api-version'], ignoreHeaders: ['X-Api-Version'] })).toBe(requestKey(b, { headers: ['x-api-version'], ignoreHeaders: ['X-Api-Version'] }));
  });
});

describe('InteractionIndex', () => {
  const poll = () => req('GET', 'https://a.test/job/1');
  const sequence = [interaction(poll(), 'STARTING'), interaction(req('GET', 'https://a.test/other'), 'OTHER'), interaction(poll(), 'STARTING'), interaction(poll(), 'RUNNING')];

  it('replays identical requests in recorded order, then reports a mismatch', () => {
    const index = new InteractionIndex(sequence);
    expect([bodyText(index.take(poll())), bodyText(index.take(poll())), bodyText(index.take(poll()))]).toEqual(['STARTING', 'STARTING', 'RUNNING']);
    expect(index.take(poll())).toBeUndefined();
    expect(index.usedIndexes()).toEqual([0, 2, 3]);
    expect(index.unusedIndexes()).toEqual([1]);
    const [first] = index.explain(poll());
    expect(first).toEqual({
      index: 3,
      request: 'GET https://a.test/job/1',
      differences: ['already used (3 recorded responses consumed; set allowRepeats to replay it again)'],
    });
  });

  it('with allowRepeats replays the last response again', () => {
    const index = new InteractionIndex(sequence, { allowRepeats: true });
    const got = Array.from({ length: 5 }, () => bodyText(index.take(poll())));
    expect(got).toEqual(['STARTING', 'STARTING', 'RUNNING', 'RUNNING', 'RUNNING']);
  });

  it('uses a custom matcher over same-method candidates in recorded order', () => {
    const recorded = [
      interaction(req('GET', 'https://a.test/items?token=abc'), 'first'),
      interaction(req('POST', 'https://a.test/items'), 'post'),
      interaction(req('GET', 'https://a.test/items?token=def'), 'second'),
    ];
    const calls: string[] = [];
    const index = new InteractionIndex(recorded, {
      custom: (live, rec) => {
        calls.push(rec.method);
        return new URL(live.url).pathname === new URL(rec.url).pathname;
      },
    });
    expect(bodyText(index.take(req('GET', 'https://a.test/items?token=zzz')))).toBe('first');
    expect(bodyText(index.take(req('GET', 'https://a.test/items')))).toBe('second');
    expect(index.take(req('GET', 'https://a.test/items'))).toBeUndefined();
    expect(calls).not.toContain('POST');
    expect(index.explain(req('GET', 'https://a.test/nope'))[0]?.differences).toContain('path: /items ≠ /nope');
  });

  it('explains the closest candidates with what differs', () => {
    const recorded = [
      interaction(req('GET', 'https://api.test/users/2?page=2')),
      interaction(req('POST', 'https://api.test/search', '{"q":"x","filter":{"since":"2024-01-01"}}', 'application/json')),
      interaction(req('GET', 'https://other.test/zzz')),
    ];
    const index = new InteractionIndex(recorded);
    const users = index.explain(req('GET', 'https://api.test/users/3?page=3&extra=1'));
    expect(users[0]).toEqual({
      index: 0,
      request: 'GET https://api.test/users/2?page=2',
      differences: ['path: /users/2 ≠ /users/3', 'query.page: "2" ≠ "3"', 'query.extra: missing in recording'],
    });
    expect(users).toHaveLength(3);
    const search = index.explain(req('POST', 'https://api.test/search', '{"q":"x","filter":{"since":"2024-02-01"}}', 'application/json'), 1);
    expect(search).toEqual([
      { index: 1, request: 'POST https://api.test/search', differences: ['body.filter.since: "2024-01-01" ≠ "2024-02-01"'] },
    ]);
    const host = index.explain(req('GET', 'https://elsewhere.test/zzz'), 1);
    expect(host[0]?.differences).toEqual(['host: https://other.test ≠ https://elsewhere.test']);
  });

  it('gives per-matcher verdicts for the debug log', () => {
    const index = new InteractionIndex([interaction(req('GET', 'https://a.test/x')), interaction(req('POST', 'https://a.test/x', 'a', 'text/plain'))], { headers: ['accept'] });
    const verdicts = index.verdicts(req('POST', 'https://a.test/x', 'b', 'text/plain'));
    expect(verdicts).toEqual([
      { index: 0, matcher: 'method', ok: false },
      { index: 0, matcher: 'url', ok: true },
      { index: 0, matcher: 'body', ok: false },
      { index: 0, matcher: 'headers', ok: true },
      { index: 1, matcher: 'method', ok: true },
      { index: 1, matcher: 'url', ok: true },
      { index: 1, matcher: 'body', ok: false },
      { index: 1, matcher: 'headers', ok: true },
    ]);
  });

  it('does not re-parse recorded bodies per lookup', () => {
    let reads = 0;
    const request = req('POST', 'https://a.test/x', '{"a":1}', 'application/json');
    const body = request.body as { kind: 'json'; value: unknown };
    const value = body.value;
    Object.defineProperty(body, 'value', { get: () => (reads++, value), enumerable: true });
    const index = new InteractionIndex([interaction(request)], { allowRepeats: true });
    // keys are computed on the first lookup (see the class comment), once
    expect(index.take(req('POST', 'https://a.test/x', '{"a":1}', 'application/json'))).toBeDefined();
    const afterFirst = reads;
    expect(afterFirst).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) expect(index.take(req('POST', 'https://a.test/x', '{"a":1}', 'application/json'))).toBeDefined();
    expect(reads).toBe(afterFirst);
  });
});

describe('InteractionIndex keys', () => {
  // spellings of the same few requests: canonical (the index's fast path) and not (key parts)
  const urls = [
    'http://api.test/items/1',
    'HTTP://API.test:80/items/1',
    'http://api.test/items/../items/1',
    'http://api.test/items/1?b=2&a=1',
    'http://api.test/items/1?a=1&b=2',
    'http://api.test/items/%7e1',
    'http://api.test/items/~1',
    'http://api.test/a%20b',
    'http://api.test/a b',
    'https://api.test:443/items/1',
    'https://api.test/items/1',
  ];
  const request = fc.record({
    method: fc.constantFrom('GET', 'get', 'Get', 'POST', 'DELETE'),
    url: fc.constantFrom(...urls),
    body: fc.constantFrom(undefined, '{"a":1}', '{ "a": 1 }', 'x'),
    accept: fc.constantFrom(undefined, 'application/json', 'text/plain'),
  });
  const build = (r: { method: string; url: string; body: string | undefined; accept: string | undefined }) =>
    req(r.method, r.url, r.body, r.body === undefined ? undefined : 'application/json', r.accept ? { accept: r.accept } : {});

  it('takes exactly what comparing requestKey in recorded order takes, fast path or not, first lookup or later (property)', () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 12 }), fc.array(request, { maxLength: 12 }), fc.boolean(), fc.boolean(), (recorded, live, matchAccept, allowRepeats) => {
        const options = matchAccept ? { headers: ['accept'] } : {};
        const interactions = recorded.map((r, i) => interaction(build(r), String(i)));
        const index = new InteractionIndex(interactions, { ...options, allowRepeats });
        const used = new Set<number>();
        for (const r of live) {
          const key = requestKey(build(r), options);
          const same = interactions.map((x, i) => (requestKey(x.request, options) === key ? i : -1)).filter((i) => i >= 0);
          const unused = same.find((i) => !used.has(i));
          const expected = unused ?? (allowRepeats && same.length > 0 ? (same.at(-1) as number) : -1);
          const hit = index.take(build(r));
          expect(hit?.index ?? -1).toBe(expected);
          if (expected >= 0) used.add(expected);
        }
        expect(index.usedIndexes()).toEqual([...used].sort((a, b) => a - b));
      }),
      { numRuns: 500 },
    );
  });
});

