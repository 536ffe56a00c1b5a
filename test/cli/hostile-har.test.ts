/**
 * A HAR file gets the checks a JSON cassette gets (one reader): the size limit before reading,
 * the longest string, strict UTF-8. `reeltape convert` and `reeltape info` report such a file as
 * damaged (exit non-zero), never a RangeError crash and never a silently altered conversion.
 */
import { existsSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { serializeHar } from '../../src/store/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';
import { cassetteOf, interaction, req, res, text } from '../sanitizers/fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('hostile-har');
});
afterEach(removeTempDirs);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io: CliIO & { out: string; err: string } = { out: '', err: '', cwd: dir, env: {}, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

it('a 2 GiB (sparse) HAR is refused before it is read', async () => {
  const file = join(dir, 'huge.har');
  const handle = await open(file, 'w');
  await handle.write('{"log": ');
  await handle.truncate(2 * 1024 ** 3);
  await handle.close();
  const started = Date.now();
  const converted = await run('convert', 'huge.har', 'out.json');
  expect(converted.code).toBe(2);
  expect(converted.err).toMatch(/huge\.har is 2147483648 bytes, more than the limit .*it was not read/);
  expect(existsSync(join(dir, 'out.json'))).toBe(false);
  const info = await run('info', 'huge.har');
  expect(info.code).toBe(1);
  expect(info.out).toMatch(/CORRUPT: .*huge\.har is 2147483648 bytes/);
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('a HAR that is not valid UTF-8 is damaged, not converted with its bytes replaced', async () => {
  const har = serializeHar(cassetteOf([interaction(req({ url: 'http://127.0.0.1:1/x' }), res({ body: text('caf\u00e9 PLACE') }))]), 'x.har');
  const [before, after] = har.split('PLACE') as [string, string];
  await writeFile(join(dir, 'latin1.har'), Buffer.concat([Buffer.from(before), Buffer.from([0xe9, 0xff]), Buffer.from(after)]));
  const converted = await run('convert', 'latin1.har', 'out.json');
  expect(converted.code).toBe(2);
  expect(converted.err).toMatch(/latin1\.har is not valid UTF-8/);
  expect(existsSync(join(dir, 'out.json'))).toBe(false);
  const info = await run('info', 'latin1.har');
  expect(info.code).toBe(1);
  expect(info.out).toMatch(/CORRUPT: .*latin1\.har is not valid UTF-8/);
});
