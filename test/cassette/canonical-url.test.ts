import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canParseUrl, isCanonicalPlainUrl } from '../../src/cassette/canonical-url.js';
import { parseCassette, serializeCassette } from '../../src/index.js';
import { normalizeUrl } from '../../src/matching/index.js';

const part = fc.constantFrom('a', 'Z', '0', '9', '-', '.', '..', '%2e', '%2E', '%41', '%zz', '%', '_', '~', '@', ':', '?', '#', '/', '//', '\\', ' ', 'é', 'xn--', "'", '"', '{', '[', '::1]', '80', '443', '65535', '65536', '00', '256', '0x7f');
const urlLike = fc
  .tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'ftp://', 'http:/', ''), fc.array(part, { maxLength: 6 }), fc.constantFrom('', ':80', ':443', ':8080', ':0', ':99999', ':'), fc.array(part, { maxLength: 8 }))
  .map(([scheme, host, port, path]) => `${scheme}${host.join('')}${port}${path.join('')}`);
const hostLabel = fc.constantFrom('a', 'b1', 'x-y', '127', '0', '256', '1', 'A', 'xn--a', '0x1', 'api', '');
const nearlyCanonical = fc
  .tuple(fc.constantFrom('http://', 'https://'), fc.array(hostLabel, { minLength: 1, maxLength: 4 }), fc.constantFrom('', ':80', ':443', ':8080', ':65536'), fc.array(part, { maxLength: 6 }))
  .map(([scheme, labels, port, path]) => `${scheme}${labels.join('.')}${port}/${path.join('')}`);

/** The reference: `new URL`. (`URL.canParse` is stateful on Node 20.20 for internationalized hosts — see below.) */
function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

describe('canonical URL shortcuts', () => {
  it('isCanonicalPlainUrl implies new URL(url).href === url; canParseUrl agrees with new URL', () => {
    let canonical = 0;
    fc.assert(
      fc.property(fc.oneof(urlLike, nearlyCanonical), (url) => {
        expect(canParseUrl(url)).toBe(parses(url));
        if (isCanonicalPlainUrl(url)) {
          canonical++;
          expect(new URL(url).href).toBe(url);
          expect(url).not.toMatch(/[?#]/);
        }
      }),
      { numRuns: 20000 },
    );
    expect(canonical).toBeGreaterThan(100);
  });

  it('accepts typical URLs and leaves the rest to URL', () => {
    expect(isCanonicalPlainUrl('http://127.0.0.1:9/items/1')).toBe(true);
    expect(isCanonicalPlainUrl('https://api.example.test/v1/users/%C3%A9')).toBe(true);
    for (const url of ['http://127.0.0.1:80/x', 'https://a.test:443/', 'http://A.test/', 'http://a.test', 'http://a.test/x?b=1', 'http://u@a.test/', 'http://a.test/./x', 'http://1.2.3/', 'http://xn--nxasmq6b.test/']) {
      expect(isCanonicalPlainUrl(url), url).toBe(false);
      expect(normalizeUrl(url)).toBe(parses(url) ? normalizeUrl(`${url}#f`) : url);
    }
  });
});

describe('lazily decoded base64 bodies', () => {
  it('decode on first read, compare equal, serialize back and accept assignment', () => {
    const text = serializeCassette({
      version: 1,
      meta: { reeltape: '0', node: 'v20', recordedAt: '2024-01-01T00:00:00Z' },
      interactions: [
        {
          request: { method: 'GET', url: 'http://127.0.0.1/b', headers: {}, body: null },
          response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/octet-stream' }, body: { kind: 'binary', value: new Uint8Array([0, 255, 1, 2]) } },
        },
      ],
    });
    const loaded = parseCassette(text, '/tmp/b.json');
    const body = loaded.interactions[0]!.response.body;
    expect(body).toEqual({ kind: 'binary', value: new Uint8Array([0, 255, 1, 2]) });
    expect(serializeCassette(loaded)).toBe(text);
    if (body?.kind !== 'binary') throw new Error('expected a binary body');
    body.value = new Uint8Array([7]);
    expect(body.value).toEqual(new Uint8Array([7]));
    expect(structuredClone(body)).toEqual({ kind: 'binary', value: new Uint8Array([7]) });
  });
});
