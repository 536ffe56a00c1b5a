/**
 * A user's TypeScript project type-checks against the packed package with `skipLibCheck: false`:
 * `test/fixtures/packed-consumer` (reeltape/vitest, the `toMatchOutputSnapshot` declaration, the user's
 * msw) under this checkout's Vitest and msw, and its `jest-types.ts` (`tsconfig.with-jest.json`) (reeltape/jest as a Jest config
 * entry and a `Reporter`) under this checkout's Jest, and `node10-types.cts` under `moduleResolution: node10`. Vitest 5 with msw 3 cannot be installed beside
 * Vitest 4, so `.ci/packed-consumer.mjs` type-checks the same project after a real install of both.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';
import { copyFixture } from '../adapters/fixture-project.js';
import { REPO_ROOT, runNodeIn, unpackInto } from './pack.js';

let project: string;

beforeAll(async () => {
  project = await copyFixture('packed-consumer');
  const reeltape = path.join(project, 'node_modules', 'reeltape');
  await rm(reeltape); // copyFixture links the checkout; the user gets the packed files
  await unpackInto(await makeTempDir('consumer-types'), reeltape);
}, 120_000);

afterAll(async () => {
  await removeTempDirs();
  await rm(project, { recursive: true, force: true });
});

describe('a consumer project with skipLibCheck: false', () => {
  // One tsc run (a full lib check takes ~15 s): a missing matcher declaration fails the calls in
  // tests/types-only.ts, a too-loose one leaves its @ts-expect-error unused, which fails too.
  it('type-checks reeltape/vitest and toMatchOutputSnapshot under Vitest 4, and reeltape/jest under Jest 30', async () => {
    const result = await runNodeIn(project, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.with-jest.json']);
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 180_000); // ~15 s alone; over a minute on a loaded 2-core machine

  // Older CommonJS projects (ts-jest, `module: commonjs`) resolve with node10, which ignores `exports`:
  // `typesVersions` maps reeltape/jest, /pg and /register to their types.
  it('resolves every subpath under moduleResolution node10', async () => {
    const result = await runNodeIn(project, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.node10.json']);
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
