import { describe, expect, it } from 'vitest';
import { bodyToBytes, serializeCassette } from '../../src/cassette/index.js';
import { ReeltapeConfigError } from '../../src/errors/index.js';
import { requestKey } from '../../src/matching/index.js';
import {
  chain,
  configSecretsSanitizer,
  defaultSanitizer,
  findLeaks,
  sanitizeInteraction,
  sanitizeLiveRequest,
  SecretSet,
  type Sanitizer,
} from '../../src/sanitizers/index.js';
import type { Interaction } from '../../src/cassette/types.js';
import { cassetteOf, interaction, json, req, res, spellings, text } from './fixtures.js';

function record(sanitizer: Sanitizer, interactions: Interaction[], secrets = new SecretSet()) {
  const stored = interactions.map((i, index) => sanitizeInteraction(sanitizer, i, { cassette: 't', index, secrets }));
  const cassette = cassetteOf(stored);
  return { stored, cassette, secrets, file: serializeCassette(cassette) };
}

const TOKEN = 'eyJhbGciOi.LOGIN-TOKEN-9f8e7d6c5b4a';
const REFRESH = 'refresh-5544332211-abc';
const PASSWORD = 'correct horse battery';
const API_KEY = 'ak_live_0123456789abcdef';
const CLIENT_SECRET = 'cs-deep-secret-777888';
const CONFIG_SECRET = 'kbc-config-S3cret/+value';
const COOKIE = 'sess-0a1b2c3d4e5f';
const CUSTOM_HEADER = 'custom-header-secret-42';

describe('defaultSanitizer: secrets planted in every place', () => {
  const config = { parameters: { '#api_token': CONFIG_SECRET, db: { user: 'reader' } } };
  const traffic: Interaction[] = [
    // 1. login: form body password + client_secret, token response
    interaction(
      req({
        method: 'POST',
        url: `https://auth.example/oauth/token?client_id=app&api_key=${API_KEY}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '99', authorization: `Basic ${Buffer.from(`app:${CLIENT_SECRET}`).toString('base64')}` },
        body: text(`grant_type=password&username=joe&password=${encodeURIComponent(PASSWORD)}&client_secret=${CLIENT_SECRET}`),
      }),
      res({
        headers: { 'content-type': 'application/json', 'set-cookie': [`sid=${COOKIE}; Path=/; HttpOnly`, 'theme=dark; Path=/'] },
        body: json({ access_token: TOKEN, refresh_token: REFRESH, token_type: 'bearer', expires_in: 3600 }),
      }),
    ),
    // 2. the call that carries the token: header, URL path segment, nested JSON, config secret url-encoded in query
    interaction(
      req({
        method: 'POST',
        url: `https://api.example/v1/sessions/${TOKEN}/items?q=${encodeURIComponent(CONFIG_SECRET)}&page=2`,
        headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': API_KEY, 'x-custom-token': CUSTOM_HEADER, cookie: `sid=${COOKIE}`, 'content-type': 'application/json' },
        body: json({ data: { items: [{ id: 1 }, { credentials: { client_secret: CLIENT_SECRET, nested: [{ password: PASSWORD }] } }] } }),
      }),
      res({
        headers: { 'content-type': 'text/plain', 'content-length': '10' },
        body: text(`echo: ${Buffer.from(CONFIG_SECRET).toString('base64')} and ${TOKEN}`),
      }),
    ),
  ];

  it('leaves none of them, in any form, in the serialized cassette', () => {
    const { file, cassette, secrets } = record(chain(configSecretsSanitizer(config), defaultSanitizer()), traffic);
    for (const secret of [TOKEN, REFRESH, PASSWORD, API_KEY, CLIENT_SECRET, CONFIG_SECRET, COOKIE, CUSTOM_HEADER]) {
      for (const spelling of spellings(secret)) expect(file, `${secret} as ${spelling}`).not.toContain(spelling);
    }
    expect(findLeaks(cassette, secrets.values())).toEqual([]);
    expect(secrets.values()).toEqual(expect.arrayContaining([TOKEN, REFRESH, CLIENT_SECRET, CONFIG_SECRET]));
  });

  it('uses readable, stable markers, and the same marker where a learned token reappears', () => {
    const { stored } = record(defaultSanitizer({ config }), traffic);
    const [login, call] = stored as [Interaction, Interaction];
    expect(login.request.headers.authorization).toBe('Basic [REDACTED:authorization]');
    expect(login.request.url).toBe('https://auth.example/oauth/token?client_id=app&api_key=[REDACTED:api_key]');
    expect(login.response.headers['set-cookie']).toEqual(['sid=[REDACTED:set-cookie]; Path=/; HttpOnly', 'theme=[REDACTED:set-cookie]; Path=/']);
    expect(login.response.body).toEqual(json({ access_token: '[REDACTED:access_token]', refresh_token: '[REDACTED:refresh_token]', token_type: 'bearer', expires_in: 3600 }));
    expect(call.request.url).toBe('https://api.example/v1/sessions/[REDACTED:access_token]/items?q=[REDACTED:#api_token]&page=2');
    expect(call.request.headers.authorization).toBe('Bearer [REDACTED:authorization]');
    expect(call.request.headers['x-custom-token']).toBe('[REDACTED:x-custom-token]');
    expect(call.request.headers.cookie).toBe('sid=[REDACTED:cookie]');
    expect(call.response.body).toEqual(text('echo: [REDACTED:#api_token] and [REDACTED:access_token]'));
  });
});

describe('defaultSanitizer: no corruption', () => {
  it('matches names whole: country_code, page_token, code are left alone', () => {
    const url = 'https://api.example/x?country_code=US&page_token=p%2Fq+r&code=abc&token=t0k3n-value';
    const { stored } = record(defaultSanitizer(), [
      interaction(req({ url }), res({ headers: { 'content-type': 'application/json' }, body: json({ code: 200, country_code: 'US', page_token: 'next-page-123', tokens: 5 }) })),
    ]);
    const [i] = stored as [Interaction];
    expect(i.request.url).toBe('https://api.example/x?country_code=US&page_token=p%2Fq+r&code=abc&token=[REDACTED:token]');
    expect(i.response.body).toEqual(json({ code: 200, country_code: 'US', page_token: 'next-page-123', tokens: 5 }));
  });

  it('keeps JSON types: a redacted number becomes 0; booleans and null are no secrets and stay', () => {
    const { stored } = record(defaultSanitizer(), [
      interaction(req({ url: 'https://a.example/' }), res({ body: json({ password: 12345678, secret: true, token: null, api_key: ['abcdef-1', 7], key: 'PROJ-1' }) })),
    ]);
    expect((stored[0] as Interaction).response.body).toEqual(json({ password: 0, secret: true, token: null, api_key: ['[REDACTED:api_key]', 0], key: 'PROJ-1' }));
  });

  it('keeps pagination and retry headers (deny-list, never allow-list)', () => {
    const headers = {
      link: '<https://a.example/?page=2>; rel="next"',
      location: 'https://a.example/next',
      etag: 'W/"abc"',
      'retry-after': '120',
      'content-type': 'application/json',
      'x-ratelimit-remaining': '42',
      'x-request-id': 'req-1',
    };
    const { stored } = record(defaultSanitizer(), [interaction(req({ url: 'https://a.example/' }), res({ headers }))]);
    expect((stored[0] as Interaction).response.headers).toEqual(headers);
  });

  it('stores an untouched body and URL exactly as they came (same bytes)', () => {
    const original = interaction(
      req({ url: 'https://a.example/p?b=%7E&a=1&x=%E2%82%AC', headers: { 'content-type': 'text/plain', 'content-length': '5' }, body: text('hello') }),
      res({ headers: { 'content-type': 'application/json', 'content-length': '27' }, body: { kind: 'json', value: { z: 1, a: [true, null] }, format: { indent: 2 } } }),
    );
    const { stored } = record(defaultSanitizer(), [original]);
    const [i] = stored as [Interaction];
    expect(i.request.url).toBe(original.request.url);
    expect(bodyToBytes(i.response.body)).toEqual(bodyToBytes(original.response.body));
    expect(i.response.headers['content-length']).toBe('27');
    expect(i).toEqual(original);
    expect(i).not.toBe(original); // a deep copy: the caller's object is never touched
  });

  it('corrects content-length when a body is rewritten, and only when present', () => {
    const body = text('{"password":"hunter22-long","ok":true}');
    const { stored } = record(defaultSanitizer(), [
      interaction(
        req({ method: 'POST', url: 'https://a.example/', headers: { 'content-type': 'application/json', 'content-length': '38' }, body }),
        res({ headers: { 'content-type': 'application/json' }, body: json({ token: 'abcdefgh12' }) }),
      ),
    ]);
    const [i] = stored as [Interaction];
    expect(i.request.body).toEqual(text('{"password":"[REDACTED:password]","ok":true}'));
    expect(i.request.headers['content-length']).toBe(String(bodyToBytes(i.request.body).byteLength));
    expect(i.response.headers['content-length']).toBeUndefined();
  });

  it('rewrites only the matched form fields, leaving the rest byte-identical', () => {
    const { stored } = record(defaultSanitizer(), [
      interaction(req({ method: 'POST', url: 'https://a.example/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: text('a=%41+b&password=pa%24%24word1&z=') })),
    ]);
    expect((stored[0] as Interaction).request.body).toEqual(text('a=%41+b&password=[REDACTED:password]&z='));
  });

  it('extends and narrows the lists with extra*/keep* options', () => {
    const s = defaultSanitizer({ extraHeaders: ['x-tenant'], extraParams: ['session'], extraFields: ['ssn'], keepFields: ['demoToken'], keepHeaders: ['x-page-token'] });
    const { stored } = record(s, [
      interaction(
        req({ url: 'https://a.example/?session=abcdef123&key=k-123456', headers: { 'x-tenant': 'tenant-123456', 'x-page-token': 'page-7' } }),
        res({ body: json({ ssn: '123-45-6789', key: 'PROJ-123', demo_token: 'public-demo-1' }) }),
      ),
    ]);
    const [i] = stored as [Interaction];
    // `key` counts only when its value looks random
    expect(i.request.url).toBe('https://a.example/?session=[REDACTED:session]&key=k-123456');
    expect(i.request.headers).toEqual({ 'x-tenant': '[REDACTED:x-tenant]', 'x-page-token': 'page-7' });
    expect(i.response.body).toEqual(json({ ssn: '[REDACTED:ssn]', key: 'PROJ-123', demo_token: 'public-demo-1' }));
  });

  it('refuses a literal secret shorter than 6 characters instead of replacing it inside words', () => {
    expect(() => configSecretsSanitizer({ '#pw': 'ab' })).toThrow(ReeltapeConfigError);
    expect(() => configSecretsSanitizer({}, { values: ['abc'] })).toThrow(/shorter than 6/);
    expect(() => defaultSanitizer({ config: { '#pw': 'ab' } })).toThrow(ReeltapeConfigError);
  });

  it('ignores short values discovered automatically (no literal replacement of "abc")', () => {
    const { stored, secrets } = record(defaultSanitizer(), [
      interaction(req({ url: 'https://a.example/?token=abc' }), res({ body: text('abcdef abc') })),
    ]);
    expect(secrets.values()).toEqual([]);
    expect((stored[0] as Interaction).response.body).toEqual(text('abcdef abc'));
  });
});

describe('sanitizeLiveRequest: replay with a different secret still matches', () => {
  it('makes a dummy-token request key-equal to the real-token recorded request', () => {
    const s = chain(defaultSanitizer(), configSecretsSanitizer({ '#token': 'real-config-secret' }));
    const real = req({
      method: 'POST',
      url: 'https://a.example/data?access_token=REAL-1234567&page=1',
      headers: { authorization: 'Bearer REAL-1234567', 'content-type': 'application/json' },
      body: json({ auth: { password: 'real-password' }, query: 'x' }),
    });
    const recorded = sanitizeInteraction(s, interaction(real), { cassette: 't', index: 0, secrets: new SecretSet() }).request;

    const replayS = chain(defaultSanitizer(), configSecretsSanitizer({ '#token': 'dummy-config-value' }));
    const dummy = req({ ...real, url: 'https://a.example/data?access_token=dummy-xyz&page=1', headers: { authorization: 'Bearer dummy-xyz', 'content-type': 'application/json' }, body: json({ auth: { password: 'whatever' }, query: 'x' }) });
    const live = sanitizeLiveRequest(replayS, dummy, 't');
    const options = { headers: ['authorization'] };
    expect(requestKey(live, options)).toBe(requestKey(recorded, options));
    expect(dummy.headers.authorization).toBe('Bearer dummy-xyz'); // the caller's request is untouched

    const other = sanitizeLiveRequest(replayS, { ...dummy, url: 'https://a.example/data?access_token=dummy-xyz&page=2' }, 't');
    expect(requestKey(other, options)).not.toBe(requestKey(recorded, options));
  });

  it('redacts config secrets in the live request from the replay config', () => {
    const recorded = sanitizeInteraction(configSecretsSanitizer({ '#t': 'real-secret-1' }), interaction(req({ url: 'https://a.example/x/real-secret-1' })), { cassette: 't', index: 0, secrets: new SecretSet() });
    const live = sanitizeLiveRequest(configSecretsSanitizer({ '#t': 'dummy-secret' }), req({ url: 'https://a.example/x/dummy-secret' }), 't');
    expect(live.url).toBe(recorded.request.url);
    expect(live.url).toBe('https://a.example/x/[REDACTED:#t]');
  });
});
