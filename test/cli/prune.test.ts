import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pruneCommand } from '../../src/cli/commands/prune.js';
import type { CliIO } from '../../src/cli/command.js';
import { readRunRecord, summarizeRun, writeRunRecord } from '../../src/adapters/run-report.js';

let root: string;
let out: string;
let err: string;

function io(confirm?: (q: string) => Promise<boolean>): CliIO {
  const base: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: root, env: {} };
  return confirm ? { ...base, confirm } : base;
}

function touch(rel: string): string {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '{}\n');
  return file;
}

/** Simulates a full run in which only `used` was touched. */
async function fullRun(used: string[]): Promise<void> {
  const dir = path.join(root, 'cassettes');
  const events = used.map((rel) => ({ name: rel, file: path.join(dir, rel), mode: 'replay', replayed: 1, recorded: 0, unused: [] }));
  await writeRunRecord(root, summarizeRun({ events, dir }), 'vitest');
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'reeltape-prune-'));
  out = '';
  err = '';
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('reeltape prune', () => {
  test('without a run record it says so and deletes nothing', async () => {
    const file = touch('cassettes/a/old.json');
    expect(await pruneCommand.run(['--yes'], io())).toBe(1);
    expect(err).toMatch(/no run record/);
    expect(existsSync(file)).toBe(true);
  });

  test('HAR cassettes (harStore) are listed as unused and pruned like JSON ones', async () => {
    const used = touch('cassettes/h/used.har');
    const old = touch('cassettes/h/old.har');
    await fullRun(['h/used.har']);
    expect(readRunRecord(root)?.unused).toEqual(['h/old.har']);
    expect(await pruneCommand.run(['--yes'], io())).toBe(0);
    expect(existsSync(used)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  test('--yes deletes unused cassettes and their .bodies dirs, keeps used ones', async () => {
    const used = touch('cassettes/t/used.json');
    const old = touch('cassettes/t/old.json');
    const body = touch('cassettes/t/old.bodies/abc');
    const lonely = touch('cassettes/gone/x.json');
    await fullRun(['t/used.json']);
    expect(await pruneCommand.run(['--yes'], io())).toBe(0);
    expect(existsSync(used)).toBe(true);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(body)).toBe(false);
    expect(existsSync(lonely)).toBe(false);
    expect(existsSync(path.dirname(lonely))).toBe(false); // emptied directory removed
    expect(out).toMatch(/Deleted 2 cassette/);
    expect(readRunRecord(root)?.unused).toEqual([]);
  });

  test('asks for confirmation and deletes nothing when declined', async () => {
    const old = touch('cassettes/old.json');
    await fullRun([]);
    const questions: string[] = [];
    const code = await pruneCommand.run([], io(async (q) => (questions.push(q), false)));
    expect(code).toBe(1);
    expect(questions[0]).toMatch(/Delete 1 cassette/);
    expect(existsSync(old)).toBe(true);
  });

  test('deletes after confirmation', async () => {
    const old = touch('cassettes/old.json');
    await fullRun([]);
    expect(await pruneCommand.run(['cassettes'], io(async () => true))).toBe(0);
    expect(existsSync(old)).toBe(false);
  });

  test('--dry-run lists without deleting; cassettes created after the run are never candidates', async () => {
    const old = touch('cassettes/old.json');
    await fullRun([]);
    const newer = touch('cassettes/newer.json');
    expect(await pruneCommand.run(['--dry-run'], io())).toBe(0);
    expect(out).toContain('cassettes/old.json');
    expect(out).not.toContain('newer.json');
    expect(existsSync(old)).toBe(true);
    expect(await pruneCommand.run(['-y'], io())).toBe(0);
    expect(existsSync(newer)).toBe(true);
  });

  test('a dir other than the one the last run scanned is refused', async () => {
    touch('cassettes/old.json');
    await fullRun([]);
    expect(await pruneCommand.run(['other', '--yes'], io())).toBe(1);
    expect(err).toMatch(/scanned/);
  });

  test('a partial run writes no run record', async () => {
    touch('cassettes/old.json');
    const dir = path.join(root, 'cassettes');
    await writeRunRecord(root, summarizeRun({ events: [], dir, partialReason: '--shard 1/2 was used' }), 'vitest');
    expect(readRunRecord(root)).toBeUndefined();
  });
});
