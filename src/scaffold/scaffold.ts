import path from 'node:path';
import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { nodeFileSystem, type ScaffoldFs } from './file-system.js';
import { generatedFileState } from './generated-header.js';
import { loadDefinitions, type LoadedDefinitions } from './load-definitions.js';
import {
  SECRETS_FILE_NAME,
  findSecretSlots,
  parsePlaceholder,
  placeholderFor,
  secretEnvName,
  setAtPath,
  type SecretsFileContent,
} from './placeholders.js';
import { renderConfig, renderTest } from './render.js';
import { parseSecretsFile } from './runtime.js';
import type { ComponentConfig, MovedSecret, PlannedFile, ScaffoldResult, TestDefinition, TestFramework } from './types.js';

/** Default directory of the generated tests, relative to the project. */
export const DEFAULT_TESTS_DIR = 'test/functional';

/** Options of {@link scaffold} (the `scaffold-tests` CLI flags). */
export interface ScaffoldOptions {
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Definitions file or raw-config folder; default `reeltape.tests.json|yaml|yml` in `cwd`. */
  readonly definitions?: string;
  /** Where tests are generated (relative to `cwd`); default `test/functional` in the project directory. */
  readonly out?: string;
  /** `vitest` (default) or `jest`. */
  readonly framework?: TestFramework;
  /** Generate only these tests (secrets are still moved out of every definition). */
  readonly only?: readonly string[];
  /** Overwrite generated tests even if they were edited by hand. */
  readonly force?: boolean;
  /** Compute the plan, write nothing. */
  readonly dryRun?: boolean;
  /** Raw-config folder only: entry point `<module>#<export>`. */
  readonly entry?: string;
  /** Raw-config folder only: the component's output directory. */
  readonly outputDir?: string;
}

interface SecretMove extends MovedSecret {
  readonly value: string;
}

/** Replaces literal `#` values with placeholders, in the test configs and in their source documents. */
function moveSecrets(loaded: LoadedDefinitions): { tests: TestDefinition[]; moves: SecretMove[] } {
  const moves: SecretMove[] = [];
  const owners = new Map<string, string>();
  const tests = loaded.definitions.tests.map((test) => {
    let config: JsonValue = test.config;
    const location = loaded.locations.get(test.name);
    for (const slot of findSecretSlots(test.config)) {
      if (typeof slot.value !== 'string' || parsePlaceholder(slot.value) !== undefined) continue;
      const env = secretEnvName(test.name, slot.key);
      const owner = `test "${test.name}" key "${slot.key}"`;
      const previous = owners.get(env);
      if (previous !== undefined) {
        throw new ReeltapeConfigError(
          `${owner} and ${previous} would share the secret variable ${env}: rename one of the tests or keys.`,
        );
      }
      owners.set(env, owner);
      const placeholder = placeholderFor(env);
      config = setAtPath(config, slot.path, placeholder);
      location?.document.set([...location.path, ...slot.path], placeholder);
      moves.push({ test: test.name, key: slot.key, placeholder, value: slot.value });
    }
    return { ...test, config: config as ComponentConfig };
  });
  return { tests, moves };
}

function stableSecrets(content: SecretsFileContent): string {
  const sorted: SecretsFileContent = {};
  for (const test of Object.keys(content).sort()) {
    const keys = content[test] ?? {};
    const inner: { [key: string]: string } = {};
    for (const key of Object.keys(keys).sort()) inner[key] = keys[key] ?? '';
    sorted[test] = inner;
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Lines `.gitignore` must hold (as given, or an equivalent spelling). */
function ensureGitignore(existing: string | undefined, entries: readonly string[]): string {
  const text = existing ?? '';
  const present = new Set(
    text
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\*\*\//, '').replace(/^\//, '').replace(/\/$/, ''))
      .filter(Boolean),
  );
  const missing = entries.filter((e) => !present.has(e.replace(/^\//, '').replace(/\/$/, '')));
  if (missing.length === 0) return text;
  const prefix = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${prefix}${prefix === '' ? '' : '\n'}# reeltape: local secrets and test outputs (never commit them)\n${missing.join('\n')}\n`;
}

function regenerateCommand(loaded: LoadedDefinitions, options: ScaffoldOptions, framework: TestFramework, outDir: string): string {
  const defs = loaded.definitions;
  const parts = ['npx scaffold-tests', path.relative(defs.projectDir, defs.source.path) || '.'];
  if (defs.source.format === 'folder') {
    parts.push(`--entry ${defs.entry.module}#${defs.entry.export}`);
    if (options.outputDir) parts.push(`--output-dir ${options.outputDir}`);
  }
  if (framework === 'jest') parts.push('--framework jest');
  const out = path.relative(defs.projectDir, outDir).split(path.sep).join('/');
  if (out !== DEFAULT_TESTS_DIR) parts.push(`--out ${out}`);
  return `${parts.join(' ')}  (in ${defs.source.format === 'folder' ? 'the project directory' : 'the directory of the definitions file'})`;
}

async function planFile(
  fs: ScaffoldFs,
  file: string,
  kind: PlannedFile['kind'],
  content: string,
  force: boolean,
): Promise<PlannedFile> {
  const existing = await fs.readFile(file);
  if (existing === undefined) return { path: file, kind, action: 'create', content };
  if (existing === content) return { path: file, kind, action: 'unchanged', content };
  if (kind === 'test' && generatedFileState(existing) !== 'pristine') {
    return { path: file, kind, action: force ? 'overwrite-edited' : 'skip-edited', content };
  }
  return { path: file, kind, action: 'update', content };
}

/**
 * Generates one functional test per definition: `<out>/<name>/config.json` (secrets as placeholders) and
 * `<out>/<name>.test.ts`. Moves literal `#` secrets out of the definitions into the git-ignored
 * `.reeltape-secrets.json` (written first, so a value is never lost), puts placeholders in their place,
 * and adds the secrets file and the output directory to `.gitignore`. Idempotent; a generated test edited by
 * hand is left alone unless `force`.
 * @example
 * const result = await scaffold({ cwd: 'examples/extractor' });
 * for (const f of result.files) console.log(f.action, f.path);
 */
export async function scaffold(options: ScaffoldOptions, fs: ScaffoldFs = nodeFileSystem): Promise<ScaffoldResult> {
  const loaded = await loadDefinitions(fs, {
    cwd: options.cwd,
    ...(options.definitions ? { definitions: options.definitions } : {}),
    ...(options.entry ? { entry: options.entry } : {}),
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
  });
  const defs = loaded.definitions;
  const only = options.only ?? [];
  const unknown = only.filter((n) => !defs.tests.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new ReeltapeConfigError(
      `--only: no test named ${unknown.map((n) => `"${n}"`).join(', ')} in ${defs.source.path}. Tests: ${defs.tests.map((t) => t.name).join(', ')}.`,
    );
  }
  const framework = options.framework ?? defs.framework ?? 'vitest';
  const outDir = options.out ? path.resolve(options.cwd, options.out) : path.join(defs.projectDir, DEFAULT_TESTS_DIR);
  const force = options.force ?? false;
  const { tests, moves } = moveSecrets(loaded);
  const files: PlannedFile[] = [];

  if (moves.length > 0) {
    const secretsPath = path.join(defs.projectDir, SECRETS_FILE_NAME);
    const existing = await fs.readFile(secretsPath);
    const content: SecretsFileContent = existing === undefined ? {} : parseSecretsFile(secretsPath, existing);
    for (const move of moves) content[move.test] = { ...content[move.test], [move.key]: move.value };
    files.push(await planFile(fs, secretsPath, 'secrets', stableSecrets(content), force));
    for (const document of new Set(loaded.documents)) {
      files.push(await planFile(fs, document.file, 'definitions', document.toString(), force));
    }
  }
  const gitignorePath = path.join(defs.projectDir, '.gitignore');
  const outputEntry = `/${path.normalize(defs.outputDir).split(path.sep).join('/').replace(/^\.\//, '').replace(/\/$/, '')}/`;
  const gitignore = ensureGitignore(await fs.readFile(gitignorePath), [SECRETS_FILE_NAME, outputEntry]);
  files.push(await planFile(fs, gitignorePath, 'gitignore', gitignore, force));

  const regenerate = regenerateCommand(loaded, options, framework, outDir);
  for (const test of tests) {
    if (only.length > 0 && !only.includes(test.name)) continue;
    files.push(await planFile(fs, path.join(outDir, test.name, 'config.json'), 'config', renderConfig(test), force));
    const source = renderTest(test, { definitions: { ...defs, tests }, framework, outDir, regenerate });
    files.push(await planFile(fs, path.join(outDir, `${test.name}.test.ts`), 'test', source, force));
  }

  if (!options.dryRun) {
    for (const file of files) {
      if (file.action === 'create' || file.action === 'update' || file.action === 'overwrite-edited') {
        await fs.writeFile(file.path, file.content);
      }
    }
  }
  return {
    dryRun: options.dryRun ?? false,
    definitions: { ...defs, tests },
    files,
    movedSecrets: moves.map(({ test, key, placeholder }) => ({ test, key, placeholder })),
  };
}
