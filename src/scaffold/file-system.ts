import * as nodeFsPromises from 'node:fs/promises';
import path from 'node:path';

/** The few file operations the scaffolder needs; injectable so tests can run it on memfs. */
export interface ScaffoldFs {
  /** Reads a UTF-8 file; `undefined` when it does not exist. */
  readFile(file: string): Promise<string | undefined>;
  /** Writes a UTF-8 file, creating parent directories. */
  writeFile(file: string, data: string): Promise<void>;
  /** Lists a directory's entries (sorted by name). */
  readdir(dir: string): Promise<Array<{ name: string; isDirectory: boolean }>>;
  /** What is at `file`: `file`, `directory`, or `undefined` when nothing is. */
  stat(file: string): Promise<'file' | 'directory' | undefined>;
}

/** The subset of the `node:fs/promises` API that {@link fileSystemFrom} uses (memfs's `vol.promises` has it too). */
export interface FsPromisesLike {
  readFile(file: string, encoding: 'utf8'): Promise<string | Buffer>;
  writeFile(file: string, data: string): Promise<unknown>;
  mkdir(dir: string, options: { recursive: true }): Promise<unknown>;
  readdir(dir: string, options: { withFileTypes: true }): Promise<ReadonlyArray<{ name: unknown; isDirectory(): boolean }>>;
  stat(file: string): Promise<{ isDirectory(): boolean }>;
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * Adapts a `node:fs/promises`-shaped API to {@link ScaffoldFs}.
 * @example
 * import { Volume } from 'memfs';
 * const fs = fileSystemFrom(new Volume().promises as unknown as FsPromisesLike);
 */
export function fileSystemFrom(api: FsPromisesLike): ScaffoldFs {
  return {
    async readFile(file) {
      try {
        return String(await api.readFile(file, 'utf8'));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async writeFile(file, data) {
      await api.mkdir(path.dirname(file), { recursive: true });
      await api.writeFile(file, data);
    },
    async readdir(dir) {
      const entries = await api.readdir(dir, { withFileTypes: true });
      return entries
        .map((e) => ({ name: String(e.name), isDirectory: e.isDirectory() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async stat(file) {
      try {
        return (await api.stat(file)).isDirectory() ? 'directory' : 'file';
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
  };
}

/** The real file system. */
export const nodeFileSystem: ScaffoldFs = fileSystemFrom(nodeFsPromises as unknown as FsPromisesLike);
