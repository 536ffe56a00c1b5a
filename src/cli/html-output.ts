import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ReeltapeConfigError } from '../errors/index.js';
import type { CliIO } from './command.js';

/** Writes an HTML report for `--html <file>` (creating its directory) and says where on stderr. */
export async function writeHtmlReport(file: string, html: string, io: CliIO): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, html);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ReeltapeConfigError(`Cannot write the HTML report ${file}: ${message}. Pass a writable path to --html.`);
  }
  io.stderr(`HTML report: ${file}\n`);
}
