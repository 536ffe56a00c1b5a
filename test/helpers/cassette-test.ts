import { afterEach, beforeEach, vi } from 'vitest';
import { makeTempDir, removeTempDirs } from './temp-dir.js';

/**
 * The setup most cassette tests share: before each test, `REELTAPE_MODE` is cleared (tests choose
 * their mode), a loopback server is started and a fresh temp dir is made, and both are handed to
 * `use`; after each test, the server is closed, the dirs are removed and the env is restored.
 *
 * @example
 * let server: TestServer;
 * let dir: string;
 * useServerAndDir('writing', startTestServer, (s, d) => ((server = s), (dir = d)));
 */
export function useServerAndDir<S extends { close(): Promise<void> }>(
  label: string,
  start: () => Promise<S>,
  use: (server: S, dir: string) => void,
): void {
  let server: S | undefined;
  beforeEach(async () => {
    vi.stubEnv('REELTAPE_MODE', '');
    server = await start();
    use(server, await makeTempDir(label));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    server = undefined;
    await removeTempDirs();
  });
}
