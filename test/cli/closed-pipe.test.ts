/** `reeltape … | head`: a reader that closes the pipe early ends the CLI quietly (exit 0), not with an unhandled EPIPE. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/index.js';

const bins = {
  reeltape: fileURLToPath(new URL('../../src/cli/reeltape.ts', import.meta.url)),
  'scaffold-tests': fileURLToPath(new URL('../../src/cli/scaffold-tests.ts', import.meta.url)),
};

describe('a closed stdout pipe', () => {
  it.each(Object.entries(bins))('%s --help into a reader that is already gone exits 0 without an error', async (_name, bin) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, '--help'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader went away before the first write
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  }, 30_000);
});
