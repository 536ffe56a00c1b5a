/**
 * The package as a user gets it: `npm pack` the built package, unpack it into a fresh project's
 * node_modules (its dependencies linked from this checkout, nothing fetched), and use it from plain
 * ESM and CommonJS scripts and through its bins — record against a local server, stop the server,
 * replay. Needs `dist/` (built by `npm test`'s pretest).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, startTestServer, type TestServer } from '../helpers/index.js';
import { REPO_ROOT as repo, runNodeIn, unpackInto } from './pack.js';

const manifest = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
  bin: Record<string, string>;
};

let project: string;
let packed: string[];

function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return runNodeIn(project, args, env);
}

beforeAll(async () => {
  expect(existsSync(path.join(repo, 'dist', 'index.js')), 'dist/ is missing: run `npm run build`').toBe(true);
  const work = await makeTempDir('packed');
  project = path.join(work, 'project');
  packed = await unpackInto(work, path.join(project, 'node_modules', 'reeltape'));
  for (const dep of Object.keys(manifest.dependencies)) {
    const link = path.join(project, 'node_modules', dep);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(path.join(repo, 'node_modules', dep), link, 'dir');
  }
  await writeFile(path.join(project, 'package.json'), '{ "name": "user-project", "private": true }\n');
}, 120_000);

afterAll(removeTempDirs);

describe('the packed package', () => {
  it('ships what package.json points at, and no sources or tests', () => {
    const targets = JSON.stringify(manifest.exports).match(/\.\/dist\/[^"]+/g) ?? [];
    expect(targets.length).toBeGreaterThan(6);
    for (const target of [...targets, ...Object.values(manifest.bin)]) {
      expect(packed, `${target} is referenced by package.json but not packed`).toContain(target.replace(/^\.\//, ''));
    }
    expect(packed.filter((f) => /^(src|test|bench|examples)\//.test(f))).toEqual([]);
  });

  describe('used from a fresh project', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(() => server.close());

    const script = (url: string, mode: string) => `
      const { withCassette, configure } = await import('reeltape');
      configure({ dir: 'cassettes' });
      const body = await withCassette('api/json', async () => (await fetch('${url}/json', { headers: { authorization: 'Bearer live-token-1234567' } })).text(), { mode: '${mode}' });
      console.log('body=' + body);
    `;

    it('records from ESM, then replays with the server stopped; requires from CommonJS; runs its bins', async () => {
      await writeFile(path.join(project, 'record.mjs'), script(server.url, 'record'));
      const recorded = await node(['record.mjs']);
      expect(recorded.out).toContain('body={"hello":"world","n":1}');
      expect(recorded.code).toBe(0);
      const cassette = await readFile(path.join(project, 'cassettes', 'api', 'json.json'), 'utf8');
      expect(cassette).toContain('[REDACTED:authorization]');
      expect(cassette).not.toContain('live-token-1234567');

      const hits = server.hits.length;
      await server.close();
      await writeFile(path.join(project, 'replay.mjs'), script(server.url, 'replay'));
      const replayed = await node(['replay.mjs'], { CI: 'true' });
      expect(replayed.out).toContain('body={"hello":"world","n":1}');
      expect(replayed.code).toBe(0);
      expect(server.hits.length).toBe(hits);

      await writeFile(
        path.join(project, 'check.cjs'),
        `const r = require('reeltape');
         const names = ['withCassette', 'configure', 'OutputSnapshot', 'validateOutputs', 'chain', 'defaultSanitizer', 'fakerSanitizer'];
         const missing = names.filter((n) => typeof r[n] !== 'function');
         console.log(missing.length ? 'missing ' + missing.join(',') : 'cjs ok', new r.CassetteNotFoundError('m', 'n', 'f').name);`,
      );
      const cjs = await node(['check.cjs']);
      expect(cjs.out).toContain('cjs ok CassetteNotFoundError');

      const info = await node([path.join('node_modules', 'reeltape', manifest.bin.reeltape!), 'info', '--json']);
      expect(info.code, info.out).toBe(0);
      expect(JSON.parse(info.out)).toEqual(expect.arrayContaining([expect.objectContaining({ interactions: 1 })]));
      const scaffold = await node([path.join('node_modules', 'reeltape', manifest.bin['scaffold-tests']!), '--help']);
      expect(scaffold.code, scaffold.out).toBe(0);
      expect(scaffold.out).toMatch(/scaffold-tests/);
      expect(await readdir(path.join(project, 'cassettes', 'api'))).toEqual(['json.json']);
    });
  });
});
