/**
 * `reeltape audit` on files larger than one JavaScript string can hold (~512 MiB): a large side
 * file is scanned in pieces (secrets found, with their lines, also across a piece's cut), and a
 * cassette that large is reported as unreadable and scanned as raw text — never a crash
 * (`Cannot create a string longer than…`, which it was) and never "no secrets found".
 */
import { execFileSync } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serializeCassette } from '../../src/cassette/index.js';
import { expandExample } from '../../src/secrets/index.js';
import { childEnv, makeTempDir, removeTempDirs } from '../helpers/index.js';
import { cassetteOf, interaction, req, res, text } from '../sanitizers/fixtures.js';

const MiB = 1024 * 1024;
const SIZE = 540 * MiB; // above V8's longest string (2^29 - 24 characters)
const GITHUB = expandExample('ghp_{a:36}');
const ACROSS_CUT = expandExample('ghp_{a:36}');
const AWS = expandExample('AKIA{A:16}');
const IN_TAIL = expandExample('AKIA{A:16}');

let dir: string;
let tailLine: number;
beforeAll(async () => {
  dir = await makeTempDir('audit-large');
  const cassettes = join(dir, 'cassettes');
  await mkdir(join(cassettes, 'c.bodies'), { recursive: true });
  const small = serializeCassette(cassetteOf([interaction(req({ url: 'http://127.0.0.1:1/x' }), res({ body: text('ok') }))]));
  tailLine = small.split('\n').length + 1; // the cassette's lines, the zeros after it, then the secret
  await writeFile(join(cassettes, 'c.json'), small);
  // a sparse side file: line 1 "x", line 2 zeros with a secret across the first 16 MiB piece's cut, line 3 a secret, line 5 another
  const side = await open(join(cassettes, 'c.bodies', 'a'.repeat(64)), 'w');
  await side.write('x\n', 0);
  await side.write(ACROSS_CUT, 16 * MiB - 10);
  await side.write(`\n${GITHUB}\n`, 300 * MiB);
  await side.write(`\n${AWS}\n`, SIZE - 100);
  await side.truncate(SIZE);
  await side.close();
  // a valid cassette followed by a huge tail holding a secret
  const tail = await open(join(cassettes, 'tail.json'), 'w');
  await tail.write(small, 0);
  await tail.write(`\n${IN_TAIL}\n`, 200 * MiB);
  await tail.truncate(SIZE);
  await tail.close();
}, 60_000);
afterAll(removeTempDirs);

it('finds secrets in a 540 MiB side file and a 540 MiB cassette, within a time and memory bound', () => {
  const started = Date.now();
  const script =
    `import { auditCassettes } from './src/audit/index.ts';` +
    `const report = await auditCassettes(${JSON.stringify(join(dir, 'cassettes'))});` +
    `console.log(JSON.stringify({ findings: report.findings, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: childEnv(), encoding: 'utf8' });
  const { findings, maxRssMb } = JSON.parse(out.trim().split('\n').pop() as string) as {
    findings: Array<{ file: string; path: string; rule: string; sha256: string; reason?: string }>;
    maxRssMb: number;
  };
  const side = `c.bodies/${'a'.repeat(64)}`;
  const where = (file: string, rule: RegExp) => findings.filter((f) => f.file === file && rule.test(f.rule)).map((f) => f.path).sort();
  expect(where(side, /github/)).toEqual(['line 2', 'line 3']);
  expect(where(side, /aws/)).toEqual(['line 5']);
  expect(findings.find((f) => f.file === 'tail.json' && f.rule === 'unreadable-file')?.reason).toMatch(/longer than the longest text reeltape can parse at once/);
  expect(where('tail.json', /aws/)).toEqual([`line ${tailLine}`]);
  expect(findings.filter((f) => f.file === 'c.json')).toEqual([]);
  expect(maxRssMb).toBeLessThan(700); // pieces of 16 MiB: the whole file is never in memory
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);
