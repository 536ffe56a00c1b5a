/** `scaffold-tests` bin entry: runs the scaffolder CLI on the real process. */
import { main } from '../scaffold/cli.js';
import { processIO } from './command.js';
import { endQuietlyOnClosedPipe } from './closed-pipe.js';

endQuietlyOnClosedPipe(process.stdout);

main(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`scaffold-tests: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
