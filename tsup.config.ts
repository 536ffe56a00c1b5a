import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', vitest: 'src/adapters/vitest.ts', jest: 'src/adapters/jest.ts', register: 'src/register.ts', pg: 'src/pg/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    removeNodeProtocol: false,
    shims: true,
    splitting: true,
    external: ['vitest', '@jest/globals', 'jest', 'pg'],
  },
  {
    entry: { 'cli/reeltape': 'src/cli/reeltape.ts', 'cli/scaffold-tests': 'src/cli/scaffold-tests.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    removeNodeProtocol: false,
    shims: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
