import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { loadProjectConfig } from '../../src/cli/project-config.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'reeltape-cli-snap-'));
  await mkdir(path.join(root, 'out', 'a'), { recursive: true });
  await mkdir(path.join(root, 'out', 'b'), { recursive: true });
  await writeFile(path.join(root, 'out', 'a', 'users.csv'), 'id,name,ts\n1,alice,100\n2,bob,200\n');
  await writeFile(path.join(root, 'out', 'b', 'orders.csv'), 'id,total\n1,10\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: root, env };
  const code = await main(['validate-snapshots', ...argv], io);
  return { code, stdout, stderr };
}

const CONFIG = {
  outputs: [
    { dir: 'out/a', snapshot: 'snaps/a.outputs.json', options: { ignoreColumns: ['ts'] } },
    { dir: 'out/b', snapshot: 'snaps/b.outputs.json' },
  ],
};

describe('reeltape validate-snapshots', () => {
  it('creates locally, passes, exits 1 with a table on a diff, --update fixes it', async () => {
    await writeFile(path.join(root, 'reeltape.config.json'), JSON.stringify(CONFIG));
    const created = await run([]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('snapshot created');
    expect(await readFile(path.join(root, 'snaps', 'a.outputs.json'), 'utf8')).toContain('"ignoreColumns": [\n      "ts"\n    ]');

    await writeFile(path.join(root, 'out', 'a', 'users.csv'), 'id,name,ts\n1,alice,999\n2,bob,999\n');
    expect((await run([], { CI: 'true' })).code).toBe(0);

    await writeFile(path.join(root, 'out', 'b', 'orders.csv'), 'id,total\n1,11\n');
    const diff = await run([], { CI: 'true' });
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('✓ out/a');
    expect(diff.stdout).toContain('✗ out/b');
    expect(diff.stdout).toMatch(/orders\.csv \| changed \| ~ row 1: \(not stored\) → "1,11"/);
    expect(diff.stderr).toContain('--update');

    const updated = await run(['--update'], { CI: 'true' });
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('snapshot updated');
    expect((await run([], { CI: 'true' })).code).toBe(0);
  });

  it('--json prints machine-readable results', async () => {
    await writeFile(path.join(root, 'reeltape.config.json'), JSON.stringify(CONFIG));
    await run([]);
    await rm(path.join(root, 'out', 'b', 'orders.csv'));
    const r = await run(['--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { ok: boolean; results: Array<{ dir: string; ok: boolean; diffs: unknown[] }> };
    expect(json.ok).toBe(false);
    expect(json.results).toHaveLength(2);
    expect(json.results[0]).toMatchObject({ dir: path.join(root, 'out', 'a'), ok: true, diffs: [] });
    expect(json.results[1]).toMatchObject({ ok: false, diffs: [{ type: 'missing', file: 'orders.csv' }] });
  });

  it('exits 2 on a missing snapshot in CI and on bad config, naming the file', async () => {
    await writeFile(path.join(root, 'reeltape.config.json'), JSON.stringify(CONFIG));
    const ci = await run(['--json'], { CI: '1' });
    expect(ci.code).toBe(2);
    const json = JSON.parse(ci.stdout) as { results: Array<{ error?: string }> };
    expect(json.results[0]?.error).toContain('not created in CI');

    await writeFile(path.join(root, 'reeltape.config.json'), '{\n  "outputs": [\n');
    const bad = await run([]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('reeltape.config.json line 3 is not valid JSON');

    const none = await run(['--config', 'missing.json']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing.json does not exist');
  });

  it('reads an .mjs config given with --config, relative to its directory', async () => {
    await mkdir(path.join(root, 'cfg'));
    await writeFile(
      path.join(root, 'cfg', 'reeltape.config.mjs'),
      `export default async () => ({ outputs: [{ dir: '../out/b', snapshot: 'b.outputs.json' }] });\n`,
    );
    const r = await run(['--config', 'cfg/reeltape.config.mjs']);
    expect(r.code).toBe(0);
    await expect(readFile(path.join(root, 'cfg', 'b.outputs.json'), 'utf8')).resolves.toContain('"orders.csv"');
  });

  it('says there is nothing to validate without outputs', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no outputs to validate');
  });
});

describe('loadProjectConfig', () => {
  it('finds reeltape.config.json first, keeps unknown keys, validates outputs', async () => {
    await writeFile(path.join(root, 'reeltape.config.json'), JSON.stringify({ cassetteDir: 'cas', extra: { a: 1 } }));
    await writeFile(path.join(root, 'reeltape.config.cjs'), 'module.exports = { cassetteDir: "other" };');
    const loaded = await loadProjectConfig(root);
    expect(loaded).toMatchObject({ file: path.join(root, 'reeltape.config.json'), baseDir: root, config: { cassetteDir: 'cas', extra: { a: 1 } } });
    await rm(path.join(root, 'reeltape.config.json'));
    expect((await loadProjectConfig(root)).config.cassetteDir).toBe('other');
    await writeFile(path.join(root, 'reeltape.config.json'), JSON.stringify({ outputs: [{ dir: 1 }] }));
    await expect(loadProjectConfig(root)).rejects.toThrow(/outputs\[0\] must be/);
    await rm(path.join(root, 'reeltape.config.json'));
    await rm(path.join(root, 'reeltape.config.cjs'));
    expect(await loadProjectConfig(root)).toEqual({ config: {}, file: undefined, baseDir: root });
  });
});
