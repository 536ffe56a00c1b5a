import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import * as http from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bodyToBytes, parseCassette } from '../../src/cassette/index.js';
import { SanitizerError, SecretLeakError } from '../../src/errors/index.js';
import { configSecretsSanitizer } from '../../src/sanitizers/index.js';
import { resetConfiguration, withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';
import { spellings } from './fixtures.js';
import { listenOnLoopback } from '../helpers/loopback.js';

/** Credentials of one run: real ones while recording, different (dummy) ones in replay. */
interface Credentials {
  password: string;
  clientSecret: string;
  apiKey: string;
  configSecret: string;
}

interface AuthServer {
  url: string;
  /** Tokens and cookies the server issued (the secrets the client sees). */
  issued: string[];
  close(): Promise<void>;
}

/** A login → token → call API on 127.0.0.1 that insists on the real credentials and token. */
async function startAuthServer(real: Credentials): Promise<AuthServer> {
  const issued: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const body = Buffer.concat(chunks).toString('utf8');
      const send = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
        const text = JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      const token = issued[0];
      const bearerOk = token !== undefined && req.headers.authorization === `Bearer ${token}`;
      if (req.method === 'POST' && url.pathname === '/oauth/token') {
        const form = new URLSearchParams(body);
        if (form.get('password') !== real.password || form.get('client_secret') !== real.clientSecret) return send(401, { error: 'bad credentials' });
        const access = `at-${randomBytes(16).toString('hex')}`;
        const refresh = `rt-${randomBytes(16).toString('hex')}`;
        const sid = `sid-${randomBytes(12).toString('hex')}`;
        issued.push(access, refresh, sid);
        return send(200, { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: 3600 }, { 'set-cookie': `sid=${sid}; Path=/; HttpOnly`, link: '</v1/next>; rel="next"' });
      }
      if (!bearerOk) return send(401, { error: 'bad token' });
      if (req.method === 'GET' && url.pathname === `/v1/sessions/${token}/items`) {
        if (url.searchParams.get('api_key') !== real.apiKey) return send(403, { error: 'bad api key' });
        return send(200, { items: [{ id: 1, code: 200, country_code: 'US' }], session: token }, { etag: '"v1"', 'retry-after': '5' });
      }
      if (req.method === 'POST' && url.pathname === '/v1/data') {
        const json = JSON.parse(body) as { note: string; auth: { password: string } };
        if (!json.note.includes(real.configSecret)) return send(400, { error: 'missing config secret' });
        return send(200, { ok: true, echoed: json.note });
      }
      return send(404, { error: 'not found' });
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, issued, close };
}

/** The code under test: logs in, then uses the token in a header and a URL path. */
async function flow(base: string, c: Credentials): Promise<{ token: string; items: unknown; data: unknown }> {
  const login = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: 'joe', password: c.password, client_secret: c.clientSecret }).toString(),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const { access_token: token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${token}`, 'x-api-key': c.apiKey };
  const items = await fetch(`${base}/v1/sessions/${token}/items?api_key=${encodeURIComponent(c.apiKey)}&page=1`, { headers: auth });
  if (items.status !== 200) throw new Error(`items failed: ${items.status}`);
  const data = await fetch(`${base}/v1/data`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ note: `run with ${c.configSecret}`, auth: { password: c.password } }),
  });
  if (data.status !== 200) throw new Error(`data failed: ${data.status}`);
  return { token, items: await items.json(), data: await data.json() };
}

const REAL: Credentials = { password: 'real-Passw0rd!', clientSecret: 'real-client-secret-4242', apiKey: 'real-api-key-0987654321', configSecret: 'real-config-secret-abcdef' };
const DUMMY: Credentials = { password: 'dummy-password', clientSecret: 'dummy-client-secret', apiKey: 'dummy-api-key', configSecret: 'dummy-config-secret' };

let dir: string;
let server: AuthServer;

beforeEach(async () => {
  vi.stubEnv('CI', '');
  vi.stubEnv('REELTAPE_MODE', '');
  dir = await makeTempDir('sanitizers-e2e');
  server = await startAuthServer(REAL);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  resetConfiguration();
  await server.close();
  await removeTempDirs();
});

describe('sanitizers end to end (withCassette, real server)', () => {
  it('stores no secret, lets the client see the real token, and replays with different credentials', async () => {
    const sanitizers = (c: Credentials) => [configSecretsSanitizer({ parameters: { '#secret': c.configSecret } })];
    const recorded = await withCassette('login-flow', () => flow(server.url, REAL), { dir, mode: 'record', sanitizers: sanitizers(REAL) });
    expect(recorded.token).toBe(server.issued[0]); // the code under test got the real token

    const raw = await readFile(join(dir, 'login-flow.json'), 'utf8');
    for (const secret of [REAL.password, REAL.clientSecret, REAL.apiKey, REAL.configSecret, ...server.issued]) {
      for (const spelling of spellings(secret)) expect(raw, `${secret} as ${spelling}`).not.toContain(spelling);
    }
    expect(raw).toContain('[REDACTED:access_token]');
    expect(raw).toContain('Bearer [REDACTED:authorization]');
    expect(raw).toContain('/v1/sessions/[REDACTED:access_token]/items');
    expect(raw).toContain('[REDACTED:#secret]');
    expect(raw).toContain('"country_code": "US"');
    expect(raw).toContain('"retry-after": "5"');
    for (const { response } of parseCassette(raw, 'login-flow.json').interactions) {
      expect(response.headers['content-length']).toBe(String(bodyToBytes(response.body).byteLength));
    }

    await server.close();
    const replayed = await withCassette('login-flow', () => flow(server.url, DUMMY), { dir, mode: 'replay', sanitizers: sanitizers(DUMMY) });
    expect(replayed.token).toBe('[REDACTED:access_token]');
    expect(replayed.items).toEqual({ items: [{ id: 1, code: 200, country_code: 'US' }], session: '[REDACTED:access_token]' });
    expect(replayed.data).toEqual({ ok: true, echoed: 'run with [REDACTED:#secret]' });
  });

  it('stops the recording with SanitizerError naming the sanitizer and interaction when a sanitizer throws, writing nothing', async () => {
    const broken = { name: 'broken-rule', response: () => { throw new Error('cannot parse'); } };
    const run = withCassette('broken-sanitizer', () => flow(server.url, REAL), { dir, mode: 'record', sanitizers: [broken] });
    await expect(run).rejects.toBeInstanceOf(SanitizerError);
    await expect(run).rejects.toThrow(/broken-rule.*interaction 0|interaction 0.*broken-rule/s);
    expect((await readdir(dir)).filter((f) => f.startsWith('broken-sanitizer'))).toEqual([]);
  });

  it('refuses to write a cassette when a known secret survives sanitizing (binary body), writing nothing', async () => {
    const binaryServer = http.createServer((_req, res) => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(REAL.configSecret)]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      res.end(bytes);
    });
    const { port, close } = await listenOnLoopback(binaryServer);
    try {
      const run = withCassette('binary-leak', async () => (await fetch(`http://127.0.0.1:${port}/blob`)).arrayBuffer(), {
        dir,
        mode: 'record',
        sanitizers: [configSecretsSanitizer({ '#secret': REAL.configSecret })],
      });
      await expect(run).rejects.toBeInstanceOf(SecretLeakError);
      await expect(run).rejects.toThrow(/interaction 0 at response\.body/);
      expect((await readdir(dir)).filter((f) => f.startsWith('binary-leak'))).toEqual([]);
    } finally {
      await close();
    }
  });
});
