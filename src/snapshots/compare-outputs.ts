/**
 * The Equalizer: compares two output directories (a recording run and its replay, yesterday's and today's)
 * file by file. CSVs get a keyed or multiset table diff, JSON and NDJSON a data diff, other files their bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { OutputCompareError, ReeltapeConfigError } from '../errors/index.js';
import { lazyRequire } from '../util/lazy-require.js';
import { diffJsonFiles, isNdjsonFile, parseJsonPath, type JsonDiff, type JsonDiffOptions } from './json-diff.js';
import { diffCsvFiles, type TableDiff, type TableDiffOptions } from './table-diff.js';
import { listOutputFiles } from './walk.js';

const picomatch = lazyRequire<typeof import('picomatch')>('picomatch');

/**
 * Options for one file: the table options apply to CSVs, the JSON options to JSON and NDJSON files.
 *
 * @example
 * ```ts
 * const orders: FileCompareOptions = { keys: ['id'], ignoreColumns: ['loaded_at'] };
 * ```
 */
export type FileCompareOptions = TableDiffOptions & JsonDiffOptions;

/**
 * Options of {@link compareOutputs}. The top-level file options apply to every file; then every entry of
 * `files` whose glob matches the file's relative path is merged over them, in the order given.
 *
 * @example
 * ```ts
 * const options: CompareOutputsOptions = {
 *   exclude: ['logs/**'],
 *   files: {
 *     'orders.csv': { keys: ['id'], tolerance: { amount: { abs: 0.01 } } },
 *     'events.csv': { keys: ['event_id', 'ts'], ignoreColumns: ['ingested_at'] },
 *     '**\/*.json': { ignorePaths: ['$..runId'] },
 *   },
 * };
 * ```
 */
export interface CompareOutputsOptions extends FileCompareOptions {
  /** Glob patterns (picomatch, relative to each directory) of files to compare. Default `['**\/*']`. */
  include?: string[];
  /** Glob patterns of files to leave out. Default `[]`. */
  exclude?: string[];
  /** Options per file, by glob. */
  files?: Record<string, FileCompareOptions>;
}

/** How a file compared. */
export type FileVerdictKind = 'equal' | 'different' | 'missing' | 'unexpected';

/**
 * One file's outcome in {@link compareOutputs}.
 *
 * @example
 * ```ts
 * const v: FileVerdict = { path: 'orders.csv', verdict: 'missing', format: 'csv', summary: 'only in expected' };
 * ```
 */
export interface FileVerdict {
  /** Path relative to both directories, `/`-separated. */
  path: string;
  /** `missing`: only in the expected directory; `unexpected`: only in the actual one. */
  verdict: FileVerdictKind;
  /** How the file was compared. */
  format: 'csv' | 'json' | 'ndjson' | 'bytes';
  /** One line for a table, e.g. `2 changed, 1 added (key id)`. */
  summary: string;
  /** The table diff (CSV files present on both sides). */
  table?: TableDiff;
  /** The JSON diff (JSON and NDJSON files present on both sides). */
  json?: JsonDiff;
}

/**
 * Result of {@link compareOutputs}.
 *
 * @example
 * ```ts
 * const result = await compareOutputs('expected', 'actual');
 * if (!result.ok) console.log(result.counts); // { equal: 2, different: 1, missing: 0, unexpected: 0 }
 * ```
 */
export interface CompareOutputsResult {
  /** True when every file is equal. */
  ok: boolean;
  /** Absolute expected and actual directories. */
  expectedDir: string;
  actualDir: string;
  /** One verdict per file, sorted by path. */
  files: FileVerdict[];
  /** Number of files per verdict. */
  counts: Record<FileVerdictKind, number>;
  /** Things worth a look that are not differences, e.g. a `files` glob that matched no file (a typo?). */
  warnings: string[];
}

/**
 * Compares every file of `expectedDir` with the same path in `actualDir`.
 * Throws {@link OutputCompareError} when a directory does not exist or a file cannot be read or parsed, and
 * {@link DuplicateKeyError} when a keyed CSV repeats a key.
 *
 * @example
 * ```ts
 * const result = await compareOutputs('out-recorded', 'out-replayed', {
 *   files: { 'orders.csv': { keys: ['id'] }, '**\/*.json': { ignorePaths: ['$..lastObserved'] } },
 * });
 * for (const f of result.files) console.log(f.path, f.verdict, f.summary);
 * ```
 */
export async function compareOutputs(expectedDir: string, actualDir: string, options: CompareOutputsOptions = {}): Promise<CompareOutputsResult> {
  checkOptions(options);
  const { include = ['**/*'], exclude = [], files: perFile = {}, ...defaults } = options;
  const list = async (dir: string): Promise<string[]> => {
    const found = await listOutputFiles(dir, include, exclude);
    if (found === undefined) {
      throw new OutputCompareError(`Output directory ${dir} does not exist. Pass two existing directories: compareOutputs(expectedDir, actualDir).`, dir);
    }
    return found;
  };
  const root = { expected: path.resolve(expectedDir), actual: path.resolve(actualDir) };
  for (const dir of [root.expected, root.actual]) {
    const s = await stat(dir).catch(() => undefined);
    if (s !== undefined && !s.isDirectory()) throw new OutputCompareError(`${dir} is not a directory. compareOutputs compares two output directories.`, dir);
  }
  const [left, right] = await Promise.all([list(root.expected), list(root.actual)]);
  const inRight = new Set(right);
  const inLeft = new Set(left);
  const globs = Object.entries(perFile).map(([glob, opts]) => ({ test: picomatch()(glob, { dot: true }), opts }));
  const optionsFor = (rel: string): FileCompareOptions =>
    globs.reduce<FileCompareOptions>((acc, g) => (g.test(rel) ? { ...acc, ...g.opts } : acc), { ...defaults });

  const files: FileVerdict[] = [];
  for (const rel of [...new Set([...left, ...right])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const format = formatOf(rel);
    if (!inRight.has(rel)) files.push({ path: rel, verdict: 'missing', format, summary: 'only in expected' });
    else if (!inLeft.has(rel)) files.push({ path: rel, verdict: 'unexpected', format, summary: 'only in actual' });
    else files.push(await compareFile(rel, format, path.join(root.expected, rel), path.join(root.actual, rel), optionsFor(rel)));
  }
  const counts: Record<FileVerdictKind, number> = { equal: 0, different: 0, missing: 0, unexpected: 0 };
  for (const f of files) counts[f.verdict]++;
  const warnings = Object.keys(perFile)
    .filter((_, i) => !files.some((f) => globs[i]!.test(f.path)))
    .map((glob) => `files[${JSON.stringify(glob)}] matched no file; check the pattern (picomatch, relative to the directories).`);
  return { ok: files.every((f) => f.verdict === 'equal'), expectedDir: root.expected, actualDir: root.actual, files, counts, warnings };
}

function formatOf(rel: string): FileVerdict['format'] {
  if (/\.csv$/i.test(rel)) return 'csv';
  if (isNdjsonFile(rel)) return 'ndjson';
  if (/\.json$/i.test(rel)) return 'json';
  return 'bytes';
}

async function compareFile(rel: string, format: FileVerdict['format'], a: string, b: string, opts: FileCompareOptions): Promise<FileVerdict> {
  if (format === 'csv') {
    const table = await diffCsvFiles(a, b, opts);
    return { path: rel, verdict: table.equal ? 'equal' : 'different', format, summary: tableSummary(table), table };
  }
  if (format === 'json' || format === 'ndjson') {
    const json = await diffJsonFiles(a, b, opts);
    const summary = json.equal ? 'equal as data' : `${json.count} ${json.count === 1 ? 'difference' : 'differences'}, first at ${json.changes[0]?.path ?? '$'}`;
    return { path: rel, verdict: json.equal ? 'equal' : 'different', format, summary, json };
  }
  const [ha, hb] = await Promise.all([sha256(a), sha256(b)]);
  return { path: rel, verdict: ha === hb ? 'equal' : 'different', format, summary: ha === hb ? 'same bytes' : 'bytes differ' };
}

function tableSummary(t: TableDiff): string {
  const by = t.keys.length > 0 ? `key ${t.keys.join(', ')}` : 'rows as a multiset';
  const parts: string[] = [];
  if (t.counts.changed > 0) parts.push(`${t.counts.changed} changed`);
  if (t.counts.added > 0) parts.push(`${t.counts.added} added`);
  if (t.counts.removed > 0) parts.push(`${t.counts.removed} removed`);
  if (t.columns) {
    if (t.columns.added.length > 0) parts.push(`columns added: ${t.columns.added.join(', ')}`);
    if (t.columns.removed.length > 0) parts.push(`columns removed: ${t.columns.removed.join(', ')}`);
  }
  return `${parts.length > 0 ? parts.join(', ') : 'equal'} (${by})`;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new OutputCompareError(`Cannot read output file ${file}: ${message}.`, file, { cause: error });
  }
  return hash.digest('hex');
}

const FILE_OPTION_KEYS = ['keys', 'tolerance', 'ignoreColumns', 'ignoreCase', 'trim', 'delimiter', 'maxRows', 'partitionBytes', 'ignorePaths', 'arrayOrder', 'maxDiffs'];

/** Checks the shape of the options (they often come from a JSON file); throws naming the field. */
function checkOptions(options: CompareOutputsOptions): void {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ReeltapeConfigError(`compareOutputs option ${field}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}.`);
  };
  const strings = (field: string, v: unknown): void => {
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) fail(field, 'an array of strings', v);
  };
  const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const checkFile = (o: unknown, where: string, extra: readonly string[]): void => {
    if (!isRecord(o)) return void fail(where || 'options', 'an object', o);
    for (const key of Object.keys(o)) {
      if (!FILE_OPTION_KEYS.includes(key) && !extra.includes(key)) {
        fail(`${where}${where ? '.' : ''}${key}`, `one of ${[...FILE_OPTION_KEYS, ...extra].join(', ')} (unknown option)`, o[key]);
      }
    }
    const f = (name: string): string => `${where}${where ? '.' : ''}${name}`;
    for (const name of ['keys', 'ignoreColumns', 'ignorePaths']) strings(f(name), o[name]);
    for (const p of (o.ignorePaths as string[] | undefined) ?? []) parseJsonPath(p);
    for (const name of ['ignoreCase', 'trim']) if (o[name] !== undefined && typeof o[name] !== 'boolean') strings(f(name), o[name]);
    if (o.delimiter !== undefined && !(typeof o.delimiter === 'string' && o.delimiter.length === 1)) fail(f('delimiter'), 'one character', o.delimiter);
    if (o.arrayOrder !== undefined && o.arrayOrder !== 'strict' && o.arrayOrder !== 'ignore') fail(f('arrayOrder'), '"strict" or "ignore"', o.arrayOrder);
    for (const name of ['maxRows', 'maxDiffs', 'partitionBytes']) {
      const v = o[name];
      if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) fail(f(name), 'a whole number', v);
    }
    if (o.tolerance === undefined) return;
    if (!isRecord(o.tolerance)) return void fail(f('tolerance'), 'an object of column → { abs?, rel? }', o.tolerance);
    for (const [column, t] of Object.entries(o.tolerance)) {
      const at = `${f('tolerance')}.${column}`;
      if (!isRecord(t) || Object.keys(t).some((k) => k !== 'abs' && k !== 'rel')) fail(at, '{ abs?: number, rel?: number }', t);
      for (const k of ['abs', 'rel'] as const) {
        const v = (t as Record<string, unknown>)[k];
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) fail(`${at}.${k}`, 'a number >= 0', v);
      }
    }
  };
  checkFile(options, '', ['include', 'exclude', 'files']);
  strings('include', options.include);
  strings('exclude', options.exclude);
  if (options.files === undefined) return;
  if (!isRecord(options.files)) return void fail('files', 'an object of glob → options', options.files);
  for (const [glob, o] of Object.entries(options.files)) checkFile(o, `files[${JSON.stringify(glob)}]`, []);
}
