import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCassettes, toSarif } from '../../src/audit/index.js';
import { serializeCassette } from '../../src/cassette/index.js';
import { expandExample } from '../../src/secrets/index.js';
import type { Interaction } from '../../src/cassette/types.js';
import { main } from '../../src/cli/main.js';
import { defaultSanitizer, sanitizeInteraction, SecretSet } from '../../src/sanitizers/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';
import { cassetteOf, interaction, json, req, res } from '../sanitizers/fixtures.js';
import { BENIGN_FIELDS, BENIGN_HEADERS } from './benign-corpus.js';
import { clientSecrets, plantedClient, serverSecrets, startPlantedServer } from './planted.js';

afterAll(removeTempDirs);

const sha = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');

function io(cwd: string) {
  const captured = { out: '', err: '' };
  return Object.assign(captured, { cwd, env: {}, stdout: (t: string) => void (captured.out += t), stderr: (t: string) => void (captured.err += t) });
}

describe('audit on the planted traffic recorded with sanitizers off', () => {
  it('flags every planted secret; --json and --format sarif say the same', async () => {
    const dir = await makeTempDir('audit-off');
    const client = clientSecrets();
    const server = serverSecrets();
    const api = await startPlantedServer(server);
    try {
      await withCassette('off', () => plantedClient(api.url, client), { dir, mode: 'record', defaultSanitizer: false });
    } finally {
      await api.close();
    }
    const report = await auditCassettes(dir);
    const hashes = new Set(report.findings.map((f) => f.sha256));
    // each secret as the finding holds it: itself, or the whole header value the client or server built around it
    const forms = (v: string) => [v, v.trim(), `Bearer ${v}`, `session=${v}`, `sid=${v}; Path=/; HttpOnly`];
    const missed = Object.entries({ ...client, ...server }).filter(([, v]) => !forms(v).some((f) => hashes.has(sha(f))));
    expect(missed.map(([k]) => k)).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(client.clientSecret);

    const cli = io(dir);
    expect(await main(['audit', '.', '--json'], cli)).toBe(1);
    const parsed = JSON.parse(cli.out) as { findings: Array<{ rule: string; path: string; interaction: number; masked: string }> };
    expect(parsed.findings.length).toBe(report.findings.length);
    expect(parsed.findings).toContainEqual(expect.objectContaining({ rule: 'telegram-bot-token', path: 'request.url', interaction: 1 }));
    for (const value of Object.values(client)) expect(cli.out).not.toContain(value);

    const sarifCli = io(dir);
    expect(await main(['audit', '.', '--format', 'sarif'], sarifCli)).toBe(1);
    const sarif = JSON.parse(sarifCli.out) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; ruleIndex: number; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> };
    expect(sarif.version).toBe('2.1.0');
    const [run] = sarif.runs;
    expect(run?.results.length).toBe(report.findings.length);
    for (const r of run?.results ?? []) {
      expect(run?.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
      expect(r.locations[0]?.physicalLocation.artifactLocation.uri).toBe('off.json');
      expect(r.locations[0]?.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
    }
    // lines are found for values stored as text (not for those inside base64 bodies)
    expect(run?.results.filter((r) => (r.locations[0]?.physicalLocation.region.startLine ?? 0) > 1).length).toBeGreaterThan(report.findings.length / 2);
    expect(toSarif(report).runs).toHaveLength(1);
  });
});

describe('benign corpus', () => {
  const body = Object.fromEntries(BENIGN_FIELDS);
  const traffic: Interaction[] = [
    interaction(
      req({ url: `https://api.example.com/v1/items?page_token=${encodeURIComponent(String(body.next_page_token))}&cursor=${encodeURIComponent(String(body.cursor))}&key=PROJ-1234&code=invalid_request` }),
      res({ headers: { 'content-type': 'application/json', ...BENIGN_HEADERS }, body: json(body) }),
    ),
  ];

  it(`has at least 50 values, and audit raises at most 1 finding on them`, async () => {
    expect(BENIGN_FIELDS.length + Object.keys(BENIGN_HEADERS).length).toBeGreaterThanOrEqual(50);
    const dir = await makeTempDir('benign');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'benign.json'), serializeCassette(cassetteOf(traffic)));
    const report = await auditCassettes(dir);
    expect(report.findings.length, JSON.stringify(report.findings, null, 2)).toBeLessThanOrEqual(1);
  });

  it('the default sanitizer, on the same rules, leaves (almost) all of them as they came', () => {
    const secrets = new SecretSet();
    const [stored] = traffic.map((i, index) => sanitizeInteraction(defaultSanitizer(), i, { cassette: 'b', index, secrets }));
    const storedBody = (stored?.response.body as { value: Record<string, unknown> }).value;
    const changed = BENIGN_FIELDS.filter(([k, v]) => storedBody[k] !== v).map(([k]) => k);
    expect(changed.length, changed.join(', ')).toBeLessThanOrEqual(1);
    expect(stored?.response.headers).toEqual(expect.objectContaining(BENIGN_HEADERS));
    expect(stored?.request.url).toBe(traffic[0]?.request.url);
  });
});

describe('user rules', () => {
  it('a rule and a name added through the options are used by the recorder and by the audit alike', async () => {
    const key = expandExample('acme_{h:32}');
    const options = {
      extraFields: ['ssn'],
      rules: { rules: [{ name: 'acme-key', doc: 'Acme keys.', keywords: ['acme_'], pattern: /\bacme_[0-9a-f]{32}\b/g, examples: { match: ['acme_{h:32}'], noMatch: [] } }] },
    };
    const raw = interaction(req({ url: `https://a.example/x?k=${key}` }), res({ body: json({ ssn: '123-45-6789', note: `key ${key}` }) }));
    const stored = sanitizeInteraction(defaultSanitizer(options), raw, { cassette: 'u', index: 0, secrets: new SecretSet() });
    expect(stored.request.url).toBe('https://a.example/x?k=[REDACTED:acme-key]');
    expect(stored.response.body).toEqual(json({ ssn: '[REDACTED:ssn]', note: 'key [REDACTED:acme-key]' }));

    const dir = await makeTempDir('user-rules');
    await writeFile(join(dir, 'u.json'), serializeCassette(cassetteOf([raw])));
    expect((await auditCassettes(dir)).findings.map((f) => f.rule)).toEqual([]);
    expect((await auditCassettes(dir, { sanitizer: options })).findings.map((f) => `${f.path} ${f.rule}`).sort()).toEqual([
      'request.url acme-key',
      'response.body.value.note acme-key',
      'response.body.value.ssn credential-name',
    ]);
  });
});
