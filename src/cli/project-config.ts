/**
 * The project configuration file shared by the `reeltape` subcommands: `reeltape.config.json`, `.js`, `.mjs`
 * or `.cjs` in the working directory (first found, in that order), or an explicit `--config` path.
 *
 * JSON files are parsed as JSON; JS files are imported and their default export (an object, or a function
 * returning one, possibly async) is used. Keys other than the documented ones are kept as they are, so a
 * subcommand can read its own section.
 *
 * @example
 * ```json
 * {
 *   "cassetteDir": "test/cassettes",
 *   "outputs": [
 *     { "dir": "out/orders", "snapshot": "test/__snapshots__/orders.outputs.json", "options": { "ignoreColumns": ["extracted_at"] } }
 *   ]
 * }
 * ```
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReeltapeConfigError } from '../errors/index.js';
import type { OutputSnapshotOptions } from '../snapshots/index.js';
import { locateJsonError } from '../util/json-error.js';

/** File names looked for, in order. */
export const PROJECT_CONFIG_FILES = ['reeltape.config.json', 'reeltape.config.js', 'reeltape.config.mjs', 'reeltape.config.cjs'] as const;

/** One output directory validated by `reeltape validate-snapshots`. */
export interface ProjectOutputConfig {
  /** Output directory, relative to the config file's directory. */
  dir: string;
  /** Snapshot file, relative to the config file's directory. */
  snapshot: string;
  /** Capture options (stored in the snapshot when it is created). */
  options?: OutputSnapshotOptions;
}

/** The contents of `reeltape.config.*`. Unknown keys are preserved for other subcommands. */
export interface ReeltapeProjectConfig {
  /** Where cassettes live, relative to the config file's directory. */
  cassetteDir?: string;
  /** Output directories and their snapshots. */
  outputs?: ProjectOutputConfig[];
  /** Other keys, read by the subcommands that own them. */
  [key: string]: unknown;
}

/** A loaded configuration and where it came from. */
export interface LoadedProjectConfig {
  /** The configuration (`{}` when no file was found). */
  config: ReeltapeProjectConfig;
  /** Absolute path of the file read, or `undefined` when none exists. */
  file: string | undefined;
  /** Directory relative paths in the config resolve against (the file's directory, else `cwd`). */
  baseDir: string;
}

/**
 * Loads the project configuration. With `explicitPath` (relative to `cwd`), that file must exist; without it the
 * first of {@link PROJECT_CONFIG_FILES} found in `cwd` is read, and `{ config: {}, file: undefined }` is returned
 * when there is none. Throws {@link ReeltapeConfigError} naming the file (and line, for JSON) when it is invalid.
 *
 * @example
 * ```ts
 * const { config, baseDir } = await loadProjectConfig(process.cwd());
 * for (const o of config.outputs ?? []) console.log(path.resolve(baseDir, o.dir));
 * ```
 */
export async function loadProjectConfig(cwd: string, explicitPath?: string): Promise<LoadedProjectConfig> {
  let file: string | undefined;
  if (explicitPath !== undefined) {
    file = path.resolve(cwd, explicitPath);
    if (!(await exists(file))) {
      throw new ReeltapeConfigError(`Config file ${file} does not exist. Fix the --config path.`);
    }
  } else {
    for (const name of PROJECT_CONFIG_FILES) {
      const candidate = path.join(cwd, name);
      if (await exists(candidate)) {
        file = candidate;
        break;
      }
    }
  }
  if (file === undefined) return { config: {}, file: undefined, baseDir: path.resolve(cwd) };
  const raw = file.endsWith('.json') ? await readJson(file) : await importConfig(file);
  return { config: validateProjectConfig(raw, file), file, baseDir: path.dirname(file) };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const line = locateJsonError(text)?.line;
    throw new ReeltapeConfigError(
      `Config file ${file}${line ? ` line ${line}` : ''} is not valid JSON: ${(error as Error).message}.`,
    );
  }
}

async function importConfig(file: string): Promise<unknown> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new ReeltapeConfigError(`Config file ${file} could not be loaded: ${(error as Error).message}`);
  }
  const value = mod.default ?? mod;
  return typeof value === 'function' ? await (value as () => unknown)() : value;
}

/** Checks the documented keys; throws {@link ReeltapeConfigError} naming the file and key. */
export function validateProjectConfig(value: unknown, file: string): ReeltapeProjectConfig {
  const fail = (what: string): never => {
    throw new ReeltapeConfigError(`Config file ${file}: ${what}.`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('must export an object');
  const config = value as ReeltapeProjectConfig;
  if (config.cassetteDir !== undefined && typeof config.cassetteDir !== 'string') fail('"cassetteDir" must be a string');
  if (config.outputs !== undefined) {
    if (!Array.isArray(config.outputs)) fail('"outputs" must be an array of { dir, snapshot, options? }');
    config.outputs.forEach((o: unknown, i) => {
      const e = o as Partial<ProjectOutputConfig> | null;
      if (e === null || typeof e !== 'object' || typeof e.dir !== 'string' || typeof e.snapshot !== 'string') {
        fail(`outputs[${i}] must be { dir: string, snapshot: string, options?: object }`);
      }
      if (e?.options !== undefined && (e.options === null || typeof e.options !== 'object')) fail(`outputs[${i}].options must be an object`);
    });
  }
  return config;
}
