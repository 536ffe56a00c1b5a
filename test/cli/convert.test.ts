import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { loadCassette, saveCassette, type Body, type Cassette, type HeaderMap } from '../../src/cassette/index.js';
import { withCassette } from '../../src/session/index.js';
import { harStore, type Har } from '../../src/store/index.js';
import { childEnv, listFiles, startTestServer, useServerAndDir, type TestServer } from '../helpers/index.js';
import { comparable } from '../store/contract.js';
import { asReplayed, traffic, type Observed } from '../store/traffic.js';

let server: TestServer;
let dir: string;
useServerAndDir('convert', startTestServer, (s, d) => ((server = s), (dir = d)));

async function convert(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io: CliIO & { out: string; err: string } = { out: '', err: '', cwd: dir, env: {}, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
  const code = await main(['convert', ...args], io);
  return { code, out: io.out, err: io.err };
}

describe('reeltape convert', () => {
  it('a recorded cassette → HAR replays with the server stopped; converted back, it replays again', async () => {
    const recorded = await withCassette('flows', () => traffic(server.url), { dir, mode: 'record', sideFileThreshold: 1024 });
    expect((await convert('flows.json', 'flows.har')).code).toBe(0);
    await server.close();
    const fromHar = await withCassette('flows', () => traffic(server.url), { dir, mode: 'replay', store: harStore() });
    expect(fromHar).toEqual(asReplayed(recorded));
    expect((await convert('flows.har', 'back/flows.json')).code).toBe(0);
    const back = await withCassette('back/flows', () => traffic(server.url), { dir, mode: 'replay' });
    expect(back).toEqual(asReplayed(recorded));
    expect(comparable((await loadCassette(join(dir, 'back', 'flows.json')))!)).toEqual(comparable((await loadCassette(join(dir, 'flows.json')))!));
  });

  it('imports a Polly.js recording.har, which then replays under reeltape with the server stopped', async () => {
    const child = join(import.meta.dirname, '..', 'store', 'fixtures', 'polly-record.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, join(dir, 'polly'), server.url], { env: childEnv() });
    const seen = JSON.parse(stdout) as Observed;
    const [folder] = await readdir(join(dir, 'polly'));
    const recording = join('polly', folder!, 'recording.har');
    const har = JSON.parse(await readFile(join(dir, recording), 'utf8')) as Har;
    expect(har.log.creator.name).toBe('Polly.JS');
    expect(har.log.entries.filter((e) => e.request.url.endsWith('/poll')).map((e) => e._order)).toEqual([0, 1, 2]);

    const result = await convert(recording, 'cassettes/from-polly.json');
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining(`${har.log.entries.length} interactions`) });
    await server.close();
    const replayed = await withCassette('from-polly', () => traffic(server.url), { dir: join(dir, 'cassettes'), mode: 'replay', strict: true });
    expect(replayed).toEqual(seen);
    expect(server.hits.length).toBe(seen.length); // the replay reached no server
  });

  it('keeps request, status, headers and body bytes through JSON → HAR → JSON (property)', async () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const value = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n\0\u0100-\uffff]/g, ''));
    const headers: fc.Arbitrary<HeaderMap> = fc.dictionary(token, fc.oneof(value, fc.array(value, { minLength: 2, maxLength: 3 })), { maxKeys: 4 });
    const body: fc.Arbitrary<Body | null> = fc.oneof(
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }).map((v) => ({ kind: 'json', value: JSON.parse(JSON.stringify(v) ?? 'null') as never }) satisfies Body),
      fc.string({ minLength: 1 }).map((v) => ({ kind: 'text', value: v }) satisfies Body),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((v) => ({ kind: 'binary', value: v }) satisfies Body),
    );
    const interaction = fc.record({
      request: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH'), url: fc.webUrl({ withQueryParameters: true }), headers, body }),
      response: fc.record({ status: fc.integer({ min: 100, max: 599 }), statusText: fc.constantFrom('', 'OK', 'Not Found'), headers, body }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(interaction, { maxLength: 5 }), async (interactions) => {
        const name = `p${run++}`;
        const cassette: Cassette = { version: 1, meta: { reeltape: 't', node: 'v20', recordedAt: '2026-01-01T00:00:00.000Z' }, interactions };
        await saveCassette(join(dir, `${name}.json`), cassette);
        expect((await convert(`${name}.json`, `${name}.har`)).code).toBe(0);
        expect((await convert(`${name}.har`, `${name}-back.json`)).code).toBe(0);
        const before = (await loadCassette(join(dir, `${name}.json`)))!;
        const after = (await loadCassette(join(dir, `${name}-back.json`)))!;
        expect(comparable(after)).toEqual(comparable(before));
        expect(after.meta).toEqual(before.meta);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a bad extension, an existing output without --force, a missing or damaged input', async () => {
    await withCassette('one', () => fetch(`${server.url}/json`).then((r) => r.json()), { dir, mode: 'record' });
    expect(await convert('one.json', 'one.yaml')).toMatchObject({ code: 2, err: expect.stringContaining('must end in .json (reeltape cassette) or .har') });
    expect((await convert('one.json', 'one.har')).code).toBe(0);
    expect(await convert('one.json', 'one.har')).toMatchObject({ code: 1, err: expect.stringContaining('pass --force') });
    expect((await convert('one.json', 'one.har', '--force')).code).toBe(0);
    expect(await convert('nothing.har', 'x.json')).toMatchObject({ code: 2, err: expect.stringContaining('does not exist') });
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'bad.har'), '{"log":{"entries":[{"request":{}}]}}'));
    expect(await convert('bad.har', 'bad.json')).toMatchObject({ code: 2, err: expect.stringMatching(/bad\.har: log\.entries\[0\]\.response must be an object/) });
    expect(await listFiles(dir)).not.toContain('bad.json');
  });
});
