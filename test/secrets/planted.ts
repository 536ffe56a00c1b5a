/**
 * The planted-secrets traffic: a loopback API that puts secrets where real APIs put them, and a
 * client that sends secrets the way real clients do. Every secret is built at run time from a
 * prefix and a random tail, so no source file holds a secret-shaped literal.
 */
import * as http from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expandExample } from '../../src/secrets/index.js';
import { searchableSpellings } from '../../src/sanitizers/index.js';
import { listenOnLoopback } from '../helpers/loopback.js';

const pem = (kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----\n${expandExample('{a:64}\n{a:64}\n{a:40}')}\n-----END ${kind}PRIVATE KEY-----\n`;
const jwt = () => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify({ sub: expandExample('{a:12}'), iat: 1700000000 })).toString('base64url')}.${expandExample('{u:43}')}`;

/** Secrets the client sends (a different set in replay). */
export function clientSecrets() {
  return {
    bearer: `at-${expandExample('{a:24}')}/${expandExample('{a:8}')}`,
    authKey: expandExample('{h:40}'),
    subscriptionKey: expandExample('{h:32}'),
    apiKeyQuery: expandExample('{a:28}'),
    googSignature: expandExample('{h:64}'),
    oauthCode: expandExample('{a:24}'),
    googleKey: expandExample('AIza{u:35}'),
    telegram: expandExample('{d:10}:AA{u:33}'),
    githubInPath: expandExample('ghp_{a:36}'),
    slackValue: expandExample('xoxb-{d:12}-{d:13}-{a:24}'),
    clientSecret: expandExample('{a:32}'),
    privateKey: pem('RSA '),
    nestedAccessToken: expandExample('{a:30}'),
    formClientSecret: expandExample('{a:30}'),
    formPassword: `pw-${expandExample('{a:14}')}`,
    graphqlPassword: `gq-${expandExample('{a:14}')}`,
    graphqlApiToken: expandExample('{a:32}'),
    multipartPassword: `mp-${expandExample('{a:16}')}`,
    multipartFileKey: expandExample('sk_live_{a:24}'),
    cookie: `sess-${expandExample('{h:24}')}`,
  };
}

/** Secrets the server hands out. */
export function serverSecrets() {
  return {
    ghValue: expandExample('ghp_{a:36}'),
    awsKeyId: expandExample('AKIA{A:16}'),
    stripe: expandExample('sk_live_{a:24}'),
    slack: expandExample('xoxb-{d:12}-{d:13}-{a:24}'),
    openai: expandExample('sk-proj-{u:64}'),
    anthropic: expandExample('sk-ant-api03-{u:80}AA'),
    google: expandExample('AIza{u:35}'),
    npm: expandExample('npm_{a:36}'),
    gitlab: expandExample('glpat-{a:20}'),
    pem: pem('EC '),
    jwt: jwt(),
    stsKeyId: expandExample('ASIA{A:16}'),
    stsSecret: expandExample('{a:40}'),
    stsSession: expandExample('{u:120}'),
    privateKeyCamel: expandExample('{a:40}'),
    accessTokenCamel: expandExample('{a:32}'),
    fragmentToken: expandExample('{a:32}'),
    redirectCode: expandExample('{a:20}'),
    setCookie: `sid-${expandExample('{h:32}')}`,
    textAccess: expandExample('{a:32}'),
    textRefresh: expandExample('{a:32}'),
    htmlKey: expandExample('sk_test_{a:24}'),
    htmlToken: expandExample('{a:24}'),
    xmlPassword: `xp-${expandExample('{a:16}')}`,
    ndjsonToken: expandExample('{a:28}'),
    ndjsonJwt: jwt(),
    multipartSecret: `ms-${expandExample('{a:20}')}`,
    multipartKey: expandExample('ghs_{a:36}'),
    jsonInString: expandExample('{a:30}'),
    binaryShape: expandExample('glpat-{a:20}'),
  };
}

export type ClientSecrets = ReturnType<typeof clientSecrets>;
export type ServerSecrets = ReturnType<typeof serverSecrets>;

const BOUNDARY = 'reeltape-test-boundary-7f3a';

/** A loopback API answering each route with secrets in one kind of place. */
export async function startPlantedServer(s: ServerSecrets): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, type: string, body: string | Buffer, headers: http.OutgoingHttpHeaders = {}) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
        res.end(body);
      };
      const auth = req.headers.authorization ?? '';
      switch (path) {
        case '/json':
          return send(200, 'application/json', JSON.stringify({ value: s.ghValue, id: s.awsKeyId, items: [{ note: `use ${s.stripe}` }, s.slack], openai: s.openai, a: { b: s.anthropic }, g: s.google, n: s.npm, gl: s.gitlab, pem: s.pem, jwt: s.jwt, privateKey: s.privateKeyCamel, accessToken: s.accessTokenCamel, nested: JSON.stringify({ deeper: { client_secret: s.jsonInString } }) }));
        case '/sts':
          return send(200, 'text/xml', `<AssumeRoleResponse><Credentials><AccessKeyId>${s.stsKeyId}</AccessKeyId><SecretAccessKey>${s.stsSecret}</SecretAccessKey><SessionToken>${s.stsSession}</SessionToken></Credentials><DbPassword>${s.xmlPassword}</DbPassword></AssumeRoleResponse>`);
        case '/created':
          return send(201, 'application/json', '{"ok":true}', { location: `https://app.test/callback?code=${s.redirectCode}&state=abc#access_token=${s.fragmentToken}&token_type=bearer`, 'set-cookie': `sid=${s.setCookie}; Path=/; HttpOnly` });
        case '/denied':
          // a token echoed in WWW-Authenticate, and JSON-escaped (`\/`) in a JSON text body
          return send(401, 'application/json', JSON.stringify({ error: `bad token ${auth.slice(7)}` }).replace(/\//g, '\\/'), { 'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="${auth.slice(7)} expired"` });
        case '/oauth/text':
          return send(200, 'text/plain', `access_token=${s.textAccess}&refresh_token=${s.textRefresh}&token_type=bearer&expires_in=3600`);
        case '/page':
          return send(200, 'text/html', `<html><head><script>var stripeKey = "${s.htmlKey}"; var csrfToken = '${s.htmlToken}';</script></head><body>hi</body></html>`);
        case '/events':
          return send(200, 'application/x-ndjson', `{"type":"a","token":"${s.ndjsonToken}"}\n{"type":"b","detail":"${s.ndjsonJwt}"}\n`);
        case '/parts':
          return send(200, `multipart/form-data; boundary=${BOUNDARY}`, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\n${s.multipartSecret}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nkey: ${s.multipartKey}\r\n--${BOUNDARY}--\r\n`);
        case '/blob':
          return send(200, 'application/octet-stream', Buffer.concat([Buffer.from([0, 255, 1, 2]), Buffer.from(` ${s.binaryShape} `), Buffer.from([254, 0])]));
        default:
          return send(200, 'application/json', '{"ok":true}');
      }
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, close };
}

/** The code under test: one call per place a client puts a secret. Returns the statuses it saw. */
export async function plantedClient(base: string, c: ClientSecrets): Promise<number[]> {
  const statuses: number[] = [];
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    statuses.push(res.status);
  };
  const headers = { authorization: `Bearer ${c.bearer}`, 'x-auth-key': c.authKey, 'ocp-apim-subscription-key': c.subscriptionKey, cookie: `session=${c.cookie}` };
  await call(`/json?api_key=${c.apiKeyQuery}&X-Goog-Signature=${c.googSignature}&code=${c.oauthCode}&key=${c.googleKey}&page_token=p2`, { headers });
  await call(`/bot${c.telegram}/getMe`);
  await call(`/repos/${c.githubInPath}/issues`);
  await call('/sts');
  await call('/created', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: c.slackValue, clientSecret: c.clientSecret, privateKey: c.privateKey, nested: JSON.stringify({ accessToken: c.nestedAccessToken }) }) });
  await call('/denied', { headers });
  await call('/oauth/text', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_secret=${encodeURIComponent(c.formClientSecret)}&password=${encodeURIComponent(c.formPassword)}` });
  await call('/page', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { login(user: "joe", password: "${c.graphqlPassword}") { ok } }`, variables: { apiToken: c.graphqlApiToken } }) });
  await call('/events');
  await call('/parts', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="password"\r\n\r\n${c.multipartPassword}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="upload"; filename="cfg.txt"\r\nContent-Type: text/plain\r\n\r\nstripe=${c.multipartFileKey}\r\n--${BOUNDARY}--\r\n` });
  await call('/blob');
  return statuses;
}

/** Every file under a directory (recursively), with its bytes. */
export async function readAll(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out.push({ file, bytes: await readFile(file) });
  }
  return out;
}

/** Where any of the secrets appears in any of the files, in any spelling (raw, URL-encoded, base64 at every alignment, hex, JSON-escaped). */
export function findPlanted(files: ReadonlyArray<{ file: string; bytes: Buffer }>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [kind, secret] of Object.entries(secrets)) {
    const spellings = searchableSpellings(secret);
    for (const { file, bytes } of files) {
      for (const s of spellings) {
        if (bytes.includes(Buffer.from(s.text, 'utf8'))) {
          found.push(`${kind} (${s.form}) in ${file}`);
          break;
        }
      }
    }
  }
  return found;
}
