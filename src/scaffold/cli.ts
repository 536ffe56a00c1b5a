import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from '../cli/command.js';
import { ReeltapeError } from '../errors/index.js';
import { nodeFileSystem, type ScaffoldFs } from './file-system.js';
import { SECRETS_FILE_NAME } from './placeholders.js';
import { scaffold, type ScaffoldOptions } from './scaffold.js';
import type { PlannedFile } from './types.js';

/** `scaffold-tests --help` text. */
export const SCAFFOLD_USAGE = `Usage: scaffold-tests [definitions] [options]

Generates one functional test per configuration: <out>/<name>/config.json and <out>/<name>.test.ts.
[definitions] is reeltape.tests.json / .yaml / .yml (default: found in --cwd), or a folder of raw
config files (<name>.json or <name>/config.json, one test each; needs --entry).

Secrets: values under "#" keys are moved to the git-ignored ${SECRETS_FILE_NAME} and replaced by
placeholders "\${REELTAPE_SECRET_<TEST>_<KEY>}", resolved at run time from that environment variable,
then the secrets file, then (in replay) a dummy value "dummy-<key>".

Options:
  --framework <vitest|jest>  test framework (default vitest, or "framework" in the definitions)
  --out <dir>                where tests go (default test/functional next to the definitions)
  --only <name>              generate only this test (repeatable)
  --force                    overwrite generated tests even if edited by hand
  --dry-run                  print the plan, write nothing
  --cwd <dir>                resolve paths from this directory
  --entry <module#export>    entry point, for a folder of raw configs
  --output-dir <dir>         component output directory, for a folder of raw configs (default out)
  -h, --help                 show this help
`;

const LABELS: Record<PlannedFile['action'], string> = {
  create: 'create',
  update: 'update',
  unchanged: 'unchanged',
  'skip-edited': 'skip',
  'overwrite-edited': 'overwrite',
};

/**
 * Runs `scaffold-tests` with `argv` (without the node and script paths); resolves to the exit code:
 * 0 on success, 1 when a hand-edited test was left alone, 2 on bad usage or invalid definitions.
 * @example
 * process.exitCode = await main(process.argv.slice(2), processIO());
 */
export async function main(argv: string[], io: CliIO, fs: ScaffoldFs = nodeFileSystem): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        framework: { type: 'string' },
        out: { type: 'string' },
        only: { type: 'string', multiple: true },
        force: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        cwd: { type: 'string' },
        entry: { type: 'string' },
        'output-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`scaffold-tests: ${(error as Error).message}\n\n${SCAFFOLD_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(SCAFFOLD_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    io.stderr(`scaffold-tests: expected at most one definitions path, got ${positionals.length}.\n`);
    return 2;
  }
  if (values.framework !== undefined && values.framework !== 'vitest' && values.framework !== 'jest') {
    io.stderr(`scaffold-tests: --framework must be "vitest" or "jest", got "${values.framework}".\n`);
    return 2;
  }
  const cwd = path.resolve(io.cwd, values.cwd ?? '.');
  const options: ScaffoldOptions = {
    cwd,
    ...(positionals[0] ? { definitions: positionals[0] } : {}),
    ...(values.out ? { out: values.out } : {}),
    ...(values.framework ? { framework: values.framework } : {}),
    ...(values.only ? { only: values.only } : {}),
    ...(values.entry ? { entry: values.entry } : {}),
    ...(values['output-dir'] ? { outputDir: values['output-dir'] } : {}),
    force: values.force ?? false,
    dryRun: values['dry-run'] ?? false,
  };
  let result;
  try {
    result = await scaffold(options, fs);
  } catch (error) {
    if (error instanceof ReeltapeError) {
      io.stderr(`scaffold-tests: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const rel = (file: string): string => path.relative(cwd, file) || file;
  const head = result.dryRun ? 'scaffold-tests (dry run, nothing written):' : 'scaffold-tests:';
  io.stdout(`${head} ${result.definitions.tests.length} test(s) from ${rel(result.definitions.source.path)}\n`);
  for (const file of result.files) {
    const verb = result.dryRun && file.action !== 'unchanged' && file.action !== 'skip-edited' ? `would ${LABELS[file.action]}` : LABELS[file.action];
    io.stdout(`  ${verb.padEnd(16)}${rel(file.path)}\n`);
  }
  if (result.movedSecrets.length > 0) {
    const secretsFile = result.files.find((f) => f.kind === 'secrets');
    io.stdout(
      `${result.dryRun ? 'Would move' : 'Moved'} ${result.movedSecrets.length} secret(s) out of the definitions into ${secretsFile ? rel(secretsFile.path) : SECRETS_FILE_NAME} (git-ignored) and put placeholders in their place:\n` +
        result.movedSecrets.map((m) => `  ${m.test}: ${m.key} → ${m.placeholder}\n`).join(''),
    );
  }
  const skipped = result.files.filter((f) => f.action === 'skip-edited');
  if (skipped.length > 0) {
    io.stderr(
      `scaffold-tests: left ${skipped.length} test file(s) alone because they were edited by hand (or not written by scaffold-tests): ` +
        `${skipped.map((f) => rel(f.path)).join(', ')}. Re-run with --force to overwrite them.\n`,
    );
    return 1;
  }
  return 0;
}
