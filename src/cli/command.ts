/** Streams a CLI command writes to; injectable so tests can capture output. */
export interface CliIO {
  /** Standard output. */
  stdout: (text: string) => void;
  /** Standard error. */
  stderr: (text: string) => void;
  /** Working directory the command resolves relative paths against. */
  cwd: string;
  /** Environment variables. */
  env: NodeJS.ProcessEnv;
  /** Ask a yes/no question (for confirmations); resolves false when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
}

/** One `reeltape` subcommand. */
export interface Command {
  /** Subcommand name, e.g. `audit`. */
  readonly name: string;
  /** One-line summary for `reeltape --help`. */
  readonly summary: string;
  /** Usage text for `reeltape <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** The default IO: the real process streams. */
export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    confirm: async (question) => {
      if (!process.stdin.isTTY) return false;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
