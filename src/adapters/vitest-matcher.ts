import * as path from 'node:path';
import { expect } from 'vitest';
import { isCiEnv, isVitestUpdate, matchOutputSnapshot, type OutputSnapshotOptions } from '../snapshots/index.js';

// No type parameters: Vitest 4 declares `Matchers<T>` and Vitest 5 `Matchers<R, T>`, all defaulted, and an
// augmentation must repeat them exactly or list none (TS2428); `Assertion` extends `Matchers` in both.
declare module 'vitest' {
  interface Matchers {
    /**
     * Checks the CSV outputs under the received directory against `__snapshots__/<name>.outputs.json`
     * next to the test file (created locally when missing, rewritten with `vitest -u`).
     * Registered by the `reeltape()` plugin or {@link registerReeltapeMatchers}.
     *
     * @example
     * await expect('out/tables').toMatchOutputSnapshot('orders');
     */
    toMatchOutputSnapshot(name?: string, options?: OutputSnapshotOptions): Promise<void>;
  }
}

let registered = false;

/**
 * Registers `expect(outputDir).toMatchOutputSnapshot(name?, options?)` with Vitest's `expect`.
 * The `reeltape()` plugin calls it in every worker; call it from a setup file when not using the plugin.
 *
 * @example
 * await expect('out/tables').toMatchOutputSnapshot('orders');
 */
export function registerReeltapeMatchers(): void {
  if (registered) return;
  registered = true;
  expect.extend({
    async toMatchOutputSnapshot(received: unknown, name?: string, options?: OutputSnapshotOptions) {
      const state = this as unknown as { testPath?: string; snapshotState?: unknown; currentTestName?: string; isNot?: boolean };
      const testPath = state.testPath ?? path.join(process.cwd(), 'test');
      const ctx: Parameters<typeof matchOutputSnapshot>[3] = {
        snapshotDir: path.join(path.dirname(testPath), '__snapshots__'),
        update: isVitestUpdate(state.snapshotState),
        ci: isCiEnv(),
      };
      if (state.currentTestName) ctx.defaultName = state.currentTestName;
      if (state.isNot) ctx.isNot = true;
      return matchOutputSnapshot(received, name, options, ctx);
    },
  });
}
