import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let root: string;
beforeEach(async () => {
  root = await makeTempDir('cli-compare');
  const put = async (rel: string, text: string): Promise<void> => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  };
  await put('rec/orders.csv', 'id,status,amount\n1,open,10.00\n2,paid,20.00\n3,open,5.00\n');
  await put('rec/mces.json', '[{"urn":"u1","systemMetadata":{"lastObserved":1,"runId":"r1"}}]');
  await put('rec/rows.ndjson', '{"id":1}\n{"id":2}\n');
  await put('rep/orders.csv', 'id,status,amount\n3,open,5.001\n1,open,10.00\n2,paid,20.00\n');
  await put('rep/mces.json', '[{"systemMetadata":{"runId":"r2","lastObserved":2},"urn":"u1"}]');
  await put('rep/rows.ndjson', '{"id":2}\n{"id":1}\n');
});
afterEach(removeTempDirs);

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: root, env: {} };
  const code = await main(['compare', ...argv], io);
  return { code, stdout, stderr };
}

const OPTIONS = {
  files: {
    'orders.csv': { keys: ['id'], tolerance: { amount: { abs: 0.01 } } },
    '**/*.json': { ignorePaths: ['$[*].systemMetadata.lastObserved', '$..runId'] },
    '**/*.ndjson': { arrayOrder: 'ignore' },
  },
};

describe('reeltape compare', () => {
  it('prints a table and PERFECT MATCH, exit 0, when the directories match under the options', async () => {
    await writeFile(path.join(root, 'compare.json'), JSON.stringify(OPTIONS));
    const r = await run(['rec', 'rep', '--options', 'compare.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^file\s+verdict\s+summary\n/);
    expect(r.stdout).toMatch(/orders\.csv\s+equal\s+equal \(key id\)/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('PERFECT MATCH: 3 files equal');
  });

  it('exits 1 with the first differences per file and a DIFFERENT verdict', async () => {
    await writeFile(path.join(root, 'rep', 'orders.csv'), 'id,status,amount\n3,open,5.50\n1,shipped,10.00\n4,new,1.00\n');
    const r = await run(['rec', 'rep', '--keys', 'id', '--ignore-path', '$..runId', '--ignore-path', '$..lastObserved', '--array-order', 'ignore']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/orders\.csv\s+different\s+2 changed, 1 added, 1 removed \(key id\)/);
    expect(r.stdout).toContain('orders.csv:\n  ~ id=3: amount "5.00" → "5.50"\n  ~ id=1: status "open" → "shipped"\n  + id=4: {"id":"4","status":"new","amount":"1.00"}\n  - id=2: {"id":"2","status":"paid","amount":"20.00"}');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('DIFFERENT: 1 of 3 files differ (1 different)');
  });

  it('--json prints the full result with per-file verdicts and diffs', async () => {
    const r = await run(['rec', 'rep', '--json', '--keys', 'id']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; verdict: string; files: Array<{ path: string; verdict: string; json?: { changes: Array<{ path: string }> }; table?: { changed: unknown[] } }> };
    expect(out.ok).toBe(false);
    expect(out.files.map((f) => [f.path, f.verdict])).toEqual([
      ['mces.json', 'different'],
      ['orders.csv', 'different'],
      ['rows.ndjson', 'different'],
    ]);
    expect(out.files[0]?.json?.changes.map((c) => c.path)).toEqual(['$[0].systemMetadata.lastObserved', '$[0].systemMetadata.runId']);
    expect(out.files[1]?.table?.changed).toEqual([{ key: { id: '3' }, rows: { before: 3, after: 1 }, cells: [{ column: 'amount', before: '5.00', after: '5.001' }] }]);
    expect(out.verdict).toBe('DIFFERENT: 3 of 3 files differ (3 different)');
  });

  it('exits 2 on bad usage or input, with a message', async () => {
    expect((await run(['rec'])).code).toBe(2);
    const missing = await run(['rec', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Output directory ${path.join(root, 'nope')} does not exist`);
    expect((await run(['rec', 'rep', '--array-order', 'sideways'])).code).toBe(2);
    expect((await run(['rec', 'rep', '--bogus'])).code).toBe(2);
    await writeFile(path.join(root, 'rep', 'orders.csv'), 'id,status,amount\n1,a,1\n1,b,2\n');
    const dup = await run(['rec', 'rep', '--keys', 'id']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/rep\/orders\.csv: duplicate key id="1" \(data rows 1 and 2\)/);
  });

  it('is listed in reeltape --help', async () => {
    let stdout = '';
    const code = await main(['--help'], { stdout: (t) => void (stdout += t), stderr: () => undefined, cwd: root, env: {} });
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {2}compare\s+compare two output directories/);
  });
});
