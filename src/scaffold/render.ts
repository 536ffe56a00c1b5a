import path from 'node:path';
import { withGeneratedHeader } from './generated-header.js';
import type { NormalizedDefinitions, TestDefinition, TestFramework } from './types.js';

/** Paths and settings the test renderer needs, all decided by the scaffolder. */
export interface RenderContext {
  readonly definitions: NormalizedDefinitions;
  readonly framework: TestFramework;
  /** Absolute directory the tests are generated into. */
  readonly outDir: string;
  /** The command that regenerates the file, for the header. */
  readonly regenerate: string;
}

/** A string literal in the generated code's style (single quotes). */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\u2028|\u2029/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}'`;
}

function posixRelative(from: string, to: string): string {
  const rel = path.relative(from, to).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The import specifier of the entry module as seen from the generated test (TS sources imported as `.js`). */
export function entrySpecifier(ctx: RenderContext): string {
  const module = ctx.definitions.entry.module;
  if (!module.startsWith('.') && !path.isAbsolute(module)) return module;
  const rel = posixRelative(ctx.outDir, path.resolve(ctx.definitions.projectDir, module));
  return rel.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs').replace(/\.cts$/, '.cjs').replace(/\.tsx$/, '.js');
}

/** An import declaration, wrapped one name per line when it would exceed 100 characters. */
function importLine(names: readonly string[], from: string): string {
  const single = `import { ${names.join(', ')} } from ${quote(from)};`;
  return single.length <= 100 ? single : `import {\n${names.map((n) => `  ${n},`).join('\n')}\n} from ${quote(from)};`;
}

/** The generated `config.json`: the test's config (secrets already placeholders), 2-space JSON. */
export function renderConfig(test: TestDefinition): string {
  return `${JSON.stringify(test.config, null, 2)}\n`;
}

const JEST_DO_NOT_FAKE = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

/** The generated test file (Vitest or Jest), with its header. */
export function renderTest(test: TestDefinition, ctx: RenderContext): string {
  const jest = ctx.framework === 'jest';
  const entryName = ctx.definitions.entry.export;
  const freezeTime = test.freezeTime ?? ctx.definitions.freezeTime;
  const outputRel = posixRelative(ctx.outDir, path.resolve(ctx.definitions.projectDir, ctx.definitions.outputDir, test.name));
  const title = test.description ? `${test.name}: ${test.description}` : test.name;
  const framework = jest ? '@jest/globals' : 'vitest';
  const timers = jest ? 'jest' : 'vi';
  const imports = ['afterEach', 'expect', timers, 'test'].filter((n) => freezeTime || (n !== 'afterEach' && n !== timers)).sort();
  const reeltape = ['configSecretsSanitizer', 'loadFunctionalConfig', 'prepareOutputDir', 'withCassette'];
  if (!test.expectError) reeltape.push('formatDiffTable', 'validateOutputs');
  reeltape.sort();

  const lines: string[] = [];
  lines.push("import path from 'node:path';");
  if (!jest) lines.push("import { fileURLToPath } from 'node:url';");
  lines.push(importLine(imports, framework));
  lines.push(importLine(reeltape, 'reeltape'));
  lines.push(`import { ${entryName} } from ${quote(entrySpecifier(ctx))};`);
  lines.push('');
  lines.push(`type EntryConfig = Parameters<typeof ${entryName}>[0];`);
  lines.push('');
  lines.push(`const name = ${quote(test.name)};`);
  if (!jest) lines.push('const here = path.dirname(fileURLToPath(import.meta.url));');
  lines.push('');
  if (freezeTime) {
    lines.push('afterEach(() => {', `  ${timers}.useRealTimers();`, '});', '');
  }
  lines.push(`test(${quote(title)}, async () => {`);
  if (jest) lines.push("  const here = path.dirname(expect.getState().testPath ?? '.');");
  if (freezeTime) {
    lines.push(
      jest
        ? `  jest.useFakeTimers({ doNotFake: [${JEST_DO_NOT_FAKE.map(quote).join(', ')}], now: new Date(${quote(freezeTime)}) });`
        : `  vi.useFakeTimers({ toFake: ['Date'], now: new Date(${quote(freezeTime)}) });`,
    );
  }
  lines.push('  const config = await loadFunctionalConfig(here, name);');
  lines.push(`  const outDir = await prepareOutputDir(path.join(here, ${quote(outputRel)}));`);
  const call = `withCassette(\`functional/\${name}\`, () => ${entryName}(config as unknown as EntryConfig, { outDir }), {`;
  const sanitizers = '    sanitizers: [configSecretsSanitizer(config)],';
  if (test.expectError) {
    lines.push('  await expect(', `    ${call}`, `  ${sanitizers}`, '    }),', `  ).rejects.toThrow(${quote(test.expectError)});`);
  } else {
    lines.push(`  await ${call}`, sanitizers, '  });');
    lines.push(`  const result = await validateOutputs(outDir, path.join(here, '__snapshots__', \`\${name}.outputs.json\`));`);
    lines.push(
      jest
        ? '  if (!result.ok) throw new Error(`outputs differ from the snapshot:\\n${formatDiffTable(result)}`);'
        : '  expect(result.ok, formatDiffTable(result)).toBe(true);',
    );
  }
  lines.push('});', '');
  const source = ctx.definitions.source;
  const notice = [
    `Generated by reeltape scaffold-tests from ${path.relative(ctx.definitions.projectDir, source.path) || '.'} (test "${test.name}").`,
    `Regenerate: ${ctx.regenerate}`,
    'Edit the definitions, not this file: an edited file is detected and left alone unless --force is given.',
  ];
  return withGeneratedHeader(lines.join('\n'), notice);
}
