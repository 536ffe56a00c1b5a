import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { bodyToBytes, loadCassette, readSideFileSync, saveCassette, SideFileWriter, sideFileReadStream } from '../../src/cassette/index.js';
import { sampleCassette } from './fixtures.js';

// A recording's temp side file holds only ciphertext (a key in this process's memory); readers in
// the process see the plain bytes, and the save puts the plain bytes in place.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reeltape-side-enc-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const plain = Buffer.from('token=opaque-value-of-a-secret-learned-late;'.repeat(50_000));

it('the temp file on disk never holds the plain bytes; this process reads them back; the save stores them plain', async () => {
  const file = join(dir, 'big.json');
  const writer = new SideFileWriter(file);
  for (let i = 0; i < plain.length; i += 65_536) writer.write(plain.subarray(i, i + 65_536));
  const written = writer.finish();
  expect(written.sha256).toBe(createHash('sha256').update(plain).digest('hex'));
  const onDisk = await readFile(written.path!);
  expect(onDisk.length).toBe(plain.length);
  expect(onDisk.includes(Buffer.from('opaque-value'))).toBe(false);
  expect(Buffer.from(readSideFileSync(written.path!)).equals(plain)).toBe(true);
  const chunks: Buffer[] = [];
  for await (const chunk of sideFileReadStream(written.path!)) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).equals(plain)).toBe(true);

  const cassette = sampleCassette();
  cassette.interactions[0]!.response.body = { kind: 'file', sha256: written.sha256, size: written.size, path: written.path! };
  await saveCassette(file, cassette);
  const stored = await readFile(join(dir, 'big.bodies', written.sha256));
  expect(stored.equals(plain)).toBe(true);
  expect((await readdir(join(dir, 'big.bodies'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  const loaded = await loadCassette(file);
  expect(Buffer.from(bodyToBytes(loaded!.interactions[0]!.response.body)).equals(plain)).toBe(true);
});
