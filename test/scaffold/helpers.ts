import { Volume } from 'memfs';
import { fileSystemFrom, type FsPromisesLike, type ScaffoldFs } from '../../src/scaffold/index.js';

/** A secret value planted in definitions; it must never show up in a generated file. */
export const TOKEN = 'tok-live-91f0c2d7e8a4b3';
export const PASSWORD = 'pw-very-secret-55aa';

/** A memfs-backed scaffolder file system plus direct access to the volume. */
export function memoryFs(files: Record<string, string>): { fs: ScaffoldFs; vol: InstanceType<typeof Volume>; read(file: string): string } {
  const vol = Volume.fromJSON(files);
  return {
    fs: fileSystemFrom(vol.promises as unknown as FsPromisesLike),
    vol,
    read: (file) => String(vol.readFileSync(file, 'utf8')),
  };
}

/** A definitions object with two tests, one with a nested secret. */
export function definitions(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    entry: { module: './src/extractor.ts', export: 'run' },
    outputDir: 'out',
    freezeTime: '2024-06-01T00:00:00Z',
    tests: [
      {
        name: 'full-load',
        description: 'loads everything',
        config: { '#api_token': TOKEN, baseUrl: 'http://127.0.0.1:4010', tables: ['users'] },
      },
      {
        name: 'api-error',
        expectError: 'HTTP 500',
        config: { auth: { user: 'bob', '#password': PASSWORD }, baseUrl: 'http://127.0.0.1:4010' },
      },
    ],
    ...overrides,
  };
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
