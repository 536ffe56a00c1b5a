/**
 * Hash partitions for big table diffs: both files' rows are spilled to temp files by a hash of their key (or of
 * the whole compared row), so rows that must meet land in the same partition and each partition pair is diffed
 * in memory on its own. Memory then follows the partition size, not the file size.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { NumberedRow } from './csv-rows.js';

/** Pending bytes per partition before they are written out. */
const FLUSH_CHARS = 64 * 1024;

const SPECIAL = /[\\\n\0]/;
const SPECIALS = /[\\\n\0]/g;
const escapeChar = (c: string): string => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\0');
const unescape = (f: string): string => f.replace(/\\([\\n0])/g, (_, c: string) => (c === 'n' ? '\n' : c === '0' ? '\0' : '\\'));

function decodeLine(line: string): NumberedRow {
  const parts = line.split('\0');
  const row = Number(parts[0]);
  parts.shift();
  return [row, line.includes('\\') ? parts.map(unescape) : parts];
}

/** FNV-1a over the UTF-16 code units of `text`: a cheap, stable spread of keys over partitions. */
export function partitionOf(text: string, parts: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % parts;
}

/**
 * Writes every row of `rows` to `<dir>/<side>-<p>.rows`, `p` given by `partOf`; returns the partition files.
 * A line is the row number and the fields joined by NUL, with `\\`, LF and NUL escaped inside fields (split
 * by the native `String.split` when read back, several times faster than JSON). Rows keep their file order.
 */
export async function spillRows(
  rows: AsyncIterable<NumberedRow[]>,
  partOf: (fields: string[]) => number,
  parts: number,
  dir: string,
  side: string,
): Promise<string[]> {
  const files = Array.from({ length: parts }, (_, i) => path.join(dir, `${side}-${i}.rows`));
  const handles: FileHandle[] = [];
  const pending: string[][] = files.map(() => []);
  const sizes = new Array<number>(parts).fill(0);
  try {
    for (const f of files) handles.push(await open(f, 'w', 0o600));
    for await (const batch of rows) {
      for (const r of batch) {
        const p = partOf(r[1]);
        const line = `${r[0]}\0${r[1].map((f) => (SPECIAL.test(f) ? f.replace(SPECIALS, escapeChar) : f)).join('\0')}\n`;
        pending[p]!.push(line);
        sizes[p]! += line.length;
        if (sizes[p]! >= FLUSH_CHARS) {
          await handles[p]!.write(pending[p]!.join(''));
          pending[p] = [];
          sizes[p] = 0;
        }
      }
    }
    for (let p = 0; p < parts; p++) if (pending[p]!.length > 0) await handles[p]!.write(pending[p]!.join(''));
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
  return files;
}

/** The rows of one partition file written by {@link spillRows}, in order, in batches of about 1 MiB. */
export async function* readSpilled(file: string): AsyncGenerator<NumberedRow[]> {
  let carry = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const text = carry + chunk;
    const end = text.lastIndexOf('\n');
    carry = text.slice(end + 1);
    if (end > 0) yield text.slice(0, end).split('\n').map(decodeLine);
  }
}
