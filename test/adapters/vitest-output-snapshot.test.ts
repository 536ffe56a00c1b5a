import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { copyFixture, ensureBuilt, runVitest } from './fixture-project.js';

/**
 * `expect(dir).toMatchOutputSnapshot()` as registered by the `reeltape()` Vitest plugin, in a real Vitest run:
 * created locally, passes unchanged, fails with a table when a row changes, rewritten by `vitest -u`, and a
 * missing snapshot is an error with `CI` set.
 */
let dir: string;
let snapshot: string;
beforeAll(async () => {
  ensureBuilt();
  dir = await copyFixture('vitest-outputs');
  snapshot = path.join(dir, 'tests', '__snapshots__', 'table.outputs.json');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('create, match, fail readably, update with -u, and refuse a missing snapshot in CI', async () => {
  const created = await runVitest(dir, [], {});
  expect(created.code, created.output).toBe(0);
  const first = await readFile(snapshot, 'utf8');
  expect(JSON.parse(first)).toMatchObject({ version: 1 });

  const unchanged = await runVitest(dir, [], {});
  expect(unchanged.code, unchanged.output).toBe(0);

  const changed = await runVitest(dir, [], { ROW2: 'GRACE' });
  expect(changed.code).not.toBe(0);
  expect(changed.output).toContain('table.csv');
  expect(changed.output).toMatch(/row 2.*GRACE/);
  expect(await readFile(snapshot, 'utf8')).toBe(first);

  const updated = await runVitest(dir, ['-u'], { ROW2: 'GRACE' });
  expect(updated.code, updated.output).toBe(0);
  expect(await readFile(snapshot, 'utf8')).not.toBe(first);
  expect((await runVitest(dir, [], { ROW2: 'GRACE' })).code).toBe(0);

  await rm(snapshot);
  const ci = await runVitest(dir, [], { CI: 'true' });
  expect(ci.code).not.toBe(0);
  expect(ci.output).toMatch(/table.outputs.json does not exist, and snapshots are not created in CI/);
});
