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
