import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { scaffoldTestsMain } from '../../src/scaffold/index.js';
import { PASSWORD, TOKEN, definitions, json } from './helpers.js';

function io(cwd: string): CliIO & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    cwd,
    env: {},
    stdout: (t: string) => void (captured.out += t),
    stderr: (t: string) => void (captured.err += t),
  };
  return captured;
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

describe('scaffold-tests CLI on a real temp dir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-scaffold-'));
    await writeFile(path.join(dir, 'reeltape.tests.json'), json(definitions()));
    await writeFile(path.join(dir, '.gitignore'), 'node_modules/');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates, reports moved secrets without printing them, and is idempotent', async () => {
    const first = io(dir);
    expect(await scaffoldTestsMain([], first)).toBe(0);
    expect(first.out).toContain('scaffold-tests: 2 test(s) from reeltape.tests.json');
    expect(first.out).toMatch(/create\s+test\/functional\/full-load\.test\.ts/);
    expect(first.out).toContain('Moved 2 secret(s) out of the definitions into .reeltape-secrets.json (git-ignored)');
    expect(first.out).toContain('full-load: #api_token → ${REELTAPE_SECRET_FULL_LOAD_API_TOKEN}');
    expect(first.out + first.err).not.toContain(TOKEN);

    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe(
      'node_modules/\n\n# reeltape: local secrets and test outputs (never commit them)\n.reeltape-secrets.json\n/out/\n',
    );
    for (const file of await allFiles(dir)) {
      if (file.endsWith('.reeltape-secrets.json')) continue;
      const text = await readFile(file, 'utf8');
      expect(text, file).not.toContain(TOKEN);
      expect(text, file).not.toContain(PASSWORD);
    }

    const snapshot = await Promise.all((await allFiles(dir)).map(async (f) => [f, await readFile(f, 'utf8')]));
    const second = io(dir);
    expect(await scaffoldTestsMain(['--cwd', '.'], second)).toBe(0);
    expect(second.out).not.toMatch(/^\s+(create|update)/m);
    expect(await Promise.all((await allFiles(dir)).map(async (f) => [f, await readFile(f, 'utf8')]))).toEqual(snapshot);
  });

  it('--dry-run writes nothing; --only and --force; edited files give exit 1', async () => {
    const dry = io(dir);
    expect(await scaffoldTestsMain(['--dry-run'], dry)).toBe(0);
    expect(dry.out).toContain('dry run, nothing written');
    expect(dry.out).toMatch(/would create\s+test\/functional\/api-error\.test\.ts/);
    expect(dry.out).toContain('Would move 2 secret(s)');
    expect((await allFiles(dir)).map((f) => path.basename(f))).toEqual(['.gitignore', 'reeltape.tests.json']);

    expect(await scaffoldTestsMain(['--only', 'full-load'], io(dir))).toBe(0);
    expect((await allFiles(path.join(dir, 'test'))).map((f) => path.relative(dir, f))).toEqual([
      'test/functional/full-load.test.ts',
      'test/functional/full-load/config.json',
    ]);

    const testFile = path.join(dir, 'test/functional/full-load.test.ts');
    await writeFile(testFile, `${await readFile(testFile, 'utf8')}// edited\n`);
    const skipped = io(dir);
    expect(await scaffoldTestsMain([], skipped)).toBe(1);
    expect(skipped.err).toContain('left 1 test file(s) alone because they were edited by hand');
    expect(skipped.err).toContain('--force');
    expect(await readFile(testFile, 'utf8')).toContain('// edited');

    expect(await scaffoldTestsMain(['--force'], io(dir))).toBe(0);
    expect(await readFile(testFile, 'utf8')).not.toContain('// edited');
  });

  it('bad usage and invalid definitions exit 2 with a message', async () => {
    const bad = io(dir);
    expect(await scaffoldTestsMain(['--framework', 'mocha'], bad)).toBe(2);
    expect(bad.err).toContain('--framework must be "vitest" or "jest"');
    const unknown = io(dir);
    expect(await scaffoldTestsMain(['--nope'], unknown)).toBe(2);
    expect(unknown.err).toMatch(/Unknown option '--nope'/);
    await writeFile(path.join(dir, 'reeltape.tests.json'), json({ tests: [{ name: 'a', config: {} }] }));
    const invalid = io(dir);
    expect(await scaffoldTestsMain([], invalid)).toBe(2);
    expect(invalid.err).toContain('"entry" is missing');
    const help = io(dir);
    expect(await scaffoldTestsMain(['--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: scaffold-tests');
  });

  it('scaffolds the bundled example (copied) with the placeholders it documents', async () => {
    const example = path.join(dir, 'example');
    await cp(path.resolve('examples/extractor'), example, {
      recursive: true,
      filter: (src) => !/[/\\](test|cassettes|out|node_modules)$|\.reeltape-secrets\.json$/.test(src),
    });
    const run = io(dir);
    expect(await scaffoldTestsMain(['--cwd', 'example'], run)).toBe(0);
    const names = JSON.parse(await readFile(path.join(example, 'reeltape.tests.json'), 'utf8')).tests.map((t: { name: string }) => t.name);
    expect(names).toEqual(['full-load', 'incremental', 'empty-result', 'api-error']);
    for (const name of names) {
      const config = JSON.parse(await readFile(path.join(example, 'test/functional', name, 'config.json'), 'utf8'));
      expect(config['#api_token']).toBe(`\${REELTAPE_SECRET_${name.toUpperCase().replace(/-/g, '_')}_API_TOKEN}`);
    }
    expect(await readFile(path.join(example, 'test/functional/api-error.test.ts'), 'utf8')).toContain(
      ".rejects.toThrow('GET /v1/events failed: HTTP 500');",
    );
  });
});
