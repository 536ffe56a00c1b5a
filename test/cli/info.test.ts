import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { harStore, saveCassette, type Cassette } from '../../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reeltape-info-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(): CliIO & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    cwd: dir,
    env: {},
    stdout: (t: string) => void (captured.out += t),
    stderr: (t: string) => void (captured.err += t),
  };
  return captured;
}

function cassette(): Cassette {
  return {
    version: 1,
    meta: { reeltape: '0.1.0', node: 'v20.20.2', recordedAt: new Date(Date.now() - 3 * 86_400_000 - 3_600_000).toISOString(), error: { name: 'TypeError', message: 'boom' } },
    interactions: [
      {
        request: { method: 'GET', url: 'https://api.example.test/users', headers: {}, body: null },
        response: { status: 200, statusText: 'OK', headers: {}, body: { kind: 'text', value: 'x'.repeat(3000) } },
      },
      {
        request: { method: 'POST', url: 'http://127.0.0.1:8080/q', headers: {}, body: { kind: 'json', value: { a: 1 } } },
        response: { status: 204, statusText: 'No Content', headers: {}, body: null },
      },
      {
        request: { method: 'get', url: 'https://api.example.test/users?page=2', headers: {}, body: null },
        response: { status: 200, statusText: 'OK', headers: {}, body: { kind: 'text', value: 'ok' } },
      },
    ],
  };
}

describe('reeltape info', () => {
  it('summarizes every cassette under ./cassettes recursively, as text', async () => {
    await saveCassette(join(dir, 'cassettes', 'nested', 'users.json'), cassette(), { sideFileThreshold: 1000 });
    const cli = io();
    expect(await main(['info'], cli)).toBe(0);
    expect(cli.out).toContain(join('cassettes', 'nested', 'users.json'));
    expect(cli.out).toContain('interactions: 3');
    expect(cli.out).toMatch(/\(3d 1h ago\)/);
    expect(cli.out).toContain('reeltape 0.1.0, node v20.20.2');
    expect(cli.out).toContain('hosts:        127.0.0.1:8080, api.example.test');
    expect(cli.out).toContain('methods:      GET ×2, POST ×1');
    expect(cli.out).toContain('body bytes:   2.9 KiB');
    expect(cli.out).toContain('side files:   1 (2.9 KiB)');
    expect(cli.out).toContain('error:        TypeError: boom');
    expect(cli.err).toBe('');
  });

  it('prints JSON, reports corrupt files with the reason, and exits 1', async () => {
    await saveCassette(join(dir, 'c', 'good.json'), cassette());
    await writeFile(join(dir, 'c', 'bad.json'), '{"version": 7}');
    await mkdir(join(dir, 'c', 'good.bodies'));
    await writeFile(join(dir, 'c', 'good.bodies', 'not-a-cassette.json'), 'ignored');
    const cli = io();
    expect(await main(['info', '--json', 'c'], cli)).toBe(1);
    const report = JSON.parse(cli.out) as Array<Record<string, unknown>>;
    expect(report.map((r) => [r.file, r.ok])).toEqual([
      [join(dir, 'c', 'bad.json'), false],
      [join(dir, 'c', 'good.json'), true],
    ]);
    expect(report[0]!.reason).toMatch(/unsupported cassette version 7/);
    expect(report[1]).toMatchObject({ interactions: 3, bodyBytes: 3009, methods: { GET: 2, POST: 1 }, sideFiles: { count: 0, bytes: 0 } });

    const text = io();
    expect(await main(['info', join(dir, 'c', 'bad.json')], text)).toBe(1);
    expect(text.out).toMatch(/bad\.json\n {2}CORRUPT: .*version/);
    expect(text.err).toContain('1 corrupt cassette');
  });

  it('summarizes HAR cassettes too (harStore, reeltape convert), and reports a damaged one', async () => {
    await harStore().save(join(dir, 'h', 'users.har'), cassette(), { sideFileThreshold: 1024 * 1024 });
    await writeFile(join(dir, 'h', 'broken.har'), '{"log": {"entries": 3}}');
    const cli = io();
    expect(await main(['info', '--json', 'h'], cli)).toBe(1);
    const report = JSON.parse(cli.out) as Array<Record<string, unknown>>;
    expect(report.map((r) => [r.file, r.ok])).toEqual([
      [join(dir, 'h', 'broken.har'), false],
      [join(dir, 'h', 'users.har'), true],
    ]);
    expect(report[1]).toMatchObject({ interactions: 3, methods: { GET: 2, POST: 1 } });
  });

  it('says when there is nothing to show, and fails on a missing explicit path', async () => {
    const empty = io();
    expect(await main(['info'], empty)).toBe(0);
    expect(empty.out).toMatch(/No cassettes found/);
    const missing = io();
    expect(await main(['info', 'nope'], missing)).toBe(1);
    expect(missing.err).toMatch(/cannot read .*nope/);
  });
});
