/**
 * `reeltape/vitest`: every test gets its own cassette.
 *
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config';
 * import { reeltape } from 'reeltape/vitest';
 * export default defineConfig({ plugins: [reeltape()] });
 *
 * // users.test.ts
 * import { test, expect } from 'reeltape/vitest';
 * test('lists users', async ({ cassette }) => {
 *   expect((await fetch('https://api.example.com/users')).status).toBe(200);
 * });
 * @packageDocumentation
 */
export { describe, expect } from 'vitest';
export {
  test,
  it,
  useCassetteOptions,
  installCassetteHooks,
  vitestCassetteName,
  type CassetteFixture,
  type ReeltapeFixtures,
  type ReeltapeTestAPI,
} from './vitest-test.js';
export { reeltape, ReeltapeVitestReporter, type ReeltapePluginOptions } from './vitest-plugin.js';
export { registerReeltapeMatchers } from './vitest-matcher.js';
export { cassetteNameFor, safeSegment } from './cassette-name.js';
