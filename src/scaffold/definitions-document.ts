import type { Document } from 'yaml';
import { lazyRequire } from '../util/lazy-require.js';

const yaml = lazyRequire<typeof import('yaml')>('yaml');
import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { setAtPath } from './placeholders.js';

/** A parsed definitions source file that can be edited in place (secrets → placeholders) and written back. */
export interface DefinitionsDocument {
  /** Absolute path. */
  readonly file: string;
  /** The parsed content. */
  readonly value: JsonValue;
  /** Replaces the value at `path` (keys / array indexes from the root). */
  set(path: ReadonlyArray<string | number>, value: JsonValue): void;
  /** The file's new text, formatted like the original as far as possible (YAML keeps comments). */
  toString(): string;
}

function detectIndent(text: string): number | string {
  const match = /^[{[]\s*\n([ \t]+)\S/.exec(text);
  return match?.[1] ?? 2;
}

/** Parses a JSON source; a syntax error names the file. */
export function parseJsonDocument(file: string, text: string): DefinitionsDocument {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new ReeltapeConfigError(`${file}: not valid JSON (${(error as Error).message}). Fix the syntax and run scaffold-tests again.`);
  }
  const indent = detectIndent(text);
  return {
    file,
    get value() {
      return value;
    },
    set(path, replacement) {
      value = setAtPath(value, path, replacement);
    },
    toString() {
      return `${JSON.stringify(value, null, indent)}\n`;
    },
  };
}

/** Parses a YAML source (keeping comments for the rewrite); a syntax error names the file and line. */
export function parseYamlDocument(file: string, text: string): DefinitionsDocument {
  const { isMap, isSeq, parseDocument } = yaml();
  const doc: Document = parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new ReeltapeConfigError(
      `${file}${line ? `:${line}` : ''}: not valid YAML (${first.message.split('\n')[0]}). Fix the syntax and run scaffold-tests again.`,
    );
  }
  return {
    file,
    get value() {
      return (doc.toJS() ?? null) as JsonValue;
    },
    set(path, replacement) {
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      if (!isMap(parent) && !isSeq(parent)) throw new ReeltapeConfigError(`${file}: cannot set ${path.join('.')}`);
      doc.setIn(path, replacement);
    },
    toString() {
      return doc.toString();
    },
  };
}
