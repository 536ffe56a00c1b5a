import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCassettes, toSarif } from '../../src/audit/index.js';
import { expandExample, SecretRules } from '../../src/secrets/index.js';
import { serializeCassette } from '../../src/cassette/index.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { cassetteOf, interaction, json, req, res, text } from '../sanitizers/fixtures.js';

// Fake credentials of each shape, assembled at runtime from a prefix and a random tail.
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const JWT = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1234567890', name: 'x' })}.${expandExample('{u:43}')}`;
const BEARER = expandExample('opaque{a:24}');
const AWS = expandExample('AKIA{A:16}');
const GITHUB = expandExample('ghp_{a:36}');
const SLACK = expandExample('xoxb-{d:12}-{a:12}');
const PEM_LABEL = ['RSA PRIVATE', 'KEY-----'].join(' ');
const PEM = expandExample(`-----BEGIN ${PEM_LABEL}\n{a:40}\n-----END ${PEM_LABEL}`);
const RANDOM = expandExample('{a:30}');
const CONFIG_SECRET = 'my-kbc-storage-secret';
const ALL = [JWT, BEARER, AWS, GITHUB, SLACK, RANDOM, CONFIG_SECRET];

let dir: string;
let cassettes: string;
const write = (file: string, data: string) => writeFile(join(cassettes, file), data);

function io(cwd: string): CliIO & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, {
    cwd,
    env: {},
    stdout: (t: string) => void (captured.out += t),
    stderr: (t: string) => void (captured.err += t),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reeltape-audit-'));
  cassettes = join(dir, 'cassettes');
  await mkdir(join(cassettes, 'nested'), { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ parameters: { '#storage_token': CONFIG_SECRET, '#short': 'abc', region: 'eu' } }));
  await write(
    'leaky.json',
    serializeCassette(
      cassetteOf([
        interaction(req({ url: `https://a.example/x?client_secret=${RANDOM}&page=2`, headers: { authorization: `Bearer ${BEARER}` } }), res({ body: json({ data: { id_token: JWT } }) })),
        interaction(req({ url: 'https://a.example/y', headers: { 'x-aws': AWS } }), res({ body: text(`token ${GITHUB} and ${SLACK}\n${PEM}`) })),
        interaction(req({ url: `https://a.example/z?q=${encodeURIComponent(CONFIG_SECRET)}` }), res({ body: json({ blob: Buffer.from(CONFIG_SECRET).toString('base64') }) })),
      ]),
    ),
  );
  await write(
    'nested/clean.json',
    serializeCassette(
      cassetteOf([
        interaction(
          req({ url: 'https://a.example/x?access_token=[REDACTED:access_token]&page_token=abc', headers: { authorization: 'Bearer [REDACTED:authorization]' } }),
          res({ headers: { etag: 'W/"0f1e2d3c4b5a69788796a5b4c3d2e1f0"' }, body: json({ id: '6f1c2a3b-0000-4c4c-8d8d-123456789abc', description: 'A long sentence that is not random at all', token: '[REDACTED:token]' }) }),
        ),
      ]),
    ),
  );
  await write('broken.json', `{ "not": "a cassette", "leak": "${AWS}" }`);
  await mkdir(join(cassettes, 'big.bodies'));
  await write('big.bodies/0123abcd', `line one\nsecond line with ${GITHUB}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit rules', () => {
  it('are the secrets engine\'s: each token shape, markers skipped', () => {
    const engine = new SecretRules();
    const rules = (s: string) => engine.find(s).map((m) => m.rule);
    expect(rules(JWT)).toEqual(['jwt']);
    expect(rules(`sent Bearer ${BEARER}`)).toEqual(['bearer-token']);
    expect(rules(AWS)).toEqual(['aws-access-key-id']);
    expect(rules(GITHUB)).toEqual(['github-token']);
    expect(rules(SLACK)).toEqual(['slack-token']);
    expect(rules(PEM)).toEqual(['private-key']);
    expect(rules('Bearer [REDACTED:authorization]')).toEqual([]);
    expect(engine.find(RANDOM, 'client_secret').map((m) => m.rule)).toEqual(['credential-name']);
    expect(engine.find(RANDOM, 'description')).toEqual([]);
  });
});

describe('auditCassettes', () => {
  it('finds each planted kind, with interaction and JSON path', async () => {
    const report = await auditCassettes(cassettes, { configs: [join(dir, 'config.json')] });
    const leaky = report.findings.filter((f) => f.file === 'leaky.json').map((f) => `${f.interaction} ${f.path} ${f.rule}`);
    expect(leaky).toEqual(
      expect.arrayContaining([
        '0 request.url{client_secret} credential-name',
        '0 request.headers.authorization credential-name',
        '0 response.body.value.data.id_token credential-name',
        '1 request.headers.x-aws aws-access-key-id',
        '1 response.body.value github-token',
        '1 response.body.value slack-token',
        '1 response.body.value private-key',
        '2 request.url config-secret',
        '2 response.body.value.blob config-secret',
      ]),
    );
    expect(report.findings.filter((f) => f.file === 'nested/clean.json')).toEqual([]);
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'broken.json', path: '(file)', rule: 'unreadable-file' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'broken.json', path: 'line 1', rule: 'aws-access-key-id' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'big.bodies/0123abcd', path: 'line 2', rule: 'github-token' }));
    const serialized = JSON.stringify(report);
    for (const secret of ALL) expect(serialized).not.toContain(secret);
  });

  it('silences allow-listed findings', async () => {
    const before = await auditCassettes(cassettes);
    const aws = before.findings.find((f) => f.rule === 'aws-access-key-id' && f.file === 'leaky.json');
    expect(aws).toBeDefined();
    const after = await auditCassettes(cassettes, { allow: [{ sha256: aws?.sha256 ?? '' }, { file: 'broken.*' }, { rule: 'slack-token', path: 'response.body.value' }] });
    expect(after.findings.some((f) => f.rule === 'aws-access-key-id' || f.rule === 'slack-token' || f.file === 'broken.json')).toBe(false);
    expect(after.allowed).toBe(4); // broken.json has two: the file itself and its key id
    expect(after.findings.length).toBe(before.findings.length - 4);
    expect(after.findings.length).toBeGreaterThan(0);
  });
});

describe('reeltape audit (CLI)', () => {
  it('exits 1 on findings and prints file, interaction, path, rule and a masked value', async () => {
    const cli = io(dir);
    const code = await main(['audit', '--config', 'config.json'], cli);
    expect(code).toBe(1);
    expect(cli.out).toMatch(/cassettes\/leaky\.json {2}interaction 1 {2}request\.headers\.x-aws {2}aws-access-key-id {2}AKIA…\(20\) /);
    expect(cli.out).toMatch(/cassettes\/broken\.json {2}unreadable-file {2}not a valid cassette/);
    for (const secret of ALL) expect(cli.out + cli.err).not.toContain(secret);
  });

  it('exits 0 on a clean directory and with everything allow-listed; --json works', async () => {
    const clean = io(dir);
    expect(await main(['audit', 'cassettes/nested'], clean)).toBe(0);
    expect(clean.out).toContain('no secrets found in 1 file(s)');

    const json = io(dir);
    expect(await main(['audit', '--json'], json)).toBe(1);
    const report = JSON.parse(json.out) as { findings: Array<{ file: string; path: string; sha256: string }> };
    await writeFile(join(dir, '.reeltape-audit-allow.json'), JSON.stringify({ allow: report.findings.map((f) => ({ file: f.file, path: f.path, sha256: f.sha256 })) }));
    const allowed = io(dir);
    expect(await main(['audit'], allowed)).toBe(0);
    expect(allowed.out).toMatch(/silenced by the allow-list/);
    await rm(join(dir, '.reeltape-audit-allow.json'));
  });

  it('exits 2 on a missing directory or a bad allow-list', async () => {
    expect(await main(['audit', 'nope'], io(dir))).toBe(2);
    const badFormat = io(dir);
    expect(await main(['audit', '--format', 'xml'], badFormat)).toBe(2);
    expect(badFormat.err).toContain('--format must be text, json or sarif');
    await writeFile(join(dir, 'bad-allow.json'), JSON.stringify([{}]));
    const bad = io(dir);
    expect(await main(['audit', '--allow', 'bad-allow.json'], bad)).toBe(2);
    expect(bad.err).toContain('would silence every finding');
  });
});

describe('audit of a file over the size limit', () => {
  it('is an unreadable-file finding, not read and not called clean', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reeltape-audit-size-'));
    try {
      await writeFile(join(dir, 'huge.json'), `${JSON.stringify({ padding: 'x'.repeat(4096) })}\n`);
      process.env['REELTAPE_MAX_CASSETTE_BYTES'] = '1024';
      const report = await auditCassettes(dir);
      expect(report.findings).toEqual([expect.objectContaining({ file: 'huge.json', path: '(file)', rule: 'unreadable-file' })]);
      expect(report.findings[0]!.reason).toMatch(/over the 1024-byte limit/);
    } finally {
      delete process.env['REELTAPE_MAX_CASSETTE_BYTES'];
      await rm(dir, { recursive: true, force: true });
    }
  });
});
