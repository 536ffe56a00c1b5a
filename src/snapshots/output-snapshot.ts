/**
 * `OutputSnapshot`: what a directory of CSV outputs looked like (hashes, sizes, rows, columns, dialect), and the
 * snapshot file that stores it (format v1).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OutputSnapshotError, ReeltapeConfigError } from '../errors/index.js';
import { digestCsvFile, SAMPLE_ROWS, type SampledRow } from './csv-digest.js';
import { encodeDigests } from './row-hash.js';
import { digestKeyedRows, isKeyedDigests } from './key-digest.js';
import { locateJsonError } from '../util/json-error.js';
import { lineOf, stableJson } from './stable-json.js';
import type {
  OutputSnapshotOptions,
  ResolvedSnapshotOptions,
  SnapshotDocument,
  SnapshotFileEntry,
} from './types.js';
import { listOutputFiles } from './walk.js';

/** The snapshot format version this reeltape reads and writes. */
export const OUTPUT_SNAPSHOT_VERSION = 1;

/** Defaults of {@link OutputSnapshotOptions}. */
export const DEFAULT_SNAPSHOT_OPTIONS: Readonly<ResolvedSnapshotOptions> = Object.freeze({
  include: ['**/*.csv'],
  exclude: [],
  rowOrder: 'strict',
  ignoreColumns: [],
  compare: 'content',
  delimiter: ',',
  keepRows: 0,
  storeContent: false,
});

/**
 * Fills in defaults and checks values. Throws {@link ReeltapeConfigError} on an invalid option.
 * `ignoreColumns` is sorted (its order does not matter).
 */
export function resolveSnapshotOptions(options: OutputSnapshotOptions = {}): ResolvedSnapshotOptions {
  const o = { ...DEFAULT_SNAPSHOT_OPTIONS, ...definedOnly(options) };
  const strings = (name: string, v: unknown): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new ReeltapeConfigError(`Output snapshot option \`${name}\` must be an array of strings, got ${JSON.stringify(v)}.`);
    }
    return [...(v as string[])];
  };
  if (o.rowOrder !== 'strict' && o.rowOrder !== 'ignore') {
    throw new ReeltapeConfigError(`Output snapshot option \`rowOrder\` must be 'strict' or 'ignore', got ${JSON.stringify(o.rowOrder)}.`);
  }
  if (o.compare !== 'content' && o.compare !== 'bytes') {
    throw new ReeltapeConfigError(`Output snapshot option \`compare\` must be 'content' or 'bytes', got ${JSON.stringify(o.compare)}.`);
  }
  if (typeof o.delimiter !== 'string' || o.delimiter.length !== 1 || /["\r\n]/.test(o.delimiter)) {
    throw new ReeltapeConfigError(
      `Output snapshot option \`delimiter\` must be one character other than a quote or a line break, got ${JSON.stringify(o.delimiter)}.`,
    );
  }
  const keys = o.keys === undefined ? [] : strings('keys', o.keys);
  if (!Number.isInteger(o.keepRows) || o.keepRows < 0) {
    throw new ReeltapeConfigError(`Output snapshot option \`keepRows\` must be a non-negative integer, got ${JSON.stringify(o.keepRows)}.`);
  }
  return {
    include: strings('include', o.include),
    exclude: strings('exclude', o.exclude),
    rowOrder: o.rowOrder,
    ignoreColumns: strings('ignoreColumns', o.ignoreColumns).sort(),
    compare: o.compare,
    delimiter: o.delimiter,
    keepRows: o.keepRows,
    storeContent: o.storeContent === true,
    ...(keys.length > 0 ? { keys } : {}),
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Sample rows (with contents) of a captured snapshot, by file; kept out of the JSON beyond `keepRows`. */
const samples = new WeakMap<OutputSnapshot, Map<string, SampledRow[]>>();

/** @internal the full row sample of `path` in a captured snapshot (used to explain mismatches). */
export function sampleRowsOf(snapshot: OutputSnapshot, file: string): SampledRow[] | undefined {
  return samples.get(snapshot)?.get(file);
}

/** Directory where `storeContent` keeps the expected CSVs of `snapshotFile` (`x.outputs.json` → `x.outputs/`). */
export function contentDirOf(snapshotFile: string): string {
  return snapshotFile.endsWith('.json') ? snapshotFile.slice(0, -'.json'.length) : `${snapshotFile}.content`;
}

/**
 * A snapshot of a directory of CSV outputs.
 *
 * @example
 * ```ts
 * const snapshot = await OutputSnapshot.capture('out', { ignoreColumns: ['extracted_at'] });
 * await snapshot.save('test/__snapshots__/orders.outputs.json');
 * const again = await OutputSnapshot.load('test/__snapshots__/orders.outputs.json');
 * ```
 */
export class OutputSnapshot {
  /** Format version (1). */
  readonly version = OUTPUT_SNAPSHOT_VERSION;
  /** The options the snapshot was captured with. */
  readonly options: Readonly<ResolvedSnapshotOptions>;
  /** One entry per file, sorted by path. */
  readonly files: readonly SnapshotFileEntry[];
  /** The directory it was captured from (`undefined` for a loaded snapshot). */
  readonly outputDir: string | undefined;

  private constructor(options: ResolvedSnapshotOptions, files: SnapshotFileEntry[], outputDir: string | undefined) {
    this.options = Object.freeze(options);
    this.files = Object.freeze(files);
    this.outputDir = outputDir;
  }

  /**
   * Walks `outputDir` (include/exclude globs, default `**\/*.csv`) and streams every matching file once.
   * Throws {@link OutputSnapshotError} if the directory does not exist, a file cannot be read or a CSV is malformed.
   */
  static async capture(outputDir: string, options?: OutputSnapshotOptions): Promise<OutputSnapshot> {
    const snapshot = await OutputSnapshot.captureOrEmpty(outputDir, options, false);
    return snapshot;
  }

  /** @internal capture; with `allowMissingDir`, a missing directory gives an empty snapshot. */
  static async captureOrEmpty(
    outputDir: string,
    options: OutputSnapshotOptions | undefined,
    allowMissingDir: boolean,
  ): Promise<OutputSnapshot> {
    const resolved = resolveSnapshotOptions(options);
    const root = path.resolve(outputDir);
    const list = await listOutputFiles(root, resolved.include, resolved.exclude);
    if (list === undefined && !allowMissingDir) {
      throw new OutputSnapshotError(
        `Output directory ${root} does not exist. Run the code that writes the outputs first, or fix the path.`,
        root,
      );
    }
    const files: SnapshotFileEntry[] = [];
    const sampleMap = new Map<string, SampledRow[]>();
    for (const rel of list ?? []) {
      const digest = await digestCsvFile(path.join(root, rel), {
        delimiter: resolved.delimiter,
        rowOrder: resolved.rowOrder,
        ignoreColumns: resolved.ignoreColumns,
        sampleSize: Math.max(SAMPLE_ROWS, resolved.keepRows),
      });
      sampleMap.set(rel, digest.sample);
      const entry: SnapshotFileEntry = {
        path: rel,
        size: digest.size,
        sha256: digest.sha256,
        contentHash: digest.contentHash,
        rows: digest.rows,
        columns: digest.columns,
        dialect: digest.dialect,
        sample: {
          kind: resolved.rowOrder === 'ignore' ? 'smallest' : 'first-rows',
          digests: encodeDigests(digest.sample.map((s) => s.digest)),
        },
      };
      if (resolved.keepRows > 0) entry.keptRows = digest.sample.slice(0, resolved.keepRows).map((s) => s.fields);
      if (resolved.keys && resolved.keys.every((k) => digest.columns.includes(k))) {
        const keyed = await digestKeyedRows(path.join(root, rel), resolved.keys, resolved);
        if (keyed) entry.keyed = keyed;
      }
      files.push(entry);
    }
    const snapshot = new OutputSnapshot(resolved, files, root);
    samples.set(snapshot, sampleMap);
    return snapshot;
  }

  /** Reads a snapshot file. Throws {@link OutputSnapshotError} naming the file and line if it is not a valid v1 snapshot. */
  static async load(file: string): Promise<OutputSnapshot> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new OutputSnapshotError(
        `Cannot read output snapshot ${file}: ${(error as Error).message}. Create it with \`reeltape validate-snapshots --update\` or \`vitest -u\`.`,
        file,
        undefined,
        { cause: error },
      );
    }
    return OutputSnapshot.parse(text, file);
  }

  /** Parses snapshot JSON text; `file` is used in error messages. */
  static parse(text: string, file: string): OutputSnapshot {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      const line = locateJsonError(text)?.line;
      throw new OutputSnapshotError(
        `Output snapshot ${file} is not valid JSON${line ? ` (line ${line})` : ''}: ${(error as Error).message}. Fix the file (a merge conflict?) or delete it and re-create it with --update.`,
        file,
        line,
        { cause: error },
      );
    }
    const lineOfKey = (key: string): number | undefined => {
      const i = text.indexOf(`"${key}"`);
      return i === -1 ? undefined : lineOf(text, i);
    };
    const bad = (what: string, key: string): never => {
      const line = lineOfKey(key);
      throw new OutputSnapshotError(
        `Output snapshot ${file}${line ? ` line ${line}` : ''}: ${what}. Re-create it with \`reeltape validate-snapshots --update\` or \`vitest -u\`.`,
        file,
        line,
      );
    };
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('expected a JSON object', 'version');
    const d = doc as Record<string, unknown>;
    if (d.version !== OUTPUT_SNAPSHOT_VERSION) {
      return bad(
        `unknown format version ${JSON.stringify(d.version)} (this reeltape reads version ${OUTPUT_SNAPSHOT_VERSION}; upgrade reeltape if the snapshot is newer)`,
        'version',
      );
    }
    if (d.options === null || typeof d.options !== 'object') return bad('"options" must be an object', 'options');
    let options: ResolvedSnapshotOptions;
    try {
      options = resolveSnapshotOptions(d.options as OutputSnapshotOptions);
    } catch (error) {
      return bad((error as Error).message, 'options');
    }
    if (!Array.isArray(d.files)) return bad('"files" must be an array', 'files');
    const files: SnapshotFileEntry[] = [];
    for (const [i, f] of (d.files as unknown[]).entries()) {
      const e = f as Partial<SnapshotFileEntry> | null;
      const ok =
        e !== null &&
        typeof e === 'object' &&
        typeof e.path === 'string' &&
        typeof e.sha256 === 'string' &&
        typeof e.contentHash === 'string' &&
        typeof e.rows === 'number' &&
        typeof e.size === 'number' &&
        Array.isArray(e.columns) &&
        e.sample !== undefined &&
        typeof e.sample.digests === 'string' &&
        (e.keyed === undefined || isKeyedDigests(e.keyed));
      if (!ok) {
        const key = e && typeof e.path === 'string' ? e.path : 'files';
        return bad(`files[${i}] must have path, size, sha256, contentHash, rows, columns and sample (and a valid "keyed", if any)`, key);
      }
      files.push(e as SnapshotFileEntry);
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return new OutputSnapshot(options, files, undefined);
  }

  /** The entry of one file, by relative path. */
  file(relativePath: string): SnapshotFileEntry | undefined {
    return this.files.find((f) => f.path === relativePath);
  }

  /** The JSON document. */
  toJSON(): SnapshotDocument {
    return { version: OUTPUT_SNAPSHOT_VERSION, options: { ...this.options }, files: [...this.files] };
  }

  /** Stable text: sorted keys, 2-space indent, trailing newline. Same outputs and options → same bytes. */
  serialize(): string {
    return stableJson(this.toJSON());
  }

  /**
   * Writes the snapshot atomically (temp file + rename), creating directories. With `storeContent`, first copies
   * every captured CSV into {@link contentDirOf}(file), replacing what was there (a copy left by an earlier
   * `storeContent` snapshot is never deleted otherwise).
   */
  async save(file: string): Promise<void> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const contentDir = contentDirOf(path.resolve(file));
    if (this.options.storeContent && this.outputDir !== undefined) {
      const rel = path.relative(contentDir, this.outputDir);
      if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
        throw new ReeltapeConfigError(
          `storeContent would replace ${contentDir}, which holds the output directory ${this.outputDir}. Save the snapshot somewhere else (e.g. __snapshots__/<name>.outputs.json).`,
        );
      }
      const tmpDir = `${contentDir}${suffix}`;
      for (const f of this.files) {
        const target = path.join(tmpDir, ...f.path.split('/'));
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(path.join(this.outputDir, ...f.path.split('/')), target);
      }
      await mkdir(tmpDir, { recursive: true });
      await rm(contentDir, { recursive: true, force: true });
      await rename(tmpDir, contentDir);
    }
    const tmp = `${file}${suffix}`;
    await writeFile(tmp, this.serialize());
    await rename(tmp, file);
  }
}
