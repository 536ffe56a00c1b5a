/**
 * Red-team traffic for issue 15: secrets in places and shapes the planted matrix (`planted.ts`)
 * does not use: every token shape of the issue, vendor header names in requests and responses,
 * several cookies, userinfo URLs, GraphQL sent by GET, SOAP, CDATA, SSE and chunked bodies with the
 * token split across chunks, gzip/br bodies read by fetch and by node:http, and large bodies (side
 * files), one of them gzip-encoded. Every value is built at run time from a prefix and a random tail.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { expandExample as x } from '../../src/secrets/index.js';
import { listenOnLoopback } from '../helpers/loopback.js';

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const KEY = 'PRIVATE KEY-----';
/** A PEM private-key block of `kind` (`RSA `, `EC `, `OPENSSH `, '' for PKCS#8) with `eol` line ends. */
const pem = (kind: string, eol = '\n') => [`${BEGIN}${kind}${KEY}`, x('{a:64}'), x('{a:64}'), x('{a:28}'), `${END}${kind}${KEY}`, ''].join(eol);
const jwt = (claims: object) => `${Buffer.from('{"alg":"RS256","kid":"k1"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${x('{u:86}')}`;

/** Secrets the client sends (a fresh set for replay: request-side redaction must make them match). */
export function redClientSecrets() {
  return {
    qAccessToken: x('{a:40}'),
    qApiKey: x('{h:32}'),
    qClientSecret: x('{a:34}'),
    qAmzToken: x('{u:100}'),
    qAmzSignature: x('{h:64}'),
    qGoogSignature: x('{h:128}'),
    qUserinfoPassword: `uip-${x('{a:18}')}`,
    pathGho: x('gho_{a:36}'),
    pathSkAdmin: x('sk-admin-{u:48}'),
    pathNpm: x('npm_{a:36}'),
    pathAsia: x('ASIA{A:16}'),
    pathXapp: x('xapp-1-{A:11}-{d:13}-{h:64}'),
    hProxyPassword: `pp-${x('{a:20}')}`,
    hAcmeToken: x('{a:32}'),
    hSupabaseApikey: jwt({ role: 'anon', ref: x('{a:20}') }),
    hPrivateToken: x('glpat-{a:20}'),
    hAzureApiKey: x('{h:32}'),
    hGoogApiKey: x('AIza{u:35}'),
    hDdApiKey: x('{h:32}'),
    hVaultToken: `hvs.${x('{a:90}')}`,
    hShopify: `shpat_${x('{h:32}')}`,
    hCookieSession: x('{a:40}'),
    hCookieRefresh: x('{u:60}'),
    bodyGhu: x('ghu_{a:36}'),
    bodyGithubPat: x('github_pat_{a:22}_{a:59}'),
    bodyXoxp: x('xoxp-{d:12}-{d:12}-{d:13}-{h:32}'),
    bodyRkLive: x('rk_live_{a:40}'),
    bodyAnthropicAdmin: x('sk-ant-admin01-{u:80}AA'),
    bodyPkcs8: pem(''),
    bodyGqlInline: `gi-${x('{a:20}')}`,
    bodyGqlVarSecret: x('{a:32}'),
    gqlGetPassword: `gg-${x('{a:20}')}`,
    formRefresh: x('{a:48}'),
    formAssertion: jwt({ iss: 'svc', sub: x('{a:12}') }),
    formCode: x('{u:30}'),
    mpApiSecret: `mas-${x('{a:24}')}`,
    mpNotesSlack: x('xoxb-{d:12}-{d:13}-{a:24}'),
    mpSaPrivateKey: pem(''),
    mpSaKeyId: x('{h:40}'),
    mpBinaryToken: x('ghr_{a:36}'),
    soapPassword: `soap-${x('{a:16}')}`,
    textSkAnt: x('sk-ant-api03-{u:93}AA'),
    nodeBasicPassword: `nb-${x('{a:20}')}`,
    nodeUserinfoPassword: `nu-${x('{a:20}')}`,
    formPem: pem('RSA '),
    echoOpaque: `op-${x('{a:16}')}/${x('{a:8}')}.${x('{a:6}')}`,
    gzipUploadKey: x('{h:40}'),
    gzipUploadShape: x('ghp_{a:36}'),
    largeUploadSecret: x('{a:40}'),
    largeUploadShape: x('sk_live_{a:32}'),
    largeMpPassword: `lmp-${x('{a:20}')}`,
    largeMpApiKey: x('{a:32}'),
  };
}

/** Secrets the server hands out. */
export function redServerSecrets() {
  return {
    jGho: x('gho_{a:36}'),
    jGhs: x('ghs_{a:36}'),
    jGithubPat: x('github_pat_{a:22}_{a:59}'),
    jGlpat: x('glpat-{a:20}'),
    jAkia: x('AKIA{A:16}'),
    jXoxb: x('xoxb-{d:12}-{d:13}-{a:24}'),
    jXapp: x('xapp-1-{A:11}-{d:13}-{h:64}'),
    jSkLive: x('sk_live_{a:99}'),
    jSkTest: x('sk_test_{a:24}'),
    jSvcacct: x('sk-svcacct-{u:74}'),
    jSkAnt: x('sk-ant-api03-{u:93}AA'),
    jAiza: x('AIza{u:35}'),
    jNpm: x('npm_{a:36}'),
    jTelegram: x('{d:9}:AA{u:33}'),
    jJwt: jwt({ sub: x('{a:10}'), scope: 'admin' }),
    jRsaCrlf: pem('RSA ', '\r\n'),
    jOpenssh: pem('OPENSSH '),
    jEc: pem('EC '),
    jStsKeyId: x('ASIA{A:16}'),
    jStsSecret: x('{w:40}'),
    jStsSession: x('{u:300}'),
    jSecretKey: x('{a:40}'),
    jApiSecret: x('{a:32}'),
    jDeepPassword: `dp-${x('{a:20}')}`,
    hSetCookieSession: x('{a:48}'),
    hSetCookieRefresh: x('{u:64}'),
    hSessionToken: x('{a:40}'),
    hWhateverToken: x('{h:40}'),
    hWwwAuthToken: x('ghu_{a:36}'),
    hLocationIdToken: jwt({ nonce: x('{a:12}') }),
    hLocationAccess: x('{a:40}'),
    hLinkAccess: x('{a:36}'),
    hRedirectCode: x('{a:28}'),
    formAccess: x('gho_{a:36}'),
    formRefresh: x('{a:40}'),
    oauth1Token: x('{a:40}'),
    oauth1Secret: x('{a:40}'),
    htmlCsrfMeta: x('{u:86}'),
    htmlAuthenticity: x('{u:86}'),
    htmlConfigKey: x('AIza{u:35}'),
    htmlDataSecret: x('sk_live_{a:24}'),
    xmlClientSecret: x('{a:32}'),
    xmlAttrApiKey: x('{a:32}'),
    xmlCdataToken: x('{a:40}'),
    ndjsonRefresh: x('{a:40}'),
    ndjsonGho: x('gho_{a:36}'),
    ndjsonNestedPassword: `np-${x('{a:20}')}`,
    largeNestedSecret: x('{a:40}'),
    sseSplitKey: x('sk-proj-{u:120}'),
    sseSplitToken: x('{a:40}'),
    chunkedSplitGhp: x('ghp_{a:36}'),
    chunkedSplitPair: x('{a:36}'),
    gzipSecret: x('sk_live_{a:30}'),
    gzipPassword: `gz-${x('{a:20}')}`,
    brToken: x('xoxb-{d:12}-{d:13}-{a:24}'),
    nodeGzipSecret: x('ghs_{a:36}'),
    largeShape: x('sk-proj-{u:100}'),
    largePair: x('{a:40}'),
    largeBoundaryShape: x('npm_{a:36}'),
    largeGzipShape: x('glpat-{a:24}'),
    largeGzipPair: x('{a:40}'),
    largeDensePair: x('{a:40}'),
    gqlToken: x('{a:40}'),
    jKeyToken: x('ghp_{a:36}'),
  };
}

export type RedClientSecrets = ReturnType<typeof redClientSecrets>;
export type RedServerSecrets = ReturnType<typeof redServerSecrets>;

const BOUNDARY = '----red-team-boundary-91c2';
/** Filler so a body passes the default side-file threshold (1 MiB). */
const filler = (bytes: number) => `{"pad":"${'lorem ipsum dolor sit amet '.repeat(Math.ceil(bytes / 27)).slice(0, bytes)}"}`;

/** Writes `text` in pieces cut at `cuts` (offsets), pausing between them so the client sees separate chunks. */
async function writeSplit(res: http.ServerResponse, text: string, cuts: number[]): Promise<void> {
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    res.write(text.slice(at, cut));
    at = cut;
    await sleep(15);
  }
  res.end();
}

/** A loopback API answering each route with secrets in one kind of place. */
export async function startRedServer(s: RedServerSecrets): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, type: string, body: string | Buffer, headers: http.OutgoingHttpHeaders = {}) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
        res.end(body);
      };
      switch (path) {
        case '/s/json':
          return send(200, 'application/json', JSON.stringify({
            data: [s.jGho, s.jGhs, { v: s.jGithubPat }, { note: `deploy with ${s.jGlpat} now` }],
            user: { key_id_value: s.jAkia, bot: s.jXoxb, app: s.jXapp },
            billing: { live: s.jSkLive, test: s.jSkTest },
            ai: { svc: s.jSvcacct, claude: s.jSkAnt, maps: s.jAiza, registry: s.jNpm, tg: s.jTelegram },
            session: { jwt: s.jJwt },
            pems: [s.jRsaCrlf, s.jOpenssh, { der: s.jEc }],
            Credentials: { AccessKeyId: s.jStsKeyId, SecretAccessKey: s.jStsSecret, SessionToken: s.jStsSession },
            secretKey: s.jSecretKey,
            x_api_secret: s.jApiSecret,
            tokens: { [s.jKeyToken]: { scopes: ['repo'] } },
            wrapped: JSON.stringify({ inner: JSON.stringify({ db: { password: s.jDeepPassword } }) }),
          }));
        case '/s/headers':
          res.writeHead(200, {
            'content-type': 'application/json',
            'set-cookie': [`__Host-session=${s.hSetCookieSession}; Path=/; Secure; HttpOnly`, `refresh_token=${s.hSetCookieRefresh}; Path=/auth; Secure`],
            'x-session-token': s.hSessionToken,
            'x-whatever-token': s.hWhateverToken,
            'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="token ${s.hWwwAuthToken} was revoked"`,
            link: `<https://api.test/items?page=2&access_token=${s.hLinkAccess}>; rel="next"`,
            'ocp-apim-subscription-key': req.headers['ocp-apim-subscription-key'] ?? '',
          });
          return res.end('{"ok":true}');
        case '/s/redirect':
          res.writeHead(302, { location: `https://app.test/cb#id_token=${s.hLocationIdToken}&access_token=${s.hLocationAccess}&token_type=Bearer&expires_in=3600` });
          return res.end();
        case '/s/redirect-code':
          res.writeHead(303, { location: `https://app.test/cb?state=af0ifjsldkj&code=${s.hRedirectCode}` });
          return res.end();
        case '/s/oauth-form':
          return send(200, 'application/x-www-form-urlencoded', `access_token=${s.formAccess}&scope=repo%2Cgist&token_type=bearer&refresh_token=${s.formRefresh}`);
        case '/s/oauth1':
          return send(200, 'text/plain; charset=utf-8', `oauth_token=${s.oauth1Token}&oauth_token_secret=${s.oauth1Secret}&oauth_callback_confirmed=true`);
        case '/s/html':
          return send(200, 'text/html; charset=utf-8', `<!doctype html><html><head><meta name="csrf-token" content="${s.htmlCsrfMeta}"><script>window.__CONFIG__ = {"mapsApiKey":"${s.htmlConfigKey}","env":"prod"};</script></head><body><form><input type="hidden" name="authenticity_token" value="${s.htmlAuthenticity}"></form><div data-stripe="${s.htmlDataSecret}"></div></body></html>`);
        case '/s/xml':
          return send(200, 'application/xml', `<?xml version="1.0"?><Config xmlns:a="urn:a"><a:ClientSecret>${s.xmlClientSecret}</a:ClientSecret><Service apiKey="${s.xmlAttrApiKey}" region="eu"/><Token><![CDATA[${s.xmlCdataToken}]]></Token></Config>`);
        case '/s/ndjson':
          return send(200, 'application/x-ndjson', `{"event":"login","refreshToken":"${s.ndjsonRefresh}"}\n{"event":"token","value":"${s.ndjsonGho}"}\n${JSON.stringify({ event: 'webhook', payload: JSON.stringify({ db: { password: s.ndjsonNestedPassword } }) })}\n`);
        case '/s/sse': {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          const text = `event: config\ndata: {"key":"${s.sseSplitKey}"}\n\nevent: auth\ndata: {"access_token":"${s.sseSplitToken}"}\n\n`;
          const a = text.indexOf(s.sseSplitKey) + 20;
          const b = text.indexOf(s.sseSplitToken) + 11;
          return void writeSplit(res, text, [a, a + 30, b]);
        }
        case '/s/chunked': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const text = `line one\nyour token: ${s.chunkedSplitGhp}\nclient_secret=${s.chunkedSplitPair}\n`;
          const a = text.indexOf(s.chunkedSplitGhp) + 9;
          const b = text.indexOf(s.chunkedSplitPair) + 5;
          return void writeSplit(res, text, [a, b]);
        }
        case '/s/gzip':
          return send(200, 'application/json', gzipSync(JSON.stringify({ note: `key ${s.gzipSecret}`, password: s.gzipPassword })), { 'content-encoding': 'gzip' });
        case '/s/br':
          return send(200, 'text/plain', brotliCompressSync(`slack: ${s.brToken}\n`), { 'content-encoding': 'br' });
        case '/s/node-gzip':
          return send(200, 'text/plain', gzipSync(`token ${s.nodeGzipSecret}\n`), { 'content-encoding': 'gzip' });
        case '/s/large': {
          // > 1 MiB, written in 64 KiB pieces; one secret straddles a piece boundary
          const head = `{"openai":"${s.largeShape}","client_secret":"${s.largePair}","log":${JSON.stringify(JSON.stringify({ client_secret: s.largeNestedSecret }))},`;
          const pad = filler(1_200_000).slice(1);
          const body = `${head}"mid":"${s.largeBoundaryShape}",${pad}`;
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          const at = body.indexOf(s.largeBoundaryShape) + 10;
          const cuts: number[] = [at];
          for (let c = 65_536; c < body.length; c += 65_536) if (c > at) cuts.push(c);
          return void writeSplit(res, body, cuts);
        }
        case '/s/large-dense': {
          // one name-found secret, repeated densely over 1.3 MB: wherever a redaction pass cuts, it cuts near one
          const body = `[${Array.from({ length: 20_000 }, (_, i) => `{"i":${i},"client_secret":"${s.largeDensePair}"}`).join(',')}]`;
          return send(200, 'application/json', body);
        }
        case '/s/large-gzip': {
          const body = `${filler(600_000).slice(0, -1)},"k":"${s.largeGzipShape}","refresh_token":"${s.largeGzipPair}","more":${filler(700_000)}}`;
          return send(200, 'application/json', gzipSync(body), { 'content-encoding': 'gzip' });
        }
        case '/s/echo': {
          // a debugging API echoing the session token it got: JSON-escaped (every symbol as \u00XX), hex and base64
          const token = String(req.headers['x-session-token'] ?? '');
          const escaped = [...token].map((ch) => (/[A-Za-z0-9]/.test(ch) ? ch : `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)).join('');
          return send(200, 'text/plain', `seen: "${escaped}"\nhex ${Buffer.from(token).toString('hex')}\nb64 ${Buffer.from(token).toString('base64')}\n`);
        }
        case '/graphql':
          return send(200, 'application/json', JSON.stringify({ data: { createApiToken: { token: s.gqlToken, expiresAt: '2030-01-01T00:00:00Z' } } }));
        default:
          return send(200, 'application/json', JSON.stringify({ ok: true, got: Buffer.concat(chunks).length }));
      }
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, close };
}

/** The client's `Cookie` header. */
export const cookieHeader = (c: RedClientSecrets) => `__Host-session=${c.hCookieSession}; theme=dark; refresh_token=${c.hCookieRefresh}`;
/** A Google service-account key file, uploaded as a multipart file part. */
export const serviceAccount = (c: RedClientSecrets) =>
  JSON.stringify({ type: 'service_account', private_key_id: c.mpSaKeyId, private_key: c.mpSaPrivateKey, client_email: 'svc@p.iam.example.com' }, null, 2);

/** node:http GET with optional basic auth and gzip; resolves status and decoded-or-not body length. */
function nodeGet(url: string, options: http.RequestOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, options, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The code under test: one call per place. Returns the statuses it saw. */
export async function redClient(base: string, c: RedClientSecrets): Promise<number[]> {
  const statuses: number[] = [];
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    statuses.push(res.status);
  };
  const callback = encodeURIComponent(`postgres://app:${c.qUserinfoPassword}@db.internal:5432/app`);
  await call(
    `/c/query?accessToken=${c.qAccessToken}&apiKey=${c.qApiKey}&Client-Secret=${c.qClientSecret}&X-Amz-Security-Token=${encodeURIComponent(c.qAmzToken)}` +
      `&X-Amz-Signature=${c.qAmzSignature}&X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${c.qGoogSignature}&dsn=${callback}&per_page=50`,
  );
  await call(`/c/path/${c.pathGho}/keys/${c.pathSkAdmin}/pkg/${c.pathNpm}/aws/${c.pathAsia}/slack/${c.pathXapp}/end`);
  await call('/s/headers', {
    headers: {
      'proxy-authorization': `Basic ${Buffer.from(`proxyuser:${c.hProxyPassword}`).toString('base64')}`,
      'x-acme-token': c.hAcmeToken,
      apikey: c.hSupabaseApikey,
      'private-token': c.hPrivateToken,
      'api-key': c.hAzureApiKey,
      'x-goog-api-key': c.hGoogApiKey,
      'dd-api-key': c.hDdApiKey,
      'x-vault-token': c.hVaultToken,
      'x-shopify-access-token': c.hShopify,
      'ocp-apim-subscription-key': c.hAzureApiKey,
      cookie: cookieHeader(c),
    },
  });
  await call('/c/json', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [c.bodyGhu, { v: c.bodyGithubPat }], slack: `post as ${c.bodyXoxp}`, stripe: c.bodyRkLive, admin: c.bodyAnthropicAdmin, cert: { pem: c.bodyPkcs8 } }),
  });
  await call('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation Create($input: CreateTokenInput!) { createApiToken(input: $input, adminPassword: "${c.bodyGqlInline}") { token } }`,
      variables: { input: { name: 'ci', clientSecret: c.bodyGqlVarSecret } },
    }),
  });
  await call(`/graphql?query=${encodeURIComponent(`mutation { login(user: "joe", password: "${c.gqlGetPassword}") { ok } }`)}`);
  await call('/c/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ attachment: c.formPem, grant_type: 'refresh_token', refresh_token: c.formRefresh, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: c.formAssertion, code: c.formCode }).toString(),
  });
  const form = new FormData();
  form.append('apiSecret', c.mpApiSecret);
  form.append('notes', `use ${c.mpNotesSlack} for alerts`);
  form.append('credentials', new Blob([serviceAccount(c)], { type: 'application/json' }), 'sa.json');
  form.append('blob', new Blob([Buffer.from([0xff, 0xfe, 0x00, 0x01]), ` ${c.mpBinaryToken} `, Buffer.from([0x00, 0xc3, 0x28])], { type: 'application/octet-stream' }), 'bin.dat');
  await call('/c/upload', { method: 'POST', body: form });
  await call('/c/soap', {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><wsse:Security><wsse:UsernameToken><wsse:Username>joe</wsse:Username><wsse:Password Type="PasswordText">${c.soapPassword}</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header><soap:Body/></soap:Envelope>`,
  });
  await call('/c/text', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `ANTHROPIC_API_KEY is ${c.textSkAnt}\n` });
  await call('/c/gzip-upload', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ api_key: c.gzipUploadKey, note: `ci uses ${c.gzipUploadShape}` })) });
  await call('/c/large-upload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"client_secret":"${c.largeUploadSecret}","pad":${filler(1_300_000)},"key":"${c.largeUploadShape}"}` });
  const big = new FormData();
  big.append('password', c.largeMpPassword);
  big.append('api_key', c.largeMpApiKey);
  big.append('file', new Blob([filler(1_300_000)], { type: 'application/json' }), 'export.json');
  await call('/c/large-multipart', { method: 'POST', body: big });
  await call('/s/echo', { headers: { 'x-session-token': c.echoOpaque } });
  await call('/s/json');
  await call('/s/redirect', { redirect: 'manual' });
  await call('/s/redirect-code', { redirect: 'manual' });
  await call('/s/oauth-form');
  await call('/s/oauth1');
  await call('/s/html');
  await call('/s/xml');
  await call('/s/ndjson');
  await call('/s/sse');
  await call('/s/chunked');
  await call('/s/gzip', { headers: { 'accept-encoding': 'gzip' } });
  await call('/s/br', { headers: { 'accept-encoding': 'br' } });
  await call('/s/large');
  await call('/s/large-dense');
  statuses.push(await nodeGet(`${base}/s/node-gzip`, { headers: { 'accept-encoding': 'gzip' } }));
  statuses.push(await nodeGet(`${base}/s/large-gzip`, { headers: { 'accept-encoding': 'gzip' } }));
  statuses.push(await nodeGet(`${base}/c/node-basic`, { auth: `joe:${c.nodeBasicPassword}` }));
  statuses.push(await nodeGet(base.replace('://', `://joe:${c.nodeUserinfoPassword}@`) + '/c/node-userinfo'));
  return statuses;
}
