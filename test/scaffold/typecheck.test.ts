import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaffold } from '../../src/scaffold/index.js';

/**
 * Generated tests must type-check under a strict project tsconfig. `reeltape` is mapped to a declaration
 * file that re-exports the real scaffold runtime and declares the cross-module API by its documented
 * contract (withCassette, configSecretsSanitizer, validateOutputs, formatDiffTable).
 */
const repo = path.resolve('.');
let dir: string;

const STUB = (runtime: string, sanitizerTypes: string) => `
import type { Sanitizer } from '${sanitizerTypes}';
export * from '${runtime}';
export interface CassetteOptions { sanitizers?: Sanitizer[] }
export declare function withCassette<T>(name: string, fn: (cassette: unknown) => T | Promise<T>, options?: CassetteOptions): Promise<T>;
export declare function configSecretsSanitizer(config: Record<string, unknown>, extra?: readonly string[]): Sanitizer;
export interface ValidationResult { ok: boolean; diffs: Array<{ file: string; type: string }> }
export declare function validateOutputs(outputDir: string, snapshotFile: string, options?: object): Promise<ValidationResult>;
export declare function formatDiffTable(result: ValidationResult): string;
`;

function check(files: string[]): string[] {
  const configFile = ts.readConfigFile(path.join(dir, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, dir);
  const program = ts.createProgram(files, parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('generated tests type-check', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-tsc-'));
    await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await cp(path.join(repo, 'examples/extractor/reeltape.tests.json'), path.join(dir, 'reeltape.tests.json'));
    await cp(path.join(repo, 'examples/extractor/extractor.mjs'), path.join(dir, 'extractor.mjs'));
    await cp(path.join(repo, 'examples/extractor/extractor.d.mts'), path.join(dir, 'extractor.d.mts'));
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const rel = (p: string) => path.relative(dir, path.join(repo, p)).split(path.sep).join('/');
    await writeFile(path.join(dir, 'reeltape-stub.d.ts'), STUB(rel('src/scaffold/runtime.js'), rel('src/sanitizers/types.js')));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          strict: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          paths: { reeltape: ['./reeltape-stub.d.ts'] },
        },
      }),
    );
    await scaffold({ cwd: dir });
    await scaffold({ cwd: dir, framework: 'jest', out: 'jest-tests' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('vitest and jest files compile with no diagnostics', () => {
    const files = ['full-load', 'incremental', 'empty-result', 'api-error'].flatMap((n) => [
      path.join(dir, 'test/functional', `${n}.test.ts`),
      path.join(dir, 'jest-tests', `${n}.test.ts`),
    ]);
    expect(check(files)).toEqual([]);
  });

  it('the check does catch a type error', async () => {
    const broken = path.join(dir, 'broken.test.ts');
    await writeFile(broken, "import { loadFunctionalConfig } from 'reeltape';\nconst n: number = await loadFunctionalConfig('.', 'x');\nexport { n };\n");
    expect(check([broken]).join('\n')).toMatch(/broken\.test\.ts:2 .*not assignable to type 'number'/);
  });
});
