import { processIO, type CliIO, type Command } from './command.js';
import { auditCommand } from './commands/audit.js';
import { compareCommand } from './commands/compare.js';
import { convertCommand } from './commands/convert.js';
import { infoCommand } from './commands/info.js';
import { pruneCommand } from './commands/prune.js';
import { validateSnapshotsCommand } from './commands/validate-snapshots.js';
import { ReeltapeError } from '../errors/index.js';

/** Every `reeltape` subcommand, in help order. */
export const commands: readonly Command[] = [infoCommand, auditCommand, validateSnapshotsCommand, compareCommand, pruneCommand, convertCommand];

/** Runs `reeltape <subcommand> …`; resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(
      'Usage: reeltape <command> [options]\n\nCommands:\n' +
        commands.map((c) => `  ${c.name.padEnd(20)}${c.summary}`).join('\n') +
        '\n\nRun `reeltape <command> --help` for a command\'s options.\n',
    );
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`reeltape: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof ReeltapeError || (error instanceof Error && error.name === 'TypeError' && /parseArgs|option/i.test(error.message))) {
      io.stderr(`reeltape ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
