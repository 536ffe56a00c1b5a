import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateKeyError, OutputSnapshot, formatDiffTable, validateOutputs } from '../../src/index.js';
import { matchOutputSnapshot } from '../../src/snapshots/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let root: string;
let out: string;
let snap: string;
beforeEach(async () => {
  root = await makeTempDir('keyed-snap');
  out = path.join(root, 'out');
  snap = path.join(root, '__snapshots__', 'run.outputs.json');
  await mkdir(out);
  await writeFile(path.join(out, 'orders.csv'), 'id,status,amount,loaded_at\n1,open,10,t1\n2,paid,20,t1\n3,open,7,t1\n');
  await writeFile(path.join(out, 'notes.csv'), 'text\nhello\n');
});
afterEach(removeTempDirs);

const CHANGED = 'id,status,amount,loaded_at\n4,new,1,t2\n2,refunded,20,t2\n1,open,10,t2\n';

describe('per-key digests in output snapshots (option keys)', () => {
  it('a snapshot keeps one digest per key for files that have the key columns, none for others', async () => {
    const s = await OutputSnapshot.capture(out, { keys: ['id'], ignoreColumns: ['loaded_at'] });
    expect(s.file('orders.csv')?.keyed?.keys).toEqual(['id']);
    expect(Object.keys(s.file('orders.csv')?.keyed?.rows ?? {})).toEqual(['1', '2', '3']);
    expect(Object.values(s.file('orders.csv')?.keyed?.rows ?? {}).every((d) => /^[A-Za-z0-9+/]{8}$/.test(d))).toBe(true);
    expect(s.file('notes.csv')?.keyed).toBeUndefined();
    await s.save(snap);
    expect(JSON.parse(await readFile(snap, 'utf8')).options.keys).toEqual(['id']);
    // a snapshot without keys stays as it was: no "keys" option, no "keyed" entries
    const plain = await OutputSnapshot.capture(out);
    expect(plain.serialize()).not.toMatch(/"keys?"|"keyed"/);
  });

  it('without stored content, a mismatch names the changed, added and removed keys', async () => {
    await validateOutputs(out, snap, { keys: ['id'], ignoreColumns: ['loaded_at'], rowOrder: 'ignore', ci: false });
    await writeFile(path.join(out, 'orders.csv'), CHANGED);
    const result = await validateOutputs(out, snap, { ci: false });
    expect(result.ok).toBe(false);
    const diff = result.diffs.find((d) => d.file === 'orders.csv');
    expect(diff?.type === 'hash_mismatch' && diff.keyed).toEqual({
      keys: ['id'],
      counts: { added: 1, removed: 1, changed: 1 },
      added: [{ id: '4' }],
      removed: [{ id: '3' }],
      changed: [{ id: '2' }],
    });
    const table = formatDiffTable(result);
    expect(table).toContain('~ 1 changed key: id=2');
    expect(table).toContain('+ 1 added key: id=4');
    expect(table).toContain('- 1 removed key: id=3');
  });

  it('with stored content, the changed cells are shown with before and after', async () => {
    await validateOutputs(out, snap, { keys: ['id'], ignoreColumns: ['loaded_at'], storeContent: true, ci: false });
    await writeFile(path.join(out, 'orders.csv'), CHANGED);
    const result = await validateOutputs(out, snap, { ci: false });
    const diff = result.diffs.find((d) => d.file === 'orders.csv');
    const table = diff?.type === 'hash_mismatch' ? diff.keyed?.table : undefined;
    expect(table?.changed).toEqual([{ key: { id: '2' }, rows: { before: 2, after: 2 }, cells: [{ column: 'status', before: 'paid', after: 'refunded' }] }]);
    expect(table?.counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(formatDiffTable(result)).toContain('~ id=2: status "paid" → "refunded"');
  });

  it('a duplicate key is a DuplicateKeyError naming the file and key', async () => {
    await writeFile(path.join(out, 'orders.csv'), 'id,status\n1,a\n1,b\n');
    const err = await OutputSnapshot.capture(out, { keys: ['id'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateKeyError);
    expect((err as DuplicateKeyError).file).toBe(path.join(out, 'orders.csv'));
    expect((err as DuplicateKeyError).key).toEqual({ id: '1' });
  });

  it('the matcher message shows the changed cells and is cut at a readable length', async () => {
    const rows = (n: number, v: string) => Array.from({ length: n }, (_, i) => `${i},${v}${i}`).join('\n');
    await writeFile(path.join(out, 'orders.csv'), `id,v\n${rows(200, 'a')}\n`);
    const ctx = { snapshotDir: path.join(root, '__snapshots__'), update: false, ci: false };
    expect((await matchOutputSnapshot(out, 'big', { keys: ['id'], storeContent: true }, ctx)).pass).toBe(true);
    await writeFile(path.join(out, 'orders.csv'), `id,v\n${rows(200, 'b')}\n`);
    const failed = await matchOutputSnapshot(out, 'big', undefined, ctx);
    expect(failed.pass).toBe(false);
    const message = failed.message();
    expect(message).toContain('~ id=0: v "a0" → "b0"');
    expect(message).toMatch(/… \d+ more/);
    expect(message.split('\n').length).toBeLessThan(60);
  });
});
