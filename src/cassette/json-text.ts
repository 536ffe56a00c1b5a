import { CassetteFormatError } from '../errors/index.js';
import { locateJsonError } from '../util/json-error.js';

/**
 * Parses the JSON text of a cassette file (a leading BOM is ignored). `what` names the file kind
 * in the message (`Cassette`, `HAR file`).
 *
 * @throws CassetteFormatError naming the file, line and column when the text is not JSON
 * @example
 * const root = parseJsonText(await readFile(file, 'utf8'), file, 'HAR file');
 */
export function parseJsonText(text: string, file: string, what: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(source);
  } catch (error) {
    const where = locateJsonError(source);
    const reason = error instanceof Error ? error.message : String(error);
    throw new CassetteFormatError(
      `${what} ${file} is not valid JSON${where ? ` (line ${where.line}, column ${where.column})` : ''}: ${reason}. ` +
        'Fix the file or delete it and record the cassette again.',
      file,
      where ? `line ${where.line}, column ${where.column}` : undefined,
      { cause: error },
    );
  }
}
