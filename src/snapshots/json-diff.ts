/**
 * JSON and NDJSON outputs compared as data: key order never counts, `ignorePaths` (a small JSONPath subset)
 * drops volatile fields, `arrayOrder: 'ignore'` compares arrays as multisets; differences are JSON paths with
 * before/after values. An NDJSON file (`.ndjson`, `.jsonl`) is read as the array of its lines.
 */
import { readFile } from 'node:fs/promises';
import { OutputCompareError, ReeltapeConfigError } from '../errors/index.js';
import { stableJson } from './stable-json.js';

/**
 * Options of {@link diffJsonFiles} and {@link diffJsonValues}.
 *
 * @example
 * ```ts
 * const options: JsonDiffOptions = { ignorePaths: ['$..runId', '$[*].systemMetadata.lastObserved'], arrayOrder: 'ignore' };
 * ```
 */
export interface JsonDiffOptions {
  /**
   * Paths left out of the comparison. Supported: `$` (the root), `.name` or `['name']` (a member), `[*]` or `.*`
   * (every element or member), `[3]` (an index), `..name` (a member at any depth).
   */
  ignorePaths?: string[];
  /** `'strict'` (default): arrays are compared index by index. `'ignore'`: as multisets, order ignored. */
  arrayOrder?: 'strict' | 'ignore';
  /** At most this many differences are listed. Default 100. */
  maxDiffs?: number;
}

/** One difference between two JSON values. */
export interface JsonChange {
  /** JSON path, e.g. `$[2].user.name` (for NDJSON, `$[i]` is line i+1 of the file). */
  path: string;
  /** `changed`: both sides have a different value; `added`/`removed`: only the actual/expected side has one. */
  change: 'changed' | 'added' | 'removed';
  /** Expected value (absent for `added`). */
  before?: unknown;
  /** Actual value (absent for `removed`). */
  after?: unknown;
}

/**
 * Result of {@link diffJsonValues} and {@link diffJsonFiles}.
 *
 * @example
 * ```ts
 * const diff: JsonDiff = { equal: false, count: 1, changes: [{ path: '$.total', change: 'changed', before: 10, after: 11 }] };
 * ```
 */
export interface JsonDiff {
  /** True when nothing differs outside the ignored paths. */
  equal: boolean;
  /** Exact number of differences. */
  count: number;
  /** The first `maxDiffs` differences. */
  changes: JsonChange[];
}

type Segment = { kind: 'member'; name: string } | { kind: 'index'; index: number } | { kind: 'any' } | { kind: 'deep'; name: string };
type Step = string | number;

const DEFAULT_MAX_DIFFS = 100;

/**
 * Diffs two parsed JSON values (expected, actual) as data.
 *
 * @example
 * ```ts
 * diffJsonValues({ a: 1, runId: 'x' }, { runId: 'y', a: 1 }, { ignorePaths: ['$..runId'] }).equal; // true
 * diffJsonValues({ a: [1, 2] }, { a: [1, 3] }).changes; // [{ path: '$.a[1]', change: 'changed', before: 2, after: 3 }]
 * ```
 */
export function diffJsonValues(expected: unknown, actual: unknown, options: JsonDiffOptions = {}): JsonDiff {
  const patterns = (options.ignorePaths ?? []).map(parseJsonPath);
  const max = options.maxDiffs ?? DEFAULT_MAX_DIFFS;
  const ignoreOrder = options.arrayOrder === 'ignore';
  const out: JsonDiff = { equal: true, count: 0, changes: [] };
  const report = (change: JsonChange): void => {
    if (out.count++ < max) out.changes.push(change);
  };
  const a = prune(expected, [], patterns);
  const b = prune(actual, [], patterns);
  walk(a, b, []);
  out.equal = out.count === 0;
  return out;

  function walk(x: unknown, y: unknown, at: Step[]): void {
    if (Array.isArray(x) && Array.isArray(y)) {
      if (ignoreOrder) multiset(x, y, at);
      else {
        for (let i = 0; i < Math.max(x.length, y.length); i++) {
          if (i >= y.length) report({ path: formatPath([...at, i]), change: 'removed', before: x[i] });
          else if (i >= x.length) report({ path: formatPath([...at, i]), change: 'added', after: y[i] });
          else walk(x[i], y[i], [...at, i]);
        }
      }
      return;
    }
    if (isObject(x) && isObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const k of keys) {
        if (!(k in y)) report({ path: formatPath([...at, k]), change: 'removed', before: x[k] });
        else if (!(k in x)) report({ path: formatPath([...at, k]), change: 'added', after: y[k] });
        else walk(x[k], y[k], [...at, k]);
      }
      return;
    }
    if (!Object.is(x, y) && !(x === 0 && y === 0)) report({ path: formatPath(at), change: 'changed', before: x, after: y });
  }

  // Elements matched by canonical form; the unmatched ones are reported at their own index.
  function multiset(x: unknown[], y: unknown[], at: Step[]): void {
    const canon = (v: unknown): string => stableJson(canonical(v));
    const pool = new Map<string, number[]>();
    y.forEach((v, j) => {
      const k = canon(v);
      const list = pool.get(k);
      if (list) list.push(j);
      else pool.set(k, [j]);
    });
    const matched = new Set<number>();
    x.forEach((v, i) => {
      const list = pool.get(canon(v));
      const j = list?.shift();
      if (j !== undefined) matched.add(j);
      else report({ path: formatPath([...at, i]), change: 'removed', before: v });
    });
    y.forEach((v, j) => {
      if (!matched.has(j)) report({ path: formatPath([...at, j]), change: 'added', after: v });
    });
  }

  // With arrayOrder 'ignore', nested arrays are sorted by canonical form so equal multisets print the same.
  function canonical(v: unknown): unknown {
    if (Array.isArray(v)) {
      const items = v.map(canonical);
      return ignoreOrder ? items.map((c) => [stableJson(c), c] as const).sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0)).map((p) => p[1]) : items;
    }
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, canonical(c)]));
    return v;
  }
}

/**
 * Reads two JSON (`.json`) or NDJSON (`.ndjson`, `.jsonl`: one value per line, blank lines skipped) files and
 * diffs them with {@link diffJsonValues}. Throws {@link OutputCompareError} naming the file (and line) when one
 * cannot be read or parsed.
 *
 * @example
 * ```ts
 * const diff = await diffJsonFiles('expected/mces.json', 'actual/mces.json', { ignorePaths: ['$[*].systemMetadata.lastObserved'] });
 * if (!diff.equal) console.log(diff.changes[0]); // { path: '$[0].aspect.name', change: 'changed', before: 'a', after: 'b' }
 * ```
 */
export async function diffJsonFiles(expectedFile: string, actualFile: string, options: JsonDiffOptions = {}): Promise<JsonDiff> {
  const [a, b] = await Promise.all([readJsonData(expectedFile), readJsonData(actualFile)]);
  return diffJsonValues(a, b, options);
}

/**
 * True for the file names read as NDJSON (one JSON value per line).
 *
 * @example
 * ```ts
 * isNdjsonFile('out/events.jsonl'); // true
 * isNdjsonFile('out/meta.json'); // false
 * ```
 */
export function isNdjsonFile(file: string): boolean {
  return /\.(ndjson|jsonl)$/i.test(file);
}

async function readJsonData(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new OutputCompareError(`Cannot read JSON output ${file}: ${message}.`, file, { cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!isNdjsonFile(file)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new OutputCompareError(`${file} is not valid JSON: ${message}.`, file, { cause: error });
    }
  }
  const values: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      values.push(JSON.parse(line) as unknown);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new OutputCompareError(`${file}:${i + 1} is not a JSON value: ${message}. NDJSON needs one JSON value per line.`, file, { cause: error });
    }
  }
  return values;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy of `value` without the members and elements whose path matches one of `patterns`. */
function prune(value: unknown, at: Step[], patterns: Segment[][]): unknown {
  if (patterns.length === 0) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const p = [...at, i];
      if (!patterns.some((s) => matches(s, 0, p, 0))) out.push(prune(v, p, patterns));
    });
    return out;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = [...at, k];
      if (!patterns.some((s) => matches(s, 0, p, 0))) out[k] = prune(v, p, patterns);
    }
    return out;
  }
  return value;
}

function matches(pattern: Segment[], i: number, path: Step[], j: number): boolean {
  if (i === pattern.length) return j === path.length;
  const seg = pattern[i]!;
  if (seg.kind === 'deep') {
    for (let k = j; k < path.length; k++) if (path[k] === seg.name && matches(pattern, i + 1, path, k + 1)) return true;
    return false;
  }
  if (j >= path.length) return false;
  const step = path[j];
  const ok = seg.kind === 'any' || (seg.kind === 'member' ? step === seg.name : step === seg.index);
  return ok && matches(pattern, i + 1, path, j + 1);
}

/**
 * Parses the supported JSONPath subset; throws {@link ReeltapeConfigError} naming the path otherwise.
 *
 * @example
 * ```ts
 * parseJsonPath('$[*].meta..runId'); // [{ kind: 'any' }, { kind: 'member', name: 'meta' }, { kind: 'deep', name: 'runId' }]
 * ```
 */
export function parseJsonPath(path: string): Segment[] {
  const bad = (why: string): ReeltapeConfigError =>
    new ReeltapeConfigError(
      `Invalid ignore path "${path}": ${why}. Supported: $ then .name, ['name'], [*], .*, [3] and ..name, e.g. "$..runId" or "$[*].systemMetadata.lastObserved".`,
    );
  if (!path.startsWith('$')) throw bad('it must start with $');
  const out: Segment[] = [];
  const re = /\.\.([A-Za-z_$][\w$-]*)|\.\*|\.([A-Za-z_$][\w$-]*)|\[\*\]|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let pos = 1;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) throw bad(`unexpected "${path.slice(pos)}"`);
    if (m[1] !== undefined) out.push({ kind: 'deep', name: m[1] });
    else if (m[2] !== undefined) out.push({ kind: 'member', name: m[2] });
    else if (m[3] !== undefined) out.push({ kind: 'index', index: Number(m[3]) });
    else if (m[4] !== undefined || m[5] !== undefined) out.push({ kind: 'member', name: (m[4] ?? m[5])!.replace(/\\(.)/g, '$1') });
    else out.push({ kind: 'any' });
    pos = re.lastIndex;
  }
  if (out.length === 0) throw bad('ignoring the root would ignore everything');
  return out;
}

/** `$.a.b[3]`, with `['…']` for names that are not identifiers. */
function formatPath(at: Step[]): string {
  return (
    '$' +
    at
      .map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `['${s.replace(/[\\']/g, '\\$&')}']`))
      .join('')
  );
}
