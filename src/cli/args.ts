import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ReeltapeConfigError } from '../errors/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a subcommand's arguments (strict: an unknown option is an error) and checks how many
 * positional arguments it got. A problem is a `ReeltapeConfigError` carrying the usage text, which
 * `main` prints with exit code 2.
 *
 * @example
 * const { values, positionals } = parseCommandArgs('prune', argv, { yes: { type: 'boolean', short: 'y' } }, { max: 1, what: 'directory' }, USAGE);
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  count: { min?: number; max: number; what: string },
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const n = parsed.positionals.length;
  const min = count.min ?? 0;
  if (n < min || n > count.max) {
    const wanted = min === count.max ? `${min}` : min === 0 ? `at most ${count.max}` : `${min} to ${count.max}`;
    throw new ReeltapeConfigError(`${command} expects ${wanted} ${count.what}${count.max === 1 ? '' : 's'}, got ${n}.\n\n${usage}`);
  }
  return parsed;
}
