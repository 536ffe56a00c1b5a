import type { JsonValue } from '../cassette/types.js';

/** A component configuration: a JSON object whose `#`-prefixed keys hold secrets. */
export type ComponentConfig = { [key: string]: JsonValue };

/** The code under test: a module and the function it exports, called as `fn(config, { outDir })`. */
export interface EntryPoint {
  /** Module path, relative to the project directory (e.g. `./src/extractor.ts`), or a package name. */
  readonly module: string;
  /** Exported function name (default `run`). */
  readonly export: string;
}

/** Test frameworks the scaffolder writes tests for. */
export type TestFramework = 'vitest' | 'jest';

/** One test after normalization. */
export interface TestDefinition {
  /** Safe file name: letters, digits, `.`, `_`, `-`; unique (case-insensitively). */
  readonly name: string;
  /** Human-readable description, used in the test title. */
  readonly description?: string;
  /** Component configuration, secrets already replaced by placeholders. */
  readonly config: ComponentConfig;
  /** ISO-8601 time `Date` is frozen at while the test runs (overrides the file-wide value). */
  readonly freezeTime?: string;
  /** When set, the run must reject with an error whose message contains this text; outputs are not validated. */
  readonly expectError?: string;
}

/** Where the definitions came from. */
export interface DefinitionsSource {
  /** `json`/`yaml`: one definitions file; `folder`: a folder of raw `config.json` files. */
  readonly format: 'json' | 'yaml' | 'folder';
  /** Absolute path of the definitions file or folder. */
  readonly path: string;
}

/** Definitions in one shape, whatever their source. */
export interface NormalizedDefinitions {
  readonly source: DefinitionsSource;
  /** Absolute project directory: generated paths are relative to it. */
  readonly projectDir: string;
  readonly entry: EntryPoint;
  /** Where the component writes its outputs, relative to the project (each test gets `<outputDir>/<name>`). */
  readonly outputDir: string;
  /** File-wide frozen time (ISO-8601), if any. */
  readonly freezeTime?: string;
  /** Framework named in the definitions file, if any (the CLI's `--framework` wins). */
  readonly framework?: TestFramework;
  readonly tests: readonly TestDefinition[];
}

/** A `#` secret moved out of the definitions into the local secrets file. */
export interface MovedSecret {
  /** Test name. */
  readonly test: string;
  /** Dotted path of the key inside the config, e.g. `#api_token` or `auth.#password`. */
  readonly key: string;
  /** The placeholder now standing in for it, e.g. `${REELTAPE_SECRET_FULL_LOAD_API_TOKEN}`. */
  readonly placeholder: string;
}

/** What the scaffolder does (or would do, in a dry run) to one file. */
export interface PlannedFile {
  /** Absolute path. */
  readonly path: string;
  readonly kind: 'config' | 'test' | 'definitions' | 'secrets' | 'gitignore';
  /**
   * `create`/`update`: written; `unchanged`: already up to date; `skip-edited`: a generated test that was edited
   * by hand, left alone (use `force`); `overwrite-edited`: an edited file overwritten because of `force`.
   */
  readonly action: 'create' | 'update' | 'unchanged' | 'skip-edited' | 'overwrite-edited';
  /** The content written (or that would be written). Never contains a secret, except for the secrets file. */
  readonly content: string;
}

/** The outcome of a scaffolder run. */
export interface ScaffoldResult {
  readonly dryRun: boolean;
  readonly definitions: NormalizedDefinitions;
  readonly files: readonly PlannedFile[];
  /** Secrets moved from the definitions into the local secrets file. */
  readonly movedSecrets: readonly MovedSecret[];
}
