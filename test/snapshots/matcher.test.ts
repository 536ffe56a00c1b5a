import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVitestUpdate, matchOutputSnapshot, snapshotFileName } from '../../src/snapshots/index.js';

let root: string;
let out: string;
let snapshotDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'reeltape-matcher-'));
  out = path.join(root, 'out');
  snapshotDir = path.join(root, '__snapshots__');
  await mkdir(out);
  await writeFile(path.join(out, 'users.csv'), 'id,name\n1,alice\n2,bob\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('matchOutputSnapshot', () => {
  it('creates the snapshot locally, passes when unchanged, fails with a table when changed', async () => {
    const ctx = { snapshotDir, update: false, ci: false };
    const first = await matchOutputSnapshot(out, 'users run', undefined, ctx);
    expect(first.pass).toBe(true);
    const file = path.join(snapshotDir, 'users-run.outputs.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1 });
    expect((await matchOutputSnapshot(out, 'users run', undefined, ctx)).pass).toBe(true);

    await writeFile(path.join(out, 'users.csv'), 'id,name\n1,alice\n2,robert\n');
    const failed = await matchOutputSnapshot(out, 'users run', undefined, ctx);
    expect(failed.pass).toBe(false);
    const message = failed.message();
    expect(message).toContain(`do not match snapshot ${file}`);
    expect(message).toMatch(/file\s+\| change\s+\| detail/);
    expect(message).toContain('row 2: (not stored) → "2,robert"');
    expect(message).toContain('vitest -u');

    const updated = await matchOutputSnapshot(out, 'users run', undefined, { ...ctx, update: true });
    expect(updated.pass).toBe(true);
    expect((await matchOutputSnapshot(out, 'users run', undefined, ctx)).pass).toBe(true);
  });

  it('fails (does not create) a missing snapshot in CI, and names the default snapshot after the test or dir', async () => {
    const ci = await matchOutputSnapshot(out, undefined, undefined, { snapshotDir, update: false, ci: true, defaultName: 'my test' });
    expect(ci.pass).toBe(false);
    expect(ci.message()).toContain(path.join(snapshotDir, 'my-test.outputs.json'));
    const local = await matchOutputSnapshot(out, undefined, undefined, { snapshotDir, update: false, ci: false });
    expect(local.pass).toBe(true);
    await expect(readFile(path.join(snapshotDir, 'out.outputs.json'), 'utf8')).resolves.toContain('"users.csv"');
  });

  it('rejects a non-string received value', async () => {
    const r = await matchOutputSnapshot(42, 'x', undefined, { snapshotDir, update: false, ci: false });
    expect(r.pass).toBe(false);
    expect(r.message()).toContain('expects an output directory path');
  });

  it('works when registered with expect.extend', async () => {
    expect.extend({
      async toMatchOutputSnapshotHere(received: unknown, name?: string) {
        return matchOutputSnapshot(received, name, undefined, { snapshotDir, update: false, ci: false });
      },
    });
    const e = expect as unknown as (v: unknown) => { toMatchOutputSnapshotHere(n?: string): Promise<void>; not: { toMatchOutputSnapshotHere(n?: string): Promise<void> } };
    await e(out).toMatchOutputSnapshotHere('ext');
    await writeFile(path.join(out, 'users.csv'), 'id,name\n1,alice\n');
    await expect(e(out).toMatchOutputSnapshotHere('ext')).rejects.toThrow(/rows 2 → 1/);
    await e(out).not.toMatchOutputSnapshotHere('ext');
  });
});

describe('helpers', () => {
  it('snapshotFileName makes safe names', () => {
    expect(snapshotFileName('orders > daily/run 1')).toBe('orders-daily-run-1.outputs.json');
    expect(snapshotFileName('  ')).toBe('outputs.outputs.json');
  });

  it('isVitestUpdate is true only for the "all" update state', () => {
    expect(isVitestUpdate({ snapshotUpdateState: 'all' })).toBe(true);
    expect(isVitestUpdate({ _updateSnapshot: 'all' })).toBe(true);
    expect(isVitestUpdate({ _updateSnapshot: 'new' })).toBe(false);
    expect(isVitestUpdate({ _updateSnapshot: 'none' })).toBe(false);
    expect(isVitestUpdate(undefined)).toBe(false);
    // this run is not `vitest -u`
    expect(isVitestUpdate(expect.getState().snapshotState)).toBe(false);
  });
});
