/**
 * Issue 15, red-teamed: an independent probe (values and places the planted matrix does not use),
 * recorded with DEFAULT options against a loopback server, then every byte under the cassette dir
 * scanned in every spelling; the same traffic recorded with sanitizers off must be flagged in full
 * by the audit.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { auditCassettes } from '../../src/audit/index.js';
import { main } from '../../src/cli/main.js';
import { SecretLeakError } from '../../src/errors/index.js';
import { expandExample } from '../../src/secrets/index.js';
import { reportLateRequests, withCassette } from '../../src/session/index.js';
import { listenOnLoopback, makeTempDir, removeTempDirs } from '../helpers/index.js';
import { findPlanted, readAll } from './planted.js';
import { API_FIELDS, BENIGN_QUERY, BENIGN_RESPONSE_HEADERS, BENIGN_VALUE_COUNT, HTML_PAGE, OIDC_FIELDS, S3_LISTING } from './red-team-benign.js';
import { cookieHeader, redClient, redClientSecrets, redServerSecrets, serviceAccount, startRedServer } from './red-team-traffic.js';

afterAll(removeTempDirs);

const sha = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');
/** What the client sees: 15 calls, two redirects (not followed), 15 more calls. */
const STATUSES = [...Array<number>(15).fill(200), 302, 303, ...Array<number>(15).fill(200)];

describe('red team: secrets in new places and shapes, recorded with DEFAULT options', () => {
  it('leave no secret under the cassette dir in any spelling; replay with other client secrets still matches', async () => {
    const dir = await makeTempDir('red-team');
    const server = redServerSecrets();
    const client = redClientSecrets();
    const api = await startRedServer(server);
    let recorded: number[];
    try {
      recorded = await withCassette('red', () => redClient(api.url, client), { dir, mode: 'record' });
    } finally {
      await api.close();
    }
    expect(recorded).toEqual(STATUSES);
    const files = await readAll(dir);
    expect(files.some((f) => f.file.includes('.bodies'))).toBe(true); // the large bodies went to side files
    expect(findPlanted(files, { ...client, ...server })).toEqual([]);
    // one engine: what recording left, the audit does not flag
    expect((await auditCassettes(dir)).findings.map((f) => `${f.file} ${f.path} ${f.rule}`)).toEqual([]);
    // a gzip upload is stored decoded and redacted (compressed bytes would hide the secret from every spelling)
    const cassette = JSON.parse(files.find((f) => f.file.endsWith('red.json'))?.bytes.toString('utf8') ?? '{}') as { interactions: Array<{ request: { url: string; body: unknown } }> };
    const upload = cassette.interactions.find((i) => i.request.url.endsWith('/c/gzip-upload'));
    expect(JSON.stringify(upload?.request.body)).toContain('[REDACTED:api_key]');

    const replayed = await withCassette('red', () => redClient(api.url, redClientSecrets()), { dir, mode: 'replay' });
    expect(replayed).toEqual(recorded);
  }, 60_000);
});

interface SarifShape {
  $schema?: unknown;
  version: unknown;
  runs: Array<{ tool: { driver: { name: unknown; rules: Array<{ id: unknown; shortDescription?: { text: unknown } }> } }; results: Array<Record<string, unknown>> }>;
}

/** What the SARIF 2.1.0 schema requires of the parts `reeltape audit` writes (required properties, enums, formats). */
function expectSarif210(log: SarifShape): void {
  expect(log.version).toBe('2.1.0');
  expect(String(log.$schema)).toMatch(/sarif.*2\.1\.0.*\.json$/);
  expect(log.runs.length).toBe(1);
  for (const run of log.runs) {
    expect(typeof run.tool.driver.name).toBe('string');
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of run.tool.driver.rules) expect(typeof rule.shortDescription?.text).toBe('string');
    expect(run.results.length).toBeGreaterThan(0);
    for (const r of run.results as Array<{ ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>; partialFingerprints: Record<string, string> }>) {
      expect(typeof r.message.text).toBe('string');
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
      expect(['none', 'note', 'warning', 'error']).toContain(r.level);
      for (const loc of r.locations) {
        const { uri } = loc.physicalLocation.artifactLocation;
        // format uri-reference (RFC 3986): no space, no raw non-ASCII; it resolves back to the file
        expect(uri, uri).toMatch(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]+$/);
        expect(Number.isInteger(loc.physicalLocation.region.startLine) && loc.physicalLocation.region.startLine >= 1).toBe(true);
      }
      for (const v of Object.values(r.partialFingerprints)) expect(typeof v).toBe('string');
    }
  }
  const uris = log.runs[0]?.results.map((r) => (r as { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }).locations[0]?.physicalLocation.artifactLocation.uri);
  expect(uris).toContain('users%20api/lists%20users%20%C3%A9.json');
}

describe('red team: the same traffic recorded with sanitizers off', () => {
  it('audit flags every planted secret', async () => {
    const dir = await makeTempDir('red-team-off');
    const server = redServerSecrets();
    const client = redClientSecrets();
    const api = await startRedServer(server);
    try {
      await withCassette('off', () => redClient(api.url, client), { dir, mode: 'record', defaultSanitizer: false });
    } finally {
      await api.close();
    }
    const report = await auditCassettes(dir);
    const hashes = new Set(report.findings.map((f) => f.sha256));
    // a header flagged whole (its name is a credential) holds the secret: that whole value is the finding
    const carriers: Record<string, string[]> = {
      hProxyPassword: [`Basic ${Buffer.from(`proxyuser:${client.hProxyPassword}`).toString('base64')}`],
      nodeBasicPassword: [`Basic ${Buffer.from(`joe:${client.nodeBasicPassword}`).toString('base64')}`],
      hCookieSession: [cookieHeader(client)],
      hCookieRefresh: [cookieHeader(client)],
      hSetCookieSession: [`__Host-session=${server.hSetCookieSession}; Path=/; Secure; HttpOnly`],
      hSetCookieRefresh: [`refresh_token=${server.hSetCookieRefresh}; Path=/auth; Secure`],
      mpSaPrivateKey: [serviceAccount(client)],
      mpSaKeyId: [serviceAccount(client)],
      nodeUserinfoPassword: [`Basic ${Buffer.from(`joe:${client.nodeUserinfoPassword}`).toString('base64')}`],
    };
    // a value found inside a form body is reported as written there (percent-encoded)
    const formEncoded = (v: string) => new URLSearchParams([['', v.trim()]]).toString().slice(1);
    const flagged = (key: string, v: string) => [v, v.trim(), formEncoded(v), ...(carriers[key] ?? [])].some((f) => hashes.has(sha(f)));
    const missed = Object.entries({ ...client, ...server }).filter(([k, v]) => !flagged(k, v));
    expect(missed.map(([k]) => k)).toEqual([]);

    // SARIF 2.1.0 shape, also for a cassette whose name has spaces and non-ASCII letters (Vitest names them after test titles)
    await mkdir(join(dir, 'users api'), { recursive: true });
    await copyFile(join(dir, 'off.json'), join(dir, 'users api', 'lists users é.json'));
    const out: string[] = [];
    expect(await main(['audit', '.', '--format', 'sarif'], { cwd: dir, env: {}, stdout: (t: string) => void out.push(t), stderr: () => undefined })).toBe(1);
    const text = out.join('');
    for (const value of Object.values({ ...client, ...server })) expect(text.includes(value)).toBe(false);
    expectSarif210(JSON.parse(text) as SarifShape);
  }, 60_000);
});

describe('red team: what cannot be redacted is refused, and the refusal does not print the secret', () => {
  it('a binary body echoing the bearer token, and the token used as a JSON key: SecretLeakError, no file written', async () => {
    const dir = await makeTempDir('red-team-refuse');
    const token = `opaque-${expandExample('{a:24}')}`; // no shape: only the request tells it is a secret
    const server = http.createServer((req, res) => {
      const seen = (req.headers.authorization ?? '').slice('Bearer '.length);
      if (req.url === '/bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(Buffer.concat([Buffer.from([0xff, 0x00, 0xfe]), Buffer.from(seen), Buffer.from([0xc3, 0x28])]));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sessions: { [seen]: { active: true } } }));
    });
    const { port, close } = await listenOnLoopback(server);
    try {
      for (const path of ['/bin', '/keyed']) {
        const error = await withCassette(`refuse${path}`, async () => {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
          await res.arrayBuffer();
        }, { dir, mode: 'record' }).then(() => undefined, (e: unknown) => e);
        expect(error, path).toBeInstanceOf(SecretLeakError);
        expect(String((error as Error).message)).not.toContain(token);
        expect(JSON.stringify((error as SecretLeakError).leaks)).not.toContain(token);
      }
    } finally {
      await close();
    }
    expect(findPlanted(await readAll(dir), { token })).toEqual([]);
  });
});

describe(`red team: a second benign corpus (${BENIGN_VALUE_COUNT} values real APIs send) served from a loopback API`, () => {
  /** Every string leaf of the stored interactions, by path (the `date` header and timings left out). */
  function leaves(file: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string' || typeof v === 'number') out.set(path, String(v));
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'date' && k !== 'stream') walk(x, `${path}.${k}`);
    };
    walk((JSON.parse(file) as { interactions: unknown }).interactions, '');
    return out;
  }

  it('audit raises at most 1 finding on it, and the default sanitizer changes at most 1 value', async () => {
    expect(BENIGN_VALUE_COUNT).toBeGreaterThanOrEqual(50);
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const json = (body: unknown) => res.end(JSON.stringify(body));
      if (path === '/oidc') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const oidc = Object.fromEntries(OIDC_FIELDS);
        return json({ ...oidc, keys: [{ kty: 'RSA', use: oidc.use, kid: oidc.kid, x5t: oidc.x5t, n: oidc.n, e: oidc.e, x5c: [oidc.x5c] }] });
      }
      if (path === '/api') {
        res.writeHead(200, { 'content-type': 'application/json', ...BENIGN_RESPONSE_HEADERS });
        return json({ data: Object.fromEntries(API_FIELDS), commit: { verification: { verified: true, reason: 'valid', signature: API_FIELDS[2]?.[1] } } });
      }
      if (path === '/s3') {
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(S3_LISTING);
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(HTML_PAGE);
    });
    const { port, close } = await listenOnLoopback(server);
    const run = async () => {
      for (const path of ['/oidc', `/api?${BENIGN_QUERY}`, '/s3', '/page']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'idempotency-key': '0190c5a4-7e6b-7d3e-9f1a-2b3c4d5e6f70', 'if-none-match': '"0x8DC2F8B6C3A1E4F"' } });
        await res.arrayBuffer();
      }
    };
    const dir = await makeTempDir('red-team-benign');
    try {
      await withCassette('raw', run, { dir, mode: 'record', defaultSanitizer: false });
      await withCassette('default', run, { dir, mode: 'record' });
    } finally {
      await close();
    }
    const report = await auditCassettes(dir);
    const findings = report.findings.map((f) => `${f.file} ${f.interaction} ${f.path} ${f.rule}`);
    expect(findings.filter((f) => f.startsWith('raw.json')).length, findings.join('\n')).toBeLessThanOrEqual(1);
    expect(findings.filter((f) => f.startsWith('default.json')), findings.join('\n')).toEqual([]);

    const files = await readAll(dir);
    const raw = leaves(files.find((f) => f.file.endsWith('raw.json'))?.bytes.toString('utf8') ?? '');
    const sanitized = leaves(files.find((f) => f.file.endsWith('default.json'))?.bytes.toString('utf8') ?? '');
    const changed = [...raw].filter(([path, v]) => sanitized.get(path) !== v).map(([path]) => path);
    expect(changed.length, changed.join('\n')).toBeLessThanOrEqual(1);
  });
});

describe('red team: replay with dummy secrets that no rule recognizes', () => {
  it('still matches where the recording has a marker (URL path, query, JSON body), and only there', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(`answer for ${req.url}`));
    });
    const { port, close } = await listenOnLoopback(server);
    const dir = await makeTempDir('red-team-dummy');
    const base = `http://127.0.0.1:${port}`;
    const run = (code: string, bot: string, gh: string, apiToken: string) => async () => {
      const out: string[] = [];
      for (const [path, init] of [
        [`/cb?state=s1&code=${code}`, {}],
        [`/bot${bot}/getMe`, {}],
        [`/repos/${gh}/issues?page=2`, {}],
        ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me }', variables: { apiToken } }) }],
      ] as const) out.push(await (await fetch(`${base}${path}`, init)).text());
      return out;
    };
    try {
      const recorded = await withCassette('dummy', run(expandExample('{a:24}'), expandExample('{d:10}:AA{u:33}'), expandExample('ghp_{a:36}'), expandExample('{a:32}')), { dir, mode: 'record' });
      const replayed = await withCassette('dummy', run('dummy-code', '123:dummy', 'dummy-token', 'dummy'), { dir, mode: 'replay' });
      expect(replayed.map((r) => r.replace(/answer for .*/, 'answer'))).toEqual(recorded.map(() => 'answer'));
      // a marker stands for one value: a request that differs elsewhere still fails
      const other = withCassette('dummy', async () => (await fetch(`${base}/cb?state=s2&code=dummy-code`)).text(), { dir, mode: 'replay', strict: false });
      await expect(other).rejects.toThrow(/s2|state/);
    } finally {
      await close();
    }
  });
});

describe('red team: what the code under test threw while recording', () => {
  it('is stored in meta.error with its secrets redacted by the same rules', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const { port, close } = await listenOnLoopback(server);
    const dir = await makeTempDir('red-team-meta');
    const token = expandExample('ghp_{a:36}');
    const secret = expandExample('{a:30}');
    try {
      const thrown = await withCassette('threw', async () => {
        await (await fetch(`http://127.0.0.1:${port}/login`)).text();
        throw new Error(`login failed with ${token} (client_secret=${secret})`);
      }, { dir, mode: 'record' }).then(() => undefined, (e: unknown) => e);
      expect((thrown as Error).message).toContain(token); // the code under test sees its real error
    } finally {
      await close();
    }
    const files = await readAll(dir);
    expect(findPlanted(files, { token, secret })).toEqual([]);
    const meta = (JSON.parse(files.find((f) => f.file.endsWith('threw.json'))?.bytes.toString('utf8') ?? '{}') as { meta: { error: { message: string } } }).meta;
    expect(meta.error.message).toBe('login failed with [REDACTED:github-token] (client_secret=[REDACTED:client_secret])');
  });
});

describe('red team: what reeltape itself prints', () => {
  afterEach(() => void vi.unstubAllEnvs());
  // without CI the late request goes out unrecorded; with CI it is blocked, and the error the client gets goes through the log too
  it.each([
    { ci: '', outcome: 'passed through, not recorded' },
    { ci: 'true', outcome: 'network error' },
  ])('the debug log and the late-request report show URLs redacted as stored (CI=$ci)', async ({ ci, outcome }) => {
    vi.stubEnv('CI', ci);
    const server = http.createServer((_req, res) => res.end('ok'));
    const { port, close } = await listenOnLoopback(server);
    const dir = await makeTempDir('red-team-logs');
    const key = expandExample('{a:32}');
    const bot = expandExample('{d:10}:AA{u:33}');
    const lines: string[] = [];
    const warn: string[] = [];
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => void warn.push(args.map(String).join(' '));
    try {
      reportLateRequests();
      let late!: Promise<unknown>;
      await withCassette('logs', async () => {
        await (await fetch(`http://127.0.0.1:${port}/v1/items?api_key=${key}`)).text();
        late = new Promise((resolve) => setTimeout(() => void fetch(`http://127.0.0.1:${port}/bot${bot}/getMe`).then(resolve, resolve), 20));
      }, { dir, mode: 'record', debug: (line: string) => lines.push(line) });
      await late;
      reportLateRequests();
    } finally {
      console.warn = originalWarn;
      await close();
    }
    const printed = [...lines, ...warn].join('\n');
    expect(printed).toContain('api_key=[REDACTED:api_key]');
    expect(printed).toContain('bot[REDACTED:telegram-bot-token]/getMe');
    expect(printed).toContain(`after the cassette closed: ${outcome}`);
    expect(printed).not.toContain(key);
    expect(printed).not.toContain(bot);
  });
});
