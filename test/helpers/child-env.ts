/**
 * Environment for child processes spawned by tests: the current env without `CI`,
 * `REELTAPE_MODE` and `REELTAPE_DEBUG` (so a child does not depend on how the suite was run),
 * plus the given overrides.
 *
 * @example
 * spawn(process.execPath, [script], { env: childEnv({ REELTAPE_MODE: 'record' }) });
 */
export function childEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  delete env.REELTAPE_MODE;
  delete env.REELTAPE_DEBUG;
  return { ...env, ...overrides };
}

/**
 * Kills a child process a test started, if it is still running, and waits for it to exit (for `afterEach`).
 *
 * @example
 * afterEach(() => stopChild(child));
 */
export async function stopChild(child: import('node:child_process').ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
