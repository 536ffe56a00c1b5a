import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCassettes, harExtraStrings, toSarif } from '../../src/audit/index.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { expandExample } from '../../src/secrets/index.js';
import { serializeHar } from '../../src/store/index.js';
import { cassetteOf, interaction, json, req, res } from '../sanitizers/fixtures.js';

/**
 * `reeltape audit` reads a `.har` file entry by entry (not as raw text): headers, URL and bodies through
 * the same rules as a JSON cassette, base64 bodies decoded, findings naming the entry and its HAR field.
 */

// Fake credentials, assembled at runtime from a prefix and a random tail.
const GITHUB = expandExample('ghp_{a:36}');
const ACCESS = expandExample('{a:32}');
const AWS = expandExample('AKIA{A:16}');
const SESSION = expandExample('{a:40}');
const SLACK = expandExample('xoxb-{d:12}-{a:12}');
const ALL = [GITHUB, ACCESS, AWS, SESSION, SLACK];

const pair = (name: string, value: string) => ({ name, value });
/** A HAR as a browser or Polly.js writes it (no `_reeltape`), with secrets planted in five places. */
const leakyHar = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    entries: [
      {
        startedDateTime: '2026-12-01T10:00:00.000Z',
        time: 12,
        request: {
          method: 'GET',
          url: 'https://api.example.com/users?page=2',
          httpVersion: 'HTTP/1.1',
          cookies: [],
          headers: [pair(':authority', 'api.example.com'), pair('accept', 'application/json'), pair('x-api-key', GITHUB)],
          queryString: [pair('page', '2')],
          headersSize: -1,
          bodySize: 0,
        },
        response: {
          status: 200,
          statusText: 'OK',
          httpVersion: 'HTTP/1.1',
          cookies: [],
          headers: [pair('content-type', 'application/json')],
          content: { size: 2, mimeType: 'application/json', text: '[]' },
          redirectURL: '',
          headersSize: -1,
          bodySize: 2,
        },
        cache: {},
        timings: { send: 0, wait: 10, receive: 2 },
      },
      {
        startedDateTime: '2026-12-01T10:00:01.000Z',
        time: 20,
        request: {
          method: 'POST',
          url: `https://api.example.com/export?access_token=${ACCESS}&format=csv`,
          httpVersion: 'HTTP/1.1',
          cookies: [pair('auth_token', SESSION)],
          headers: [pair('content-type', 'application/json')],
          // a pair the URL does not carry (an edited HAR): scanned on its own
          queryString: [pair('access_token', ACCESS), pair('format', 'csv'), pair('webhook', SLACK)],
          postData: { mimeType: 'application/json', text: '{"q":"all"}' },
          headersSize: -1,
          bodySize: 11,
        },
        response: {
          status: 200,
          statusText: 'OK',
          httpVersion: 'HTTP/1.1',
          cookies: [],
          headers: [pair('content-type', 'application/json')],
          // base64 of JSON: the key id is in no line of the file's text
          content: { size: 60, mimeType: 'application/json', encoding: 'base64', text: Buffer.from(JSON.stringify({ export: { note: AWS } })).toString('base64') },
          redirectURL: '',
          headersSize: -1,
          bodySize: 60,
        },
        cache: {},
        timings: { send: 0, wait: 18, receive: 2 },
      },
    ],
  },
};

let dir: string;
let cassettes: string;

function io(cwd: string): CliIO & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, { cwd, env: {}, stdout: (t: string) => void (captured.out += t), stderr: (t: string) => void (captured.err += t) });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reeltape-audit-har-'));
  cassettes = join(dir, 'cassettes');
  await mkdir(join(cassettes, 'clean'), { recursive: true });
  await writeFile(join(cassettes, 'leaky.har'), JSON.stringify(leakyHar, null, 2));
  // what reeltape's HAR store writes for a sanitized cassette: markers only
  const sanitized = cassetteOf([
    interaction(
      req({ url: 'https://api.example.com/x?access_token=[REDACTED:access_token]', headers: { authorization: 'Bearer [REDACTED:authorization]' } }),
      res({ body: json({ token: '[REDACTED:token]', users: ['ada'] }) }),
    ),
  ]);
  await writeFile(join(cassettes, 'clean', 'users.har'), serializeHar(sanitized, 'users.har'));
  await writeFile(join(cassettes, 'damaged.har'), `{ "log": { "entries": [ { "request": 42 } ] }, "leak": "${GITHUB}" }`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('auditCassettes on .har files', () => {
  it('finds a secret in a header, a query parameter and a base64 body, naming the entry and the HAR field', async () => {
    const report = await auditCassettes(cassettes);
    expect(report.files).toEqual(['clean/users.har', 'damaged.har', 'leaky.har']);
    const leaky = report.findings.filter((f) => f.file === 'leaky.har').map((f) => `${f.interaction} ${f.path} ${f.rule}`);
    expect(leaky).toEqual(
      expect.arrayContaining([
        '0 request.headers.x-api-key credential-name',
        '1 request.url{access_token} credential-name',
        '1 response.content.text.export.note aws-access-key-id',
        '1 request.cookies[0].value credential-name',
        '1 request.queryString[2].value slack-token',
      ]),
    );
    // the query-string pairs that are in the URL are not reported twice; the pseudo-header and the clean fields not at all
    expect(leaky.filter((l) => l.includes('queryString'))).toEqual(['1 request.queryString[2].value slack-token']);
    expect(leaky).toHaveLength(5);
    const header = report.findings.find((f) => f.path === 'request.headers.x-api-key');
    expect(header?.line).toBeGreaterThan(1);
    expect(report.findings.filter((f) => f.file === 'clean/users.har')).toEqual([]);
    const serialized = JSON.stringify(report);
    for (const secret of ALL) expect(serialized).not.toContain(secret);
  });

  it('a damaged HAR is itself a finding and is scanned as raw text', async () => {
    const report = await auditCassettes(cassettes);
    const damaged = report.findings.filter((f) => f.file === 'damaged.har');
    expect(damaged).toContainEqual(expect.objectContaining({ path: '(file)', rule: 'unreadable-file' }));
    expect(damaged.find((f) => f.path === '(file)')?.reason).toMatch(/not a valid HAR file.*log\.entries\[0\]/);
    expect(damaged).toContainEqual(expect.objectContaining({ path: 'line 1', rule: 'github-token' }));
  });

  it('lists what the cassette view leaves out, skipping what it holds', () => {
    const extras = harExtraStrings(leakyHar).map((s) => `${s.entry} ${s.where} ${s.name ?? ''}`);
    expect(extras).toContain('0 request.headers[0].value :authority');
    expect(extras).toContain('1 request.cookies[0].value auth_token');
    expect(extras).toContain('-1 log.creator.name name');
    expect(extras.some((e) => /request\.url|content\.text|postData\.text|headers\[[12]\]/.test(e))).toBe(false);
  });
});

describe('reeltape audit (CLI) on .har files', () => {
  it('prints the entry, and SARIF names log.entries[i]', async () => {
    const cli = io(dir);
    expect(await main(['audit'], cli)).toBe(1);
    expect(cli.out).toMatch(/cassettes\/leaky\.har {2}entry 1 {2}response\.content\.text\.export\.note {2}aws-access-key-id {2}AKIA…\(20\) /);
    for (const secret of ALL) expect(cli.out + cli.err).not.toContain(secret);
    const sarif = JSON.stringify(toSarif(await auditCassettes(cassettes), 'cassettes/'));
    expect(sarif).toContain('log.entries[0].request.headers.x-api-key');
    expect(sarif).toContain('in entry 0 at request.headers.x-api-key');
  });
});
