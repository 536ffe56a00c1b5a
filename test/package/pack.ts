/**
 * The package as npm ships it: `npm pack` this checkout and unpack the tarball as a project's
 * `node_modules/reeltape` (nothing fetched); run commands in that project. Needs `dist/` (built by
 * `npm test`'s pretest).
 *
 * @example
 * const files = await unpackInto(work, path.join(project, 'node_modules', 'reeltape'));
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from '../helpers/index.js';

const run = promisify(execFile);

/** The repo root. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Packs the repo into `work`, unpacks the tarball into `target` and returns the packed file paths. */
export async function unpackInto(work: string, target: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT, env: childEnv() });
  const info = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  await mkdir(target, { recursive: true });
  await run('tar', ['xzf', path.join(work, info[0]!.filename), '-C', target, '--strip-components=1']);
  return info[0]!.files.map((f) => f.path);
}

/** Runs `node args…` in `cwd` (env from {@link childEnv} plus `env`); `code` 0 on success, `out` is stdout+stderr. */
export async function runNodeIn(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: childEnv(env) });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
