import { describe, expect, it } from 'vitest';
import { classifyName, CREDENTIAL_NAME_RULE, expandExample, SecretRules, SHAPE_RULES } from '../../src/secrets/index.js';

const rules = new SecretRules();

describe('value-shape rules', () => {
  for (const rule of SHAPE_RULES) {
    it(`${rule.name}: finds its true examples and none of its false ones`, () => {
      expect(rule.doc.length).toBeGreaterThan(10);
      expect(rule.examples.match.length).toBeGreaterThan(0);
      for (const template of rule.examples.match) {
        const text = expandExample(template);
        const found = rules.findShapes(text).filter((m) => m.rule === rule.name);
        expect(found, `${rule.name} should match ${template}`).toHaveLength(1);
      }
      for (const text of rule.examples.noMatch) {
        expect(rules.findShapes(text).filter((m) => m.rule === rule.name), `${rule.name} should not match ${text}`).toEqual([]);
      }
    });
  }

  it('a user rule added through the same API is used, and an allow-listed value is not reported', () => {
    const own = new SecretRules({ allow: [/^acme_0+$/] });
    own.addRule({ name: 'acme-key', doc: 'Acme keys.', keywords: ['acme_'], pattern: /\bacme_[0-9a-f]{32}\b/g, examples: { match: ['acme_{h:32}'], noMatch: [] } });
    const key = expandExample('acme_{h:32}');
    expect(own.find(`x ${key} y`).map((m) => m.rule)).toEqual(['acme-key']);
    expect(own.find(`acme_${'0'.repeat(32)}`)).toEqual([]);
    expect(() => own.addRule({ name: 'bad', doc: 'd', keywords: [], pattern: /x/, examples: { match: [], noMatch: [] } })).toThrow(/g flag/);
  });
});

describe('credential names', () => {
  it('normalizes case and separators', () => {
    for (const name of ['clientSecret', 'client_secret', 'Client-Secret', 'CLIENT_SECRET', 'SecretAccessKey', 'SessionToken', 'Ocp-Apim-Subscription-Key', 'X-Auth-Key', 'apiToken', 'privateKey', 'accessToken', 'X-Amz-Security-Token', 'X-Goog-Signature', 'sig', 'db_password'])
      expect(classifyName(name, { secretWords: new Set(['secret', 'token', 'password', 'signature']), secretNames: new Set(['secretaccesskey', 'ocpapimsubscriptionkey', 'xauthkey', 'privatekey', 'sig']), randomOnly: new Set(), nonSecret: new Set() }), name).toBe('secret');
    for (const name of ['clientSecret', 'SecretAccessKey', 'Ocp-Apim-Subscription-Key', 'X-Auth-Key', 'privateKey', 'sig', 'password', 'refresh_token']) expect(rules.classifyName(name), name).toBe('secret');
  });

  it('knows names that look like credentials but are not', () => {
    for (const name of ['next_page_token', 'page_token', 'nextToken', 'cursor', 'session_state', 'token_url', 'token_endpoint', 'public_key', 'idempotency_key', 'token_type', 'country_code', 'password_reset_url', 'max_tokens', 'key_id', 'NextContinuationToken', 'endCursor', 'server_public_key']) {
      expect(rules.classifyName(name), name).toBeUndefined();
    }
  });

  it('a public armored block (a commit signature, a certificate) is no credential, unless a private key rides along', () => {
    const block = (kind: string) => `-----BEGIN ${kind}-----\n${expandExample('{a:64}')}\n-----END ${kind}-----\n`;
    expect(rules.find(block('PGP SIGNATURE'), 'signature')).toEqual([]);
    expect(rules.find(block('CERTIFICATE'), 'client_certificate_secret')).toEqual([]);
    const bundle = block('CERTIFICATE') + block(['PRIVATE', 'KEY'].join(' '));
    expect(rules.find(bundle, 'tls_secret').map((m) => m.rule)).toEqual([CREDENTIAL_NAME_RULE]);
  });

  it('a `…key` or OAuth `code` value counts only when it looks random', () => {
    const random = expandExample('{a:32}');
    expect(rules.nameRule('signing_key', random)).toBe('credential-name');
    expect(rules.nameRule('webhook_key', random)).toBe('credential-entropy');
    expect(rules.nameRule('webhook_key', 'orders')).toBeUndefined();
    expect(rules.nameRule('code', random)).toBe('credential-entropy');
    expect(rules.nameRule('code', 'E_NOT_FOUND')).toBeUndefined();
    expect(rules.nameRule('sort_key', random)).toBeUndefined();
    expect(rules.nameRule('webhook_key', '2f1c0e9a-7b7d-4a55-9d87-0c3b7d1e5f21')).toBeUndefined();
    expect(rules.nameRule('Key', '2024/01/9c1f2e7a-beach.jpg')).toBeUndefined(); // an S3 object key
    expect(rules.nameRule('key', `${expandExample('{a:20}')}/${expandExample('{a:19}')}`)).toBe('credential-entropy');
  });

  it('finds credential pairs inside text of every kind', () => {
    const v = expandExample('{a:20}');
    const texts = [
      `access_token=${v}&token_type=bearer&expires_in=3600`,
      `{"user":"joe","clientSecret":"${v}"}`,
      `mutation { login(username: "joe", password: "${v}") { ok } }`,
      `<creds><Password>${v}</Password></creds>`,
      `<soap:SessionToken>${v}</soap:SessionToken>`,
      `var apiKey = '${v}';`,
      `https://app.test/cb#access_token=${v}&state=xyz`,
      `<Credentials><Token><![CDATA[${v}]]></Token></Credentials>`,
      `Error: login failed (client_secret=${v})`,
      JSON.stringify({ event: 'webhook', payload: JSON.stringify({ db: { password: v } }) }),
      JSON.stringify({ a: JSON.stringify({ b: JSON.stringify({ client_secret: v }) }) }),
      `--b1\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n${v}\r\n--b1\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhello\r\n--b1--`,
      `<head><meta name="csrf-token" content="${v}"></head>`,
      `<input type="hidden" name="authenticity_token" value="${v}" autocomplete="off">`,
      `/graphql?query=${encodeURIComponent(`mutation { login(user: "joe", password: "${v}") { ok } }`)}`,
    ];
    for (const text of texts) {
      const found = rules.find(text);
      expect(found.map((m) => m.value), text).toEqual([v]);
      expect(found[0]?.rule).toBe(CREDENTIAL_NAME_RULE);
      expect(text.slice(found[0]?.start, found[0]?.end)).toBe(v);
    }
    expect(rules.find('page_token=abcdef123456&cursor=xyz987654321&token_type=bearer')).toEqual([]);
    expect(rules.find('password: "[REDACTED:password]"')).toEqual([]);
    expect(rules.find('mutation Login($password: String!) { login(password: $password) }')).toEqual([]);
    expect(rules.find('<meta name="description" content="A page about tokens and keys">')).toEqual([]);
  });

  it('finds shapes inside a percent-encoded parameter value, and redacts them where they are written', () => {
    const password = expandExample('{a:20}');
    const pem = ['-----BEGIN RSA PRIVATE', 'KEY-----\n', expandExample('{a:64}'), '\n-----END RSA PRIVATE', 'KEY-----'].join('').replace(/PRIVATEKEY/g, 'PRIVATE KEY');
    const url = `https://api.test/x?dsn=${encodeURIComponent(`postgres://app:${password}@db.internal:5432/app`)}&per_page=50`;
    expect(rules.redact(url, (m) => `[${m.rule}]`)).toBe(`https://api.test/x?dsn=postgres%3A%2F%2Fapp%3A[url-password]%40db.internal%3A5432%2Fapp&per_page=50`);
    const form = new URLSearchParams({ note: pem, page: '2' }).toString();
    expect(rules.redact(form, (m) => `[${m.rule}]`)).toBe('note=[private-key]&page=2');
    expect(rules.find('q=hello%20world%21&lang=en')).toEqual([]);
  });

  it('names added through the options are used', () => {
    const own = new SecretRules({ secretNames: ['ssn'], nonSecretNames: ['demo_token'] });
    expect(own.find('{"ssn":"123-45-6789","demo_token":"abcdefgh"}').map((m) => m.name)).toEqual(['ssn']);
  });

  it('redact replaces each secret with its marker and reports it', () => {
    const v = expandExample('ghp_{a:36}');
    const seen: string[] = [];
    const out = rules.redact(`token ${v} and password=hunter22`, (m) => `[REDACTED:${m.name ?? m.rule}]`, (m) => seen.push(m.value));
    expect(out).toBe('token [REDACTED:github-token] and password=[REDACTED:password]');
    expect(seen).toEqual([v, 'hunter22']);
  });
});

describe('README', () => {
  it('lists every built-in value-shape rule', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Keeping secrets out of cassettes'), readme.indexOf('## Validating outputs'));
    for (const rule of SHAPE_RULES) expect(section, rule.name).toContain(`| \`${rule.name}\` |`);
  });
});
