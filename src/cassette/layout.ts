/**
 * The byte layout of a cassette file, defined once: `serializeCassette` writes with
 * {@link CASSETTE_INDENT}, and the replay scanner (`replay-scan.ts`) finds interactions by the
 * separators below, derived from the same indent and the writer's key order (`version, meta,
 * interactions`; `request` before `response`; a `file` body ends with `size`). A change here
 * changes both; `test/cassette/replay-loader.test.ts` checks that every serialized cassette scans.
 */

/** Spaces per nesting level in a cassette file. */
export const CASSETTE_INDENT = 2;

const pad = (level: number): string => ' '.repeat(level * CASSETTE_INDENT);

/** Byte sequences the writer puts around and inside interactions (JSON strings hold no raw line break, so they are structural). */
export const LAYOUT = {
  /** The first byte of the file. */
  open: Buffer.from('{'),
  /** After `meta`, before the first interaction. */
  head: Buffer.from(`,\n${pad(1)}"interactions": [\n`),
  /** How each interaction starts. */
  elementStart: Buffer.from(`${pad(2)}{\n${pad(3)}"request": {\n`),
  /** Between two interactions: the end of one and the start of the next. */
  between: Buffer.from(`\n${pad(2)}},\n${pad(2)}{\n${pad(3)}"request": {\n`),
  /** The end of the last interaction, of the array and of the file. */
  lastEnd: Buffer.from(`\n${pad(2)}}\n${pad(1)}]\n}`),
  /** How long the end of one interaction (`\n    }`) is. */
  elementEndLength: `\n${pad(2)}}`.length,
  /** The `,\n` between array elements. */
  separatorLength: ',\n'.length,
  /** Before a response's value. */
  responseKey: Buffer.from(`,\n${pad(3)}"response": `),
  /** How a response whose body is a `file` reference ends (after `"size": <digits>`). */
  fileBodyEnd: Buffer.from(`\n${pad(4)}}\n${pad(3)}}`),
  /** The key before a `file` body's size. */
  sizeKey: Buffer.from('"size": '),
} as const;
