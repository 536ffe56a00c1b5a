import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ReeltapeConfigError } from '../../errors/index.js';
import { compareOutputs, compareReportHtml, compareVerdictLine, formatCompareReport, type CompareOutputsOptions } from '../../snapshots/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { writeHtmlReport } from '../html-output.js';

const USAGE = `Usage: reeltape compare <expected-dir> <actual-dir> [options]

Compares two output directories file by file: CSVs as tables (by key with --keys, else as a multiset of rows),
.json/.ndjson/.jsonl as data (key order ignored), other files by bytes.

Options:
  --options <file>      JSON file of compareOutputs options, e.g.
                        {"files": {"orders.csv": {"keys": ["id"]}, "**/*.json": {"ignorePaths": ["$..runId"]}}}
  --keys <a,b>          key columns for every CSV
  --ignore-column <c>   leave a CSV column out (repeatable)
  --ignore-path <p>     leave a JSON path out, e.g. '$..runId' (repeatable)
  --array-order <o>     strict (default) or ignore: JSON arrays and NDJSON lines as multisets
  --exclude <glob>      leave files out (repeatable)
  --limit <n>           differences shown per file (default 5)
  --json                print the full result as JSON
  --html <file>         also write a self-contained HTML report (summary per file, changed cells marked)

Exit codes: 0 all files equal, 1 a difference, 2 bad usage or input (missing directory, duplicate key, bad file).
`;

/** `reeltape compare` — compares two output directories and ends with a one-line verdict. */
export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare two output directories (keyed CSV diffs, JSON as data)',
  usage: USAGE,
  async run(argv, io) {
    const flags = {
      options: { type: 'string' },
      keys: { type: 'string' },
      'ignore-column': { type: 'string', multiple: true },
      'ignore-path': { type: 'string', multiple: true },
      'array-order': { type: 'string' },
      exclude: { type: 'string', multiple: true },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
    } as const;
    const { values, positionals } = parseCommandArgs('compare', argv, flags, { min: 2, max: 2, what: 'directory' }, USAGE);
    const options: CompareOutputsOptions = values.options ? await readOptionsFile(path.resolve(io.cwd, values.options)) : {};
    if (values.keys) options.keys = values.keys.split(',').map((k) => k.trim()).filter((k) => k !== '');
    if (values['ignore-column']) options.ignoreColumns = [...(options.ignoreColumns ?? []), ...values['ignore-column']];
    if (values['ignore-path']) options.ignorePaths = [...(options.ignorePaths ?? []), ...values['ignore-path']];
    if (values.exclude) options.exclude = [...(options.exclude ?? []), ...values.exclude];
    const order = values['array-order'];
    if (order !== undefined) {
      if (order !== 'strict' && order !== 'ignore') throw new ReeltapeConfigError(`--array-order must be strict or ignore, got "${order}".`);
      options.arrayOrder = order;
    }
    const limit = values.limit === undefined ? 5 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new ReeltapeConfigError(`--limit must be a whole number, got "${values.limit}".`);

    const [expected, actual] = positionals.map((p) => path.resolve(io.cwd, p)) as [string, string];
    const result = await compareOutputs(expected, actual, options);
    if (values.html) await writeHtmlReport(path.resolve(io.cwd, values.html), compareReportHtml(result), io);
    if (values.json) io.stdout(`${JSON.stringify({ ...result, verdict: compareVerdictLine(result) }, null, 2)}\n`);
    else {
      for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
      io.stdout(formatCompareReport(result, limit));
    }
    return result.ok ? 0 : 1;
  },
};

async function readOptionsFile(file: string): Promise<CompareOutputsOptions> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ReeltapeConfigError(`Cannot read compare options ${file}: ${message}. Pass a JSON object of compareOutputs options.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ReeltapeConfigError(`Compare options ${file} must be a JSON object, e.g. {"files": {"orders.csv": {"keys": ["id"]}}}.`);
  }
  return parsed as CompareOutputsOptions;
}
