import { describe, expect, it } from 'vitest';
import { ReeltapeConfigError, SanitizerError } from '../../src/errors/index.js';
import type { CassetteMeta, Interaction } from '../../src/cassette/types.js';
import {
  bodyFieldSanitizer,
  chain,
  configSecretsSanitizer,
  fakerSanitizer,
  fakeValue,
  headerSanitizer,
  queryParamSanitizer,
  regexSanitizer,
  sanitizeInteraction,
  sanitizeLiveRequest,
  sanitizeMeta,
  SecretSet,
  type Sanitizer,
} from '../../src/sanitizers/index.js';
import { interaction, json, req, res, text } from './fixtures.js';

const run = (s: Sanitizer, i: Interaction, secrets = new SecretSet(), index = 0) => sanitizeInteraction(s, i, { cassette: 'c', index, secrets });

describe('headerSanitizer / queryParamSanitizer', () => {
  it('redacts exactly the named headers, with an optional replacement', () => {
    const out = run(headerSanitizer(['X-Tenant']), interaction(req({ url: 'https://a/', headers: { 'x-tenant': 'acme-tenant', 'x-tenant-id': '7' } }), res({ headers: { 'x-tenant': 'acme-tenant' } })));
    expect(out.request.headers).toEqual({ 'x-tenant': '[REDACTED:x-tenant]', 'x-tenant-id': '7' });
    expect(out.response.headers).toEqual({ 'x-tenant': '[REDACTED:x-tenant]' });
    const custom = run(headerSanitizer(['x-tenant'], 'HIDDEN'), interaction(req({ url: 'https://a/', headers: { 'x-tenant': 'acme' } })));
    expect(custom.request.headers['x-tenant']).toBe('HIDDEN');
  });

  it('redacts named params in the URL, redirect locations and form bodies, keeping other bytes', () => {
    const s = queryParamSanitizer(['sig']);
    const out = run(
      s,
      interaction(
        req({ url: 'https://a/p?x=%2F%2f&SIG=abcdef12&sigma=1#frag' }),
        res({ status: 302, headers: { location: 'https://b/cb?sig=zzz999888&y=1' } }),
      ),
    );
    expect(out.request.url).toBe('https://a/p?x=%2F%2f&SIG=[REDACTED:sig]&sigma=1#frag');
    expect(out.response.headers.location).toBe('https://b/cb?sig=[REDACTED:sig]&y=1');
  });

  it('rejects bad name lists', () => {
    expect(() => headerSanitizer([''])).toThrow(ReeltapeConfigError);
    expect(() => queryParamSanitizer('token' as unknown as string[])).toThrow(ReeltapeConfigError);
  });
});

describe('bodyFieldSanitizer', () => {
  const body = json({ data: { user: { email: 'a@b.example', id: 12345678 }, items: [{ token: 'tok-aaaaaa' }, { token: 'tok-bbbbbb' }] }, meta: { deep: { x: { password: 'pw-123456' } } }, email: 'top@x.example' });

  it('supports dotted paths, * for one segment or index, ** for any depth', () => {
    const out = run(bodyFieldSanitizer(['data.user.email', 'data.items.*.token', '**.password']), interaction(req({ url: 'https://a/' }), res({ body })));
    expect(out.response.body).toEqual(
      json({ data: { user: { email: '[REDACTED:email]', id: 12345678 }, items: [{ token: '[REDACTED:token]' }, { token: '[REDACTED:token]' }] }, meta: { deep: { x: { password: '[REDACTED:password]' } } }, email: 'top@x.example' }),
    );
  });

  it('keeps number type and accepts a replacement value', () => {
    const out = run(bodyFieldSanitizer(['data.user.id']), interaction(req({ url: 'https://a/' }), res({ body })));
    expect((out.response.body as unknown as { value: { data: { user: { id: unknown } } } }).value.data.user.id).toBe(0);
    const replaced = run(bodyFieldSanitizer(['email'], 'x@example.invalid'), interaction(req({ url: 'https://a/' }), res({ body })));
    expect((replaced.response.body as unknown as { value: { email: unknown } }).value.email).toBe('x@example.invalid');
  });

  it('applies to JSON held as text when the content type says JSON', () => {
    const out = run(bodyFieldSanitizer(['a.b']), interaction(req({ method: 'POST', url: 'https://a/', headers: { 'content-type': 'application/vnd.api+json' }, body: text('{\n  "a": {"b": "hidden-value"}\n}\n') })));
    expect(out.request.body).toEqual(text('{\n  "a": {\n    "b": "[REDACTED:b]"\n  }\n}\n'));
  });
});

describe('regexSanitizer', () => {
  it('replaces every match in URL, headers, text and JSON strings (global implied)', () => {
    const s = regexSanitizer(/sk_live_[a-z0-9]+/, '[REDACTED:stripe]');
    const out = run(
      s,
      interaction(
        req({ url: 'https://a/k/sk_live_abc1?x=sk_live_def2', headers: { 'x-note': 'use sk_live_ghi3' } }),
        res({ body: json({ list: ['sk_live_jkl4', 'plain'], n: 1 }) }),
      ),
    );
    expect(out.request.url).toBe('https://a/k/[REDACTED:stripe]?x=[REDACTED:stripe]');
    expect(out.request.headers['x-note']).toBe('use [REDACTED:stripe]');
    expect(out.response.body).toEqual(json({ list: ['[REDACTED:stripe]', 'plain'], n: 1 }));
  });

  it('refuses a pattern matching the empty string', () => {
    expect(() => regexSanitizer(/x*/, 'y')).toThrow(ReeltapeConfigError);
  });
});

describe('configSecretsSanitizer', () => {
  const config = { parameters: { '#password': 'db-pass-123/+', nested: [{ '#key': 12345678 }], '#empty': '', host: 'db.example' } };

  it('collects # values at any depth and replaces raw, URL-encoded and base64 forms', () => {
    const s = configSecretsSanitizer(config, { values: ['explicit-secret'] });
    expect(s.secrets).toEqual(['db-pass-123/+', '12345678', 'explicit-secret']);
    const out = run(
      s,
      interaction(
        req({ url: `https://a/?p=${encodeURIComponent('db-pass-123/+')}&n=12345678`, headers: { 'x-b64': Buffer.from('db-pass-123/+').toString('base64') } }),
        res({ body: text('explicit-secret and db-pass-123/+') }),
      ),
    );
    expect(out.request.url).toBe('https://a/?p=[REDACTED:#password]&n=[REDACTED:#key]');
    expect(out.request.headers['x-b64']).toBe('[REDACTED:#password]');
    expect(out.response.body).toEqual(text('[REDACTED:secret] and [REDACTED:#password]'));
  });

  it('leaves binary bodies alone (the leak scan still checks them)', () => {
    const bytes = new Uint8Array([0xff, 0x00, ...Buffer.from('db-pass-123/+')]);
    const out = run(configSecretsSanitizer(config), interaction(req({ url: 'https://a/' }), res({ body: { kind: 'binary', value: bytes } })));
    expect(out.response.body).toEqual({ kind: 'binary', value: bytes });
  });

  it('stores the masked config in meta.extra.config when asked', () => {
    const meta: CassetteMeta = { reeltape: '0', node: 'v20', recordedAt: '2024-01-01T00:00:00Z' };
    const out = sanitizeMeta(configSecretsSanitizer(config, { storeConfig: true }), meta, { cassette: 'c', secrets: new SecretSet() });
    expect(out.extra?.config).toEqual({ parameters: { '#password': '[REDACTED:#password]', nested: [{ '#key': '[REDACTED:#key]' }], '#empty': '', host: 'db.example' } });
    expect(meta.extra).toBeUndefined();
    expect(JSON.stringify(out)).not.toContain('db-pass-123');
  });
});

describe('fakerSanitizer', () => {
  const people = json({ users: [{ id: 4711, name: 'Jane Roe', email: 'jane@corp.example', manager_email: 'boss@corp.example' }, { id: 4712, name: 'John Doe', email: 'john@corp.example', manager_email: 'jane@corp.example' }], count: 2 });
  const rules = { name: 'name', email: 'email', manager_email: 'email', 'users.*.id': 'id' } as const;

  it('is deterministic across instances and keeps references consistent', () => {
    const a = run(fakerSanitizer(rules), interaction(req({ url: 'https://a/' }), res({ body: people })));
    const b = run(fakerSanitizer(rules), interaction(req({ url: 'https://a/' }), res({ body: people })));
    expect(a.response.body).toEqual(b.response.body);
    const users = (a.response.body as unknown as { value: { users: Array<Record<string, unknown>> } }).value.users;
    const [jane, john] = users as [Record<string, unknown>, Record<string, unknown>];
    expect(jane.email).not.toBe('jane@corp.example');
    expect(john.manager_email).toBe(jane.email); // the same person maps to the same fake
    expect(jane.name).not.toBe('Jane Roe');
    expect(typeof jane.id).toBe('number');
    expect(String(jane.id)).toHaveLength(4);
    expect((a.response.body as unknown as { value: { count: number } }).value.count).toBe(2);
    expect(fakeValue('email', 'x@y.example')).toBe(fakeValue('email', 'x@y.example'));
    expect(fakeValue('email', 'x@y.example')).not.toBe(fakeValue('email', 'z@y.example'));
  });

  it('leaves requests alone unless asked, and supports custom functions', () => {
    const reqBody = req({ method: 'POST', url: 'https://a/', headers: { 'content-type': 'application/json' }, body: json({ email: 'jane@corp.example' }) });
    expect(run(fakerSanitizer({ email: 'email' }), interaction(reqBody)).request.body).toEqual(reqBody.body);
    const withRequests = run(fakerSanitizer({ email: (_o, f) => f.internet.email({ provider: 'example.test' }) }, { requests: true }), interaction(reqBody));
    expect((withRequests.request.body as unknown as { value: { email: string } }).value.email).toMatch(/@example\.test$/);
  });

  it('rejects unknown kinds', () => {
    expect(() => fakerSanitizer({ email: 'mail' as 'email' })).toThrow(ReeltapeConfigError);
  });
});

describe('chain and errors', () => {
  const tag = (name: string): Sanitizer => ({
    name,
    request(r) {
      r.headers['x-order'] = `${r.headers['x-order'] ?? ''}${name}`;
    },
    response(r, ctx) {
      r.headers['x-seen'] = String(ctx.request?.headers['x-order']);
    },
  });

  it('runs hooks in order; response hooks see the sanitized request; secrets are the union', () => {
    const s = chain(tag('a'), chain(tag('b'), false, tag('c')), { name: 'ret', request: (r) => ({ ...r, method: 'PUT' }), secrets: ['secret-one'] });
    const out = run(s, interaction(req({ url: 'https://a/' })));
    expect(out.request.headers['x-order']).toBe('abc');
    expect(out.request.method).toBe('PUT');
    expect(out.response.headers['x-seen']).toBe('abc');
    expect(s.secrets).toEqual(['secret-one']);
  });

  it('wraps a throw in SanitizerError naming the innermost sanitizer and the interaction', () => {
    const broken: Sanitizer = {
      name: 'broken',
      response() {
        throw new Error('boom');
      },
    };
    const s = chain(tag('a'), chain(tag('b'), broken));
    let caught: unknown;
    try {
      run(s, interaction(req({ url: 'https://a/' })), new SecretSet(), 7);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SanitizerError);
    const error = caught as SanitizerError;
    expect(error.sanitizer).toBe('broken');
    expect(error.interaction).toBe(7);
    expect(error.message).toMatch(/"broken".*response of interaction 7.*boom/);
    expect(() => sanitizeLiveRequest({ name: 'solo', request: () => { throw new TypeError('bad'); } }, req({ url: 'https://a/' }), 'c')).toThrow(SanitizerError);
  });
});
