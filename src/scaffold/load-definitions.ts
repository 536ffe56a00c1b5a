import path from 'node:path';
import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { parseJsonDocument, parseYamlDocument, type DefinitionsDocument } from './definitions-document.js';
import type { ScaffoldFs } from './file-system.js';
import { findSecretSlots, parsePlaceholder } from './placeholders.js';
import type { ComponentConfig, EntryPoint, NormalizedDefinitions, TestDefinition } from './types.js';

/** Definitions file names looked for, in order, when no path is given. */
export const DEFINITIONS_FILE_NAMES = ['reeltape.tests.json', 'reeltape.tests.yaml', 'reeltape.tests.yml'] as const;

/** Default output directory of the component, relative to the project. */
export const DEFAULT_OUTPUT_DIR = 'out';

/** Safe test names: they become file and directory names. */
export const TEST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** Where a test's config lives in the source documents (to put placeholders back there). */
export interface ConfigLocation {
  readonly document: DefinitionsDocument;
  readonly path: ReadonlyArray<string | number>;
}

/** Definitions as loaded: normalized (configs may still hold literal secrets) plus the editable sources. */
export interface LoadedDefinitions {
  readonly definitions: NormalizedDefinitions;
  readonly documents: readonly DefinitionsDocument[];
  /** Test name → where its config lives. */
  readonly locations: ReadonlyMap<string, ConfigLocation>;
}

/** Options for {@link loadDefinitions}. */
export interface LoadDefinitionsOptions {
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Definitions file or raw-config folder; default: the first of {@link DEFINITIONS_FILE_NAMES} in `cwd`. */
  readonly definitions?: string;
  /** For a raw-config folder: the entry point, `<module>#<export>` (export defaults to `run`). */
  readonly entry?: string;
  /** For a raw-config folder: the output directory (default {@link DEFAULT_OUTPUT_DIR}). */
  readonly outputDir?: string;
}

const TOP_LEVEL_FIELDS = new Set(['$schema', 'entry', 'outputDir', 'freezeTime', 'framework', 'tests']);
const TEST_FIELDS = new Set(['name', 'description', 'config', 'freezeTime', 'expectError']);

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parses `<module>#<export>` or `{ module, export }`; `undefined` (with a problem noted) when invalid. */
function parseEntry(raw: JsonValue | undefined, problems: string[]): EntryPoint | undefined {
  if (raw === undefined || raw === null || raw === '') {
    problems.push(
      '"entry" is missing: name the code under test, e.g. "entry": { "module": "./src/extractor.js", "export": "run" } (or "./src/extractor.js#run").',
    );
    return undefined;
  }
  if (typeof raw === 'string') {
    const [module, exported] = raw.split('#');
    if (module) return { module, export: exported || 'run' };
  } else if (isObject(raw) && typeof raw.module === 'string' && raw.module !== '') {
    if (raw.export !== undefined && (typeof raw.export !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(raw.export))) {
      problems.push('"entry.export" must be the name of an exported function, e.g. "run".');
      return undefined;
    }
    return { module: raw.module, export: typeof raw.export === 'string' ? raw.export : 'run' };
  }
  problems.push('"entry" must be "<module>#<export>" or { "module": "...", "export": "..." }.');
  return undefined;
}

function checkFreezeTime(raw: JsonValue | undefined, where: string, problems: string[]): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(Date.parse(raw))) {
    problems.push(`${where}"freezeTime" must be an ISO-8601 time such as "2024-06-01T00:00:00Z" (got ${JSON.stringify(raw)}).`);
    return undefined;
  }
  return new Date(raw).toISOString();
}

function checkSecrets(name: string, config: ComponentConfig, problems: string[]): void {
  for (const slot of findSecretSlots(config)) {
    const where = `test "${name}": config field "${slot.key}"`;
    if (typeof slot.value !== 'string') {
      problems.push(`${where} is a secret (# key) and must be a string, got ${slot.value === null ? 'null' : typeof slot.value}.`);
    } else if (parsePlaceholder(slot.value) === undefined && slot.value.length < 6) {
      problems.push(
        `${where} is a secret shorter than 6 characters; such values cannot be redacted safely from recordings. Use the real (longer) value or a placeholder like "\${MY_SECRET}".`,
      );
    }
  }
}

/** Validates one raw test entry; returns the normalized test or `undefined`. */
function normalizeTest(raw: JsonValue | undefined, index: number, problems: string[]): TestDefinition | undefined {
  const label = `tests[${index}]`;
  if (!isObject(raw)) {
    problems.push(`${label} must be an object { "name", "config", … }.`);
    return undefined;
  }
  const name = raw.name;
  if (typeof name !== 'string' || name === '') {
    problems.push(`${label}: "name" is missing: give every test a unique name (it becomes a file name).`);
    return undefined;
  }
  const start = problems.length;
  if (!TEST_NAME_PATTERN.test(name)) {
    problems.push(
      `test "${name}": "name" is not a safe file name: use letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 80 characters).`,
    );
  }
  for (const key of Object.keys(raw)) {
    if (!TEST_FIELDS.has(key)) problems.push(`test "${name}": unknown field "${key}" (known: ${[...TEST_FIELDS].join(', ')}).`);
  }
  if (raw.description !== undefined && typeof raw.description !== 'string') problems.push(`test "${name}": "description" must be a string.`);
  if (raw.expectError !== undefined && (typeof raw.expectError !== 'string' || raw.expectError === '')) {
    problems.push(`test "${name}": "expectError" must be a non-empty string the error message must contain.`);
  }
  const freezeTime = checkFreezeTime(raw.freezeTime, `test "${name}": `, problems);
  if (!isObject(raw.config)) {
    problems.push(`test "${name}": "config" is missing or not an object: put the component configuration there.`);
    return undefined;
  }
  checkSecrets(name, raw.config, problems);
  if (problems.length > start) return undefined;
  return {
    name,
    config: raw.config,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(freezeTime ? { freezeTime } : {}),
    ...(typeof raw.expectError === 'string' ? { expectError: raw.expectError } : {}),
  };
}

function checkDuplicates(tests: readonly TestDefinition[], problems: string[]): void {
  const seen = new Map<string, string>();
  for (const test of tests) {
    const lower = test.name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) {
      problems.push(
        `test "${test.name}": "name" duplicates test "${earlier}"${earlier === test.name ? '' : ' (names may differ only in case on case-insensitive file systems)'}: rename one of them.`,
      );
    } else seen.set(lower, test.name);
  }
}

function fail(source: string, problems: readonly string[]): never {
  throw new ReeltapeConfigError(
    `${source}: ${problems.length === 1 ? 'invalid definitions' : `${problems.length} problems in the definitions`}:\n` +
      problems.map((p) => `  - ${p}`).join('\n'),
  );
}

async function findDefaultDefinitions(fs: ScaffoldFs, cwd: string): Promise<string> {
  for (const name of DEFINITIONS_FILE_NAMES) {
    const candidate = path.join(cwd, name);
    if ((await fs.stat(candidate)) === 'file') return candidate;
  }
  throw new ReeltapeConfigError(
    `no test definitions found in ${cwd}: create ${DEFINITIONS_FILE_NAMES.join(' or ')}, or pass a definitions file or a folder of config.json files.`,
  );
}

async function loadFile(fs: ScaffoldFs, file: string): Promise<LoadedDefinitions> {
  const text = await fs.readFile(file);
  if (text === undefined) throw new ReeltapeConfigError(`${file}: definitions file not found.`);
  const yaml = /\.ya?ml$/i.test(file);
  const document = yaml ? parseYamlDocument(file, text) : parseJsonDocument(file, text);
  const root = document.value;
  const problems: string[] = [];
  if (!isObject(root)) fail(file, ['the file must hold an object with "entry" and "tests".']);
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_FIELDS.has(key)) problems.push(`unknown field "${key}" (known: ${[...TOP_LEVEL_FIELDS].join(', ')}).`);
  }
  const entry = parseEntry(root.entry, problems);
  if (root.outputDir !== undefined && (typeof root.outputDir !== 'string' || root.outputDir === '' || path.isAbsolute(root.outputDir))) {
    problems.push('"outputDir" must be a directory relative to the definitions file.');
  }
  if (root.framework !== undefined && root.framework !== 'vitest' && root.framework !== 'jest') {
    problems.push('"framework" must be "vitest" or "jest".');
  }
  const freezeTime = checkFreezeTime(root.freezeTime, '', problems);
  const tests: TestDefinition[] = [];
  const locations = new Map<string, ConfigLocation>();
  if (!Array.isArray(root.tests) || root.tests.length === 0) {
    problems.push('"tests" must be a non-empty list of { "name", "config" } objects.');
  } else {
    root.tests.forEach((raw, i) => {
      const test = normalizeTest(raw, i, problems);
      if (test) {
        tests.push(test);
        locations.set(test.name, { document, path: ['tests', i, 'config'] });
      }
    });
    checkDuplicates(tests, problems);
  }
  if (problems.length > 0 || !entry) fail(file, problems);
  return {
    definitions: {
      source: { format: yaml ? 'yaml' : 'json', path: file },
      projectDir: path.dirname(file),
      entry,
      outputDir: typeof root.outputDir === 'string' ? root.outputDir : DEFAULT_OUTPUT_DIR,
      ...(freezeTime ? { freezeTime } : {}),
      ...(root.framework === 'vitest' || root.framework === 'jest' ? { framework: root.framework } : {}),
      tests,
    },
    documents: [document],
    locations,
  };
}

async function loadFolder(fs: ScaffoldFs, dir: string, options: LoadDefinitionsOptions): Promise<LoadedDefinitions> {
  const problems: string[] = [];
  const entry = parseEntry(options.entry, problems);
  const tests: TestDefinition[] = [];
  const documents: DefinitionsDocument[] = [];
  const locations = new Map<string, ConfigLocation>();
  const sources: Array<{ name: string; file: string }> = [];
  for (const item of await fs.readdir(dir)) {
    if (item.isDirectory) {
      const file = path.join(dir, item.name, 'config.json');
      if ((await fs.stat(file)) === 'file') sources.push({ name: item.name, file });
    } else if (item.name.endsWith('.json')) {
      sources.push({ name: item.name.slice(0, -'.json'.length), file: path.join(dir, item.name) });
    }
  }
  if (sources.length === 0) problems.push(`no <name>.json or <name>/config.json files found in ${dir}.`);
  for (const [i, source] of sources.entries()) {
    const text = (await fs.readFile(source.file)) ?? '';
    const document = parseJsonDocument(source.file, text);
    const test = normalizeTest({ name: source.name, config: document.value }, i, problems);
    if (test) {
      tests.push(test);
      documents.push(document);
      locations.set(test.name, { document, path: [] });
    }
  }
  checkDuplicates(tests, problems);
  if (problems.length > 0 || !entry) fail(dir, problems);
  return {
    definitions: {
      source: { format: 'folder', path: dir },
      projectDir: options.cwd,
      entry,
      outputDir: options.outputDir ?? DEFAULT_OUTPUT_DIR,
      tests,
    },
    documents,
    locations,
  };
}

/**
 * Reads test definitions from a `reeltape.tests.json` / `.yaml` / `.yml` file or from a folder of raw
 * `config.json` files (`<name>.json` or `<name>/config.json`, one test each), normalizes them into one shape
 * and validates them. Throws one {@link ReeltapeConfigError} listing every problem, each naming the test and field.
 * @example
 * const { definitions } = await loadDefinitions(nodeFileSystem, { cwd: process.cwd() });
 * console.log(definitions.tests.map((t) => t.name));
 */
export async function loadDefinitions(fs: ScaffoldFs, options: LoadDefinitionsOptions): Promise<LoadedDefinitions> {
  const target = options.definitions ? path.resolve(options.cwd, options.definitions) : await findDefaultDefinitions(fs, options.cwd);
  const kind = await fs.stat(target);
  if (kind === undefined) throw new ReeltapeConfigError(`${target}: no such definitions file or folder.`);
  return kind === 'directory' ? loadFolder(fs, target, options) : loadFile(fs, target);
}
