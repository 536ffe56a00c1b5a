import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputSnapshotError, ReeltapeConfigError } from '../../src/errors/index.js';
import {
  formatDiffTable,
  OutputSnapshot,
  validateOutputs,
  type HashMismatchDiff,
  type ValidateOptions,
} from '../../src/snapshots/index.js';

let root: string;
let out: string;
let snap: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'reeltape-snap-'));
  out = path.join(root, 'out');
  snap = path.join(root, '__snapshots__', 'run.outputs.json');
  await mkdir(out, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(rel: string, content: string): Promise<void> {
  const file = path.join(out, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Captures the current outputs, then lets `change` modify them, then validates (local, not CI). */
async function captureThenValidate(
  change: () => Promise<void>,
  captureOptions: ValidateOptions = {},
  validateOptions: ValidateOptions = {},
) {
  await (await OutputSnapshot.capture(out, captureOptions)).save(snap);
  await change();
  return validateOutputs(out, snap, { ci: false, ...validateOptions });
}

const USERS = 'id,name,score\n1,alice,10\n2,bob,20\n3,carol,30\n';

function mismatch(result: { diffs: unknown[] }): HashMismatchDiff {
  expect(result.diffs).toHaveLength(1);
  const d = result.diffs[0] as HashMismatchDiff;
  expect(d.type).toBe('hash_mismatch');
  return d;
}

describe('capture and the snapshot file', () => {
  it('records hashes, size, rows, columns and dialect, as stable sorted JSON', async () => {
    await put('users.csv', USERS);
    await put('nested/b.csv', 'x\n1\n');
    await put('notes.txt', 'not a csv');
    const s = await OutputSnapshot.capture(out);
    expect(s.files.map((f) => f.path)).toEqual(['nested/b.csv', 'users.csv']);
    const users = s.file('users.csv')!;
    expect(users).toMatchObject({ rows: 3, size: USERS.length, columns: ['id', 'name', 'score'] });
    expect(users.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(users.dialect).toEqual({ delimiter: ',', quote: '"', header: true, encoding: 'utf-8', lineEnding: 'lf' });
    await s.save(snap);
    const text = await readFile(snap, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "files": [');
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual(['files', 'options', 'version']);
    const again = await OutputSnapshot.load(snap);
    expect(again.serialize()).toBe(text);
    expect(again.version).toBe(1);
  });

  it('honours include and exclude globs', async () => {
    await put('a.csv', 'x\n1\n');
    await put('tmp/b.csv', 'x\n1\n');
    await put('c.tsv', 'x\n1\n');
    const s = await OutputSnapshot.capture(out, { include: ['**/*.csv', '*.tsv'], exclude: ['tmp/**'] });
    expect(s.files.map((f) => f.path)).toEqual(['a.csv', 'c.tsv']);
  });
});

describe('validateOutputs', () => {
  it('passes for identical outputs', async () => {
    await put('users.csv', USERS);
    const result = await captureThenValidate(async () => {});
    expect(result).toMatchObject({ ok: true, diffs: [] });
    expect(formatDiffTable(result)).toBe('no differences\n');
  });

  it('reports a changed cell with the row, and the old value with keepRows', async () => {
    await put('users.csv', USERS);
    const result = await captureThenValidate(() => put('users.csv', USERS.replace('bob,20', 'bob,25')), { keepRows: 10 });
    expect(result.ok).toBe(false);
    const d = mismatch(result);
    expect(d.row_count_changed).toBeUndefined();
    expect(d.changed_rows).toEqual([{ row: 2, change: 'changed', before: ['2', 'bob', '20'], after: ['2', 'bob', '25'] }]);
    const table = formatDiffTable(result);
    expect(table).toContain('users.csv');
    expect(table).toContain('changed');
    expect(table).toContain('row 2: "2,bob,20" → "2,bob,25"');
  });

  it('without keepRows still names the row and shows the new content', async () => {
    await put('users.csv', USERS);
    const result = await captureThenValidate(() => put('users.csv', USERS.replace('carol', 'carla')));
    const d = mismatch(result);
    expect(d.changed_rows).toEqual([{ row: 3, change: 'changed', after: ['3', 'carla', '30'] }]);
    expect(formatDiffTable(result)).toContain('row 3: (not stored) → "3,carla,30"');
  });

  it('reordered rows fail in strict order and pass with rowOrder ignore', async () => {
    await put('users.csv', USERS);
    const reordered = 'id,name,score\n3,carol,30\n1,alice,10\n2,bob,20\n';
    const strict = await captureThenValidate(() => put('users.csv', reordered));
    expect(mismatch(strict).changed_rows?.[0]?.row).toBe(1);
    await put('users.csv', USERS);
    const ignore = await captureThenValidate(() => put('users.csv', reordered), { rowOrder: 'ignore' });
    expect(ignore).toMatchObject({ ok: true, diffs: [] });
  });

  it('rowOrder ignore reports added and removed rows, and counts duplicates', async () => {
    await put('users.csv', USERS);
    const result = await captureThenValidate(
      () => put('users.csv', 'id,name,score\n3,carol,30\n2,bob,20\n1,alice,10\n4,dave,40\n'),
      { rowOrder: 'ignore', keepRows: 5 },
    );
    const d = mismatch(result);
    expect(d.row_count_changed).toEqual({ before: 3, after: 4 });
    expect(d.changed_rows).toEqual([{ change: 'added', row: 4, after: ['4', 'dave', '40'] }]);

    await put('users.csv', USERS);
    const dup = await captureThenValidate(() => put('users.csv', `${USERS}2,bob,20\n`), { rowOrder: 'ignore', keepRows: 5 });
    expect(mismatch(dup).changed_rows).toEqual([{ change: 'added', row: 4, after: ['2', 'bob', '20'] }]);

    await put('users.csv', USERS);
    const removed = await captureThenValidate(() => put('users.csv', 'id,name,score\n3,carol,30\n1,alice,10\n'), {
      rowOrder: 'ignore',
      keepRows: 5,
    });
    expect(mismatch(removed).changed_rows).toEqual([{ change: 'removed', before: ['2', 'bob', '20'] }]);
    expect(formatDiffTable(removed)).toContain('- a row: "2,bob,20"');
  });

  it('a new column shows as columns_changed', async () => {
    await put('users.csv', USERS);
    const result = await captureThenValidate(() =>
      put('users.csv', 'id,name,score,email\n1,alice,10,a@x\n2,bob,20,b@x\n3,carol,30,c@x\n'),
    );
    const d = mismatch(result);
    expect(d.columns_changed).toEqual({ added: ['email'], removed: [] });
    expect(formatDiffTable(result)).toContain('columns +email');
  });

  it('a removed file is missing and an extra file is unexpected', async () => {
    await put('users.csv', USERS);
    await put('orders.csv', 'id\n1\n');
    const result = await captureThenValidate(async () => {
      await rm(path.join(out, 'orders.csv'));
      await put('extra/new.csv', 'a,b\n1,2\n');
    });
    expect(result.ok).toBe(false);
    expect(result.diffs).toEqual([
      { type: 'unexpected', file: 'extra/new.csv', rows: 1, columns: ['a', 'b'] },
      { type: 'missing', file: 'orders.csv' },
    ]);
    const table = formatDiffTable(result);
    expect(table).toMatch(/orders\.csv\s+\| missing\s+\| in the snapshot, not produced/);
    expect(table).toMatch(/extra\/new\.csv\s+\| unexpected \| new file: 1 rows, columns a, b/);
  });

  it('a missing output dir reports every file as missing', async () => {
    await put('users.csv', USERS);
    const result = await captureThenValidate(() => rm(out, { recursive: true }));
    expect(result.diffs).toEqual([{ type: 'missing', file: 'users.csv' }]);
  });

  it('ignoreColumns makes a timestamp column irrelevant', async () => {
    await put('r.csv', 'id,extracted_at,v\n1,2024-01-01T00:00:00Z,a\n2,2024-01-01T00:00:01Z,b\n');
    const same = await captureThenValidate(
      () => put('r.csv', 'id,extracted_at,v\n1,2025-06-06T12:00:00Z,a\n2,2025-06-06T12:00:09Z,b\n'),
      { ignoreColumns: ['extracted_at'] },
    );
    expect(same).toMatchObject({ ok: true, diffs: [] });
    const changed = await validateOutputs(out, snap, { ci: false });
    expect(changed.ok).toBe(true);
    await put('r.csv', 'id,extracted_at,v\n1,2025-06-06T12:00:00Z,a\n2,2025-06-06T12:00:09Z,B\n');
    const diff = await validateOutputs(out, snap, { ci: false });
    expect(mismatch(diff).changed_rows).toEqual([{ row: 2, change: 'changed', after: ['2', 'B'] }]);
  });

  it('CRLF vs LF passes in content mode and fails in bytes mode', async () => {
    await put('users.csv', USERS);
    const content = await captureThenValidate(() => put('users.csv', USERS.replaceAll('\n', '\r\n')));
    expect(content).toMatchObject({ ok: true, diffs: [] });
    await put('users.csv', USERS);
    const bytes = await captureThenValidate(() => put('users.csv', USERS.replaceAll('\n', '\r\n')), { compare: 'bytes' });
    const d = mismatch(bytes);
    expect(d.compare).toBe('bytes');
    expect(d.note).toContain('line endings lf → crlf');
  });

  it('optional quoting, a BOM and a missing final newline do not count in content mode', async () => {
    await put('users.csv', USERS);
    const quoted = '\ufeff"id","name","score"\r\n"1","alice",10\r\n2,"bob","20"\r\n"3",carol,"30"';
    const result = await captureThenValidate(() => put('users.csv', quoted));
    expect(result).toMatchObject({ ok: true, diffs: [] });
  });

  it('handles embedded newlines, delimiters and quotes', async () => {
    const tricky = 'id,text\n1,"line one\nline two"\n2,"a, b"\n3,"say ""hi"""\n4,plain\n';
    await put('t.csv', tricky);
    const s = await OutputSnapshot.capture(out, { keepRows: 10 });
    expect(s.file('t.csv')).toMatchObject({ rows: 4, columns: ['id', 'text'] });
    expect(s.file('t.csv')!.keptRows).toEqual([
      ['1', 'line one\nline two'],
      ['2', 'a, b'],
      ['3', 'say "hi"'],
      ['4', 'plain'],
    ]);
    await s.save(snap);
    await put('t.csv', tricky.replace('line two', 'line 2'));
    const d = mismatch(await validateOutputs(out, snap, { ci: false }));
    expect(d.changed_rows).toEqual([{ row: 1, change: 'changed', before: ['1', 'line one\nline two'], after: ['1', 'line one\nline 2'] }]);
  });

  it('with storeContent shows the exact rows that differ far down a file', async () => {
    const lines = ['id,v'];
    for (let i = 1; i <= 3000; i++) lines.push(`${i},value ${i}`);
    await put('big.csv', `${lines.join('\n')}\n`);
    const withoutCopy = await captureThenValidate(() => put('big.csv', `${lines.join('\n').replace('2500,value 2500', '2500,CHANGED')}\n`));
    expect(mismatch(withoutCopy).note).toContain('the first 1000 rows are unchanged');

    await put('big.csv', `${lines.join('\n')}\n`);
    await rm(snap);
    const result = await captureThenValidate(
      () => put('big.csv', `${lines.join('\n').replace('2500,value 2500', '2500,CHANGED')}\n`),
      { storeContent: true },
    );
    expect(await readFile(path.join(root, '__snapshots__', 'run.outputs', 'big.csv'), 'utf8')).toContain('2500,value 2500');
    expect(mismatch(result).changed_rows).toEqual([{ row: 2500, change: 'changed', before: ['2500', 'value 2500'], after: ['2500', 'CHANGED'] }]);
  });
});

describe('the update flow and the CI rule', () => {
  it('creates a missing snapshot locally and refuses in CI', async () => {
    await put('users.csv', USERS);
    await expect(validateOutputs(out, snap, { ci: true })).rejects.toThrow(/does not exist, and snapshots are not created in CI/);
    const created = await validateOutputs(out, snap, { ci: false });
    expect(created).toMatchObject({ ok: true, created: true });
    expect((await OutputSnapshot.load(snap)).files).toHaveLength(1);
  });

  it('defaults ci from the CI environment variable', async () => {
    await put('users.csv', USERS);
    const saved = process.env.CI;
    try {
      process.env.CI = 'true';
      await expect(validateOutputs(out, snap)).rejects.toBeInstanceOf(OutputSnapshotError);
      process.env.CI = 'false';
      await expect(validateOutputs(out, snap)).resolves.toMatchObject({ created: true });
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });

  it('update rewrites a differing snapshot (also in CI), then it passes', async () => {
    await put('users.csv', USERS);
    await (await OutputSnapshot.capture(out)).save(snap);
    await put('users.csv', USERS.replace('alice', 'alicia'));
    const updated = await validateOutputs(out, snap, { update: true, ci: true });
    expect(updated).toMatchObject({ ok: true, updated: true });
    expect(updated.diffs[0]?.type).toBe('hash_mismatch');
    expect(await validateOutputs(out, snap, { ci: true })).toMatchObject({ ok: true, diffs: [] });
    const unchanged = await validateOutputs(out, snap, { update: true, ci: true });
    expect(unchanged.updated).toBeUndefined();
  });

  it('options stored at capture are applied; contradicting ones are an error unless updating', async () => {
    await put('users.csv', USERS);
    await (await OutputSnapshot.capture(out, { rowOrder: 'ignore' })).save(snap);
    await put('users.csv', 'id,name,score\n2,bob,20\n1,alice,10\n3,carol,30\n');
    expect(await validateOutputs(out, snap, { ci: false })).toMatchObject({ ok: true });
    expect(await validateOutputs(out, snap, { ci: false, rowOrder: 'ignore' })).toMatchObject({ ok: true });
    const err = await validateOutputs(out, snap, { ci: false, rowOrder: 'strict' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputSnapshotError);
    expect((err as Error).message).toContain('rowOrder: snapshot has "ignore", given "strict"');
    expect((err as OutputSnapshotError).file).toBe(snap);
    const updated = await validateOutputs(out, snap, { update: true, rowOrder: 'strict' });
    expect(updated.updated).toBe(true);
    expect((await OutputSnapshot.load(snap)).options.rowOrder).toBe('strict');
  });

  it('rejects invalid option values', async () => {
    await put('users.csv', USERS);
    await expect(OutputSnapshot.capture(out, { delimiter: ';;' })).rejects.toBeInstanceOf(ReeltapeConfigError);
  });
});

describe('bad input', () => {
  it('names file and line for an unterminated quote', async () => {
    await put('bad.csv', 'id,text\n1,ok\n2,"never closed\n3,x\n');
    const err = await OutputSnapshot.capture(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputSnapshotError);
    const e = err as OutputSnapshotError;
    expect(e.file).toBe(path.join(out, 'bad.csv'));
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/Malformed CSV in .*bad\.csv near line \d+: .*Quote Not Closed/);
  });

  it('names file and line for a stray quote in an unquoted field', async () => {
    await put('bad.csv', 'id,text\n1,ok\n2,5" screen\n3,x\n');
    const e = (await OutputSnapshot.capture(out).catch((x: unknown) => x)) as OutputSnapshotError;
    expect(e).toBeInstanceOf(OutputSnapshotError);
    expect(e.line).toBe(3);
  });

  it('reports an unreadable file (dangling link) by name', async () => {
    await put('ok.csv', 'a\n1\n');
    await symlink(path.join(root, 'nowhere.csv'), path.join(out, 'gone.csv'));
    const e = (await OutputSnapshot.capture(out).catch((x: unknown) => x)) as OutputSnapshotError;
    expect(e).toBeInstanceOf(OutputSnapshotError);
    expect(e.file).toBe(path.join(out, 'gone.csv'));
    expect(e.message).toContain('Cannot read output file');
  });

  it('reports a snapshot that is not JSON, with the line', async () => {
    await mkdir(path.dirname(snap), { recursive: true });
    await writeFile(snap, '{\n  "version": 1,\n  "files": [\n    oops\n  ]\n}\n');
    const e = (await OutputSnapshot.load(snap).catch((x: unknown) => x)) as OutputSnapshotError;
    expect(e).toBeInstanceOf(OutputSnapshotError);
    expect(e.file).toBe(snap);
    expect(e.line).toBe(4);
    expect(e.message).toContain('not valid JSON (line 4)');
  });

  it('reports a snapshot of an unknown version, with the line', async () => {
    await mkdir(path.dirname(snap), { recursive: true });
    await writeFile(snap, '{\n  "files": [],\n  "options": {},\n  "version": 7\n}\n');
    const e = (await OutputSnapshot.load(snap).catch((x: unknown) => x)) as OutputSnapshotError;
    expect(e).toBeInstanceOf(OutputSnapshotError);
    expect(e.line).toBe(4);
    expect(e.message).toContain('unknown format version 7');
    await put('users.csv', USERS);
    await expect(validateOutputs(out, snap, { ci: false })).rejects.toThrow(/unknown format version 7/);
  });
});
