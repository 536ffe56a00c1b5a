import path from 'node:path';
import { parseArgs } from 'node:util';
import { ReeltapeConfigError, ReeltapeError } from '../../errors/index.js';
import { formatDiffTable, isCiEnv, validateOutputs, validationReportHtml, type ValidationReportEntry } from '../../snapshots/index.js';
import type { Command } from '../command.js';
import { writeHtmlReport } from '../html-output.js';
import { loadProjectConfig } from '../project-config.js';

const USAGE = `Usage: reeltape validate-snapshots [--config reeltape.config.json] [--update] [--json] [--html report.html]

Validates every output directory listed under "outputs" in the project config against its snapshot.

Options:
  --config <file>  config file (default: reeltape.config.{json,js,mjs,cjs} in the current directory)
  --update, -u     rewrite snapshots that differ (and create missing ones, also in CI)
  --json           print { ok, results: [...] } as JSON instead of tables
  --html <file>    also write a self-contained HTML report (changed tables with the changed cells marked)

Exit codes: 0 all match, 1 a difference, 2 bad input (config, snapshot or CSV error).
A missing snapshot is created locally and is an error when CI is set.
`;

/** `reeltape validate-snapshots` — validates configured output dirs against their snapshots. */
export const validateSnapshotsCommand: Command = {
  name: 'validate-snapshots',
  summary: 'check CSV outputs against their snapshots (--update rewrites them)',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        update: { type: 'boolean', short: 'u', default: false },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
      },
      allowPositionals: false,
    });
    const { config, file, baseDir } = await loadProjectConfig(io.cwd, values.config);
    const outputs = config.outputs ?? [];
    if (outputs.length === 0) {
      throw new ReeltapeConfigError(
        `${file ? `Config file ${file} lists` : 'No reeltape.config.{json,js,mjs,cjs} found, so there are'} no outputs to validate. Add "outputs": [{ "dir": "out", "snapshot": "test/__snapshots__/out.outputs.json" }].`,
      );
    }
    const ci = isCiEnv(io.env);
    const reports: ValidationReportEntry[] = []; // one per output, for --json and --html
    for (const output of outputs) {
      const dir = path.resolve(baseDir, output.dir);
      const snapshot = path.resolve(baseDir, output.snapshot);
      try {
        const result = await validateOutputs(dir, snapshot, { ...output.options, update: values.update, ci });
        reports.push({
          dir,
          snapshot,
          ok: result.ok,
          diffs: result.diffs,
          ...(result.created ? { created: true } : {}),
          ...(result.updated ? { updated: true } : {}),
        });
      } catch (error) {
        if (!(error instanceof ReeltapeError)) throw error;
        reports.push({ dir, snapshot, ok: false, diffs: [], error: error.message });
      }
    }
    const ok = reports.every((r) => r.ok);
    if (values.html) await writeHtmlReport(path.resolve(io.cwd, values.html), validationReportHtml(reports), io);
    if (values.json) {
      io.stdout(`${JSON.stringify({ ok, results: reports }, null, 2)}\n`);
    } else {
      for (const r of reports) {
        const rel = (p: string): string => path.relative(io.cwd, p) || '.';
        const head = `${rel(r.dir)} ↔ ${rel(r.snapshot)}`;
        if (r.error) io.stderr(`✗ ${head}\n  ${r.error}\n\n`);
        else if (r.created) io.stdout(`+ ${head}: snapshot created\n\n`);
        else if (r.updated) io.stdout(`↻ ${head}: snapshot updated\n${formatDiffTable(r)}\n`);
        else if (r.ok) io.stdout(`✓ ${head}\n\n`);
        else io.stdout(`✗ ${head}\n${formatDiffTable(r)}\n`);
      }
      if (reports.some((r) => !r.ok && !r.error)) io.stderr('Outputs differ from their snapshots. If the change is intended, run `reeltape validate-snapshots --update`.\n');
    }
    if (reports.some((r) => r.error)) return 2;
    return ok ? 0 : 1;
  },
};
