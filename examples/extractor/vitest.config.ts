import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The example project's root (this directory). */
const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * `reeltape` resolves to the built package (`npm run build` first). `REELTAPE_ENTRY` points it elsewhere,
 * e.g. when the example is copied out of the repository.
 */
const reeltapeEntry = process.env.REELTAPE_ENTRY ?? fileURLToPath(new URL('../../dist/index.js', import.meta.url));
/** `reeltape/pg`, next to the entry. */
const reeltapePg = join(dirname(reeltapeEntry), 'pg.js');

export default defineConfig({
  root,
  resolve: { alias: [{ find: /^reeltape$/, replacement: reeltapeEntry }, { find: /^reeltape\/pg$/, replacement: reeltapePg }] },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./reeltape.setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
  },
});
