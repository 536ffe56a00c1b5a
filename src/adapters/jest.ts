/**
 * `reeltape/jest`: every Jest test gets its own cassette. One module, two roles:
 * - as a `setupFilesAfterEnv` entry it wraps each test of the file in `withCassette`;
 * - as a reporter (its default export) it prints the end-of-run cassette report.
 *
 * @example
 * // jest.config.js
 * export default {
 *   setupFilesAfterEnv: ['reeltape/jest'],
 *   reporters: ['default', 'reeltape/jest'],
 * };
 * @packageDocumentation
 */
import { ReeltapeJestReporter } from './jest-reporter.js';
import { inJestSandbox, installJestHooks } from './jest-setup.js';

export { ReeltapeJestReporter, type ReeltapeJestReporterOptions } from './jest-reporter.js';
export { installJestHooks, useCassetteOptions, currentCassette } from './jest-setup.js';
export { cassetteNameFor, safeSegment } from './cassette-name.js';

// Loaded inside a test file's sandbox (setupFilesAfterEnv): install. Loaded as a reporter: do nothing.
if (inJestSandbox()) installJestHooks();

export default ReeltapeJestReporter;
