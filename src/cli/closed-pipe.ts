/**
 * A CLI whose output is piped into a reader that stops early (`reeltape info | head`) gets EPIPE on
 * its next write. That is the reader's choice, not a failure: end quietly, as Unix tools do, instead
 * of crashing with an unhandled 'error' event.
 *
 * @example
 * endQuietlyOnClosedPipe(process.stdout);
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}
