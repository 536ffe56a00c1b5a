import { describe, expect, it } from 'vitest';
import { SecretLeakError } from '../../src/errors/index.js';
import { assertNoLeaks, findLeaks, redactKnownSecrets, SecretSet } from '../../src/sanitizers/index.js';
import { cassetteOf, interaction, json, req, res, text } from './fixtures.js';

const SECRET = 'leaky-secret-value+1';

describe('findLeaks', () => {
  it('finds raw, URL-encoded and base64 forms with their JSON paths, never the value', () => {
    const inner = Buffer.from(`user:${SECRET}`).toString('base64'); // unaligned inside a longer base64 text
    const cassette = cassetteOf([
      interaction(req({ url: `https://a/?q=${encodeURIComponent(SECRET)}`, headers: { 'x-basic': inner } }), res({ body: json({ data: [{ note: `see ${SECRET}` }] }) })),
      interaction(req({ url: 'https://a/' }), res({ body: { kind: 'binary', value: new Uint8Array([1, 2, ...Buffer.from(SECRET), 3]) } })),
      interaction(req({ url: 'https://a/' }), res({ body: text('x=leaky-secret-value%2B1') })),
    ]);
    cassette.meta.extra = { note: Buffer.from(SECRET).toString('base64url') };
    const leaks = findLeaks(cassette, [SECRET]);
    expect(leaks).toEqual(
      expect.arrayContaining([
        { interaction: 0, path: 'request.url', form: 'url-encoded' },
        { interaction: 0, path: 'request.headers.x-basic', form: 'base64' },
        { interaction: 0, path: 'response.body.value.data[0].note', form: 'raw' },
        { interaction: 1, path: 'response.body.value', form: 'base64' },
        { interaction: 2, path: 'response.body.value', form: 'url-encoded' },
        { interaction: -1, path: 'meta.extra.note', form: 'base64' },
      ]),
    );
    expect(JSON.stringify(leaks)).not.toContain(SECRET);
  });

  it('finds hex and JSON-escaped spellings (`\\/` and `\\u00xx`), and replaces them with the marker', () => {
    const slashed = 'tok/en-value+9';
    const escaped = JSON.stringify({ echo: slashed }).replace(/\//g, '\\/');
    const unicode = `{"echo":"tok\\u002Fen\\u002Dvalue\\u002B9"}`; // as .NET writes it
    const cassette = cassetteOf([
      interaction(req({ url: 'https://a/' }), res({ body: text(escaped) })),
      interaction(req({ url: 'https://a/' }), res({ body: text(unicode) })),
      interaction(req({ url: `https://a/?h=${Buffer.from(slashed).toString('hex')}` })),
    ]);
    expect(findLeaks(cassette, [slashed])).toEqual([
      { interaction: 0, path: 'response.body.value', form: 'json-escaped' },
      { interaction: 1, path: 'response.body.value', form: 'json-escaped' },
      { interaction: 2, path: 'request.url', form: 'hex' },
    ]);
    const secrets = new SecretSet();
    secrets.add(slashed, '[REDACTED:token]');
    const clean = redactKnownSecrets(cassette, secrets);
    expect(findLeaks(clean, [slashed])).toEqual([]);
    expect(clean.interactions[0]?.response.body).toEqual(text('{"echo":"[REDACTED:token]"}'));
  });

  it('finds nothing in a clean cassette, and ignores values shorter than 6 characters', () => {
    const cassette = cassetteOf([interaction(req({ url: 'https://a/?q=abc' }), res({ body: json({ a: 'abc', b: 'leaky-secret-valu' }) }))]);
    expect(findLeaks(cassette, [SECRET, 'abc'])).toEqual([]);
  });

  it('assertNoLeaks throws SecretLeakError naming the interaction and path', () => {
    const cassette = cassetteOf([interaction(req({ url: `https://a/${SECRET}` }))]);
    expect(() => assertNoLeaks(cassette, [SECRET], '/tmp/c.json')).toThrow(SecretLeakError);
    try {
      assertNoLeaks(cassette, [SECRET], '/tmp/c.json');
    } catch (error) {
      const leak = error as SecretLeakError;
      expect(leak.file).toBe('/tmp/c.json');
      expect(leak.message).toContain('interaction 0 at request.url (raw)');
      expect(leak.message).not.toContain(SECRET);
    }
    expect(() => assertNoLeaks(cassetteOf([]), [SECRET], 'x')).not.toThrow();
  });

  it('redactKnownSecrets replaces a value learned late in earlier interactions too', () => {
    const secrets = new SecretSet();
    secrets.add(SECRET, '[REDACTED:access_token]');
    const cassette = cassetteOf([interaction(req({ url: `https://a/${SECRET}`, headers: { 'content-length': '25' }, body: text(`t=${SECRET}`) }))]);
    const clean = redactKnownSecrets(cassette, secrets);
    expect(clean.interactions[0]?.request.url).toBe('https://a/[REDACTED:access_token]');
    expect(clean.interactions[0]?.request.headers['content-length']).toBe(String('t=[REDACTED:access_token]'.length));
    expect(findLeaks(clean, secrets.values())).toEqual([]);
    expect(cassette.interactions[0]?.request.url).toContain(SECRET);
  });
});
