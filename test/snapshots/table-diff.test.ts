import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateKeyError, OutputCompareError, diffCsvFiles, type TableDiffOptions } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('table-diff');
});
afterEach(removeTempDirs);

async function diff(before: string, after: string, options: TableDiffOptions = {}) {
  const a = path.join(dir, 'expected.csv');
  const b = path.join(dir, 'actual.csv');
  await writeFile(a, before);
  await writeFile(b, after);
  return diffCsvFiles(a, b, options);
}

const ORDERS = 'id,status,amount\n1,open,10.00\n2,paid,20.50\n3,open,7.25\n';

describe('diffCsvFiles with keys', () => {
  it('rows reordered (and CRLF, quoting) are equal when aligned by key', async () => {
    const d = await diff(ORDERS, 'id,status,amount\r\n3,"open",7.25\r\n1,open,10.00\r\n2,paid,20.50\r\n', { keys: ['id'] });
    expect(d.equal).toBe(true);
    expect(d.counts).toEqual({ added: 0, removed: 0, changed: 0 });
  });

  it('a changed cell names its key, column, before and after; added and removed rows are listed', async () => {
    const d = await diff(ORDERS, 'id,status,amount\n4,new,1.00\n2,refunded,20.50\n1,open,10.00\n', { keys: ['id'] });
    expect(d.equal).toBe(false);
    expect(d.changed).toEqual([{ key: { id: '2' }, rows: { before: 2, after: 2 }, cells: [{ column: 'status', before: 'paid', after: 'refunded' }] }]);
    expect(d.added).toEqual([{ key: { id: '4' }, row: 1, values: { id: '4', status: 'new', amount: '1.00' } }]);
    expect(d.removed).toEqual([{ key: { id: '3' }, row: 3, values: { id: '3', status: 'open', amount: '7.25' } }]);
    expect(d.counts).toEqual({ added: 1, removed: 1, changed: 1 });
  });

  it('composite keys align on every key column', async () => {
    const d = await diff('day,shop,n\n1,a,5\n1,b,6\n', 'day,shop,n\n1,b,7\n1,a,5\n', { keys: ['day', 'shop'] });
    expect(d.changed).toEqual([{ key: { day: '1', shop: 'b' }, rows: { before: 2, after: 1 }, cells: [{ column: 'n', before: '6', after: '7' }] }]);
  });

  it('a float within the absolute or relative tolerance is equal, outside it is changed', async () => {
    const tolerance = { amount: { abs: 0.01 }, rate: { rel: 1e-6 } };
    const before = 'id,amount,rate\n1,10.00,1000000\n2,5.00,2.5\n';
    const within = await diff(before, 'id,amount,rate\n1,10.009,1000000.9\n2,4.995,2.5000001\n', { keys: ['id'], tolerance });
    expect(within.equal).toBe(true);
    const outside = await diff(before, 'id,amount,rate\n1,10.02,1000000\n2,5.00,2.51\n', { keys: ['id'], tolerance });
    expect(outside.changed).toEqual([
      { key: { id: '1' }, rows: { before: 1, after: 1 }, cells: [{ column: 'amount', before: '10.00', after: '10.02' }] },
      { key: { id: '2' }, rows: { before: 2, after: 2 }, cells: [{ column: 'rate', before: '2.5', after: '2.51' }] },
    ]);
    // without a tolerance the same within-values differ
    expect((await diff(before, 'id,amount,rate\n1,10.009,1000000\n2,5.00,2.5\n', { keys: ['id'] })).counts.changed).toBe(1);
  });

  it('a non-numeric value in a tolerant column is compared as text', async () => {
    const d = await diff('id,amount\n1,n/a\n', 'id,amount\n1,\n', { keys: ['id'], tolerance: { amount: { abs: 1 } } });
    expect(d.changed[0]?.cells).toEqual([{ column: 'amount', before: 'n/a', after: '' }]);
  });

  it('ignoreColumns, trim and ignoreCase apply to their columns only', async () => {
    const before = 'id,name,email,ts\n1,Alice,A@X.ORG,100\n';
    const opts: TableDiffOptions = { keys: ['id'], ignoreColumns: ['ts'], trim: ['name'], ignoreCase: ['email'] };
    expect((await diff(before, 'id,name,email,ts\n1,  Alice ,a@x.org,999\n', opts)).equal).toBe(true);
    const d = await diff(before, 'id,name,email,ts\n1,alice,a@x.org,999\n', opts);
    expect(d.changed[0]?.cells).toEqual([{ column: 'name', before: 'Alice', after: 'alice' }]);
    expect((await diff(before, 'id,name,email,ts\n1,alice ,A@X.ORG,1\n', { ...opts, trim: true, ignoreCase: true })).equal).toBe(true);
  });

  it('a duplicate key is a DuplicateKeyError naming the file, key and rows', async () => {
    const err = await diff(ORDERS, 'id,status,amount\n1,open,10.00\n2,paid,20.50\n1,open,10.00\n', { keys: ['id'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateKeyError);
    expect(err).toBeInstanceOf(OutputCompareError);
    const dup = err as DuplicateKeyError;
    expect(dup.file).toBe(path.join(dir, 'actual.csv'));
    expect(dup.key).toEqual({ id: '1' });
    expect(dup.rows).toEqual([1, 3]);
    expect(dup.message).toContain('actual.csv');
    expect(dup.message).toContain('id="1"');
    const inExpected = await diff('id\n7\n7\n', 'id\n7\n', { keys: ['id'] }).catch((e: unknown) => e);
    expect((inExpected as DuplicateKeyError).file).toBe(path.join(dir, 'expected.csv'));
  });

  it('a key column missing from a file is an OutputCompareError naming it', async () => {
    const err = await diff(ORDERS, 'order_id,status\n1,open\n', { keys: ['id'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputCompareError);
    expect((err as Error).message).toMatch(/actual\.csv has no key column "id"/);
  });

  it('added and removed columns make the tables differ; common columns are still compared', async () => {
    const d = await diff('id,a,b\n1,x,y\n', 'id,a,c\n1,z,y\n', { keys: ['id'] });
    expect(d.equal).toBe(false);
    expect(d.columns).toEqual({ added: ['c'], removed: ['b'] });
    expect(d.changed[0]?.cells).toEqual([{ column: 'a', before: 'x', after: 'z' }]);
  });

  it('lists at most maxRows rows per kind while counting all', async () => {
    const rows = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `${from + i},v\n`).join('');
    const d = await diff(`id,v\n${rows(0, 10)}`, `id,v\n${rows(100, 30)}`, { keys: ['id'], maxRows: 3 });
    expect(d.counts).toEqual({ added: 30, removed: 10, changed: 0 });
    expect(d.added.map((r) => r.key?.id)).toEqual(['100', '101', '102']);
    expect(d.removed).toHaveLength(3);
  });
});

describe('diffCsvFiles without keys (multiset)', () => {
  it('reordered rows are equal; duplicates count', async () => {
    expect((await diff(ORDERS, 'id,status,amount\n3,open,7.25\n2,paid,20.50\n1,open,10.00\n')).equal).toBe(true);
    const d = await diff('x\na\na\nb\n', 'x\nb\na\nc\n');
    expect(d.added).toEqual([{ row: 3, values: { x: 'c' } }]);
    expect(d.removed).toEqual([{ row: 2, values: { x: 'a' } }]);
  });

  it('a tolerance without keys is refused rather than silently unused', async () => {
    await expect(diff(ORDERS, ORDERS, { tolerance: { amount: { abs: 1 } } })).rejects.toThrow(/tolerance needs rows aligned by key/);
  });

  it('an unreadable file is an OutputCompareError naming it', async () => {
    const missing = path.join(dir, 'nope.csv');
    await writeFile(path.join(dir, 'a.csv'), ORDERS);
    const err = await diffCsvFiles(path.join(dir, 'a.csv'), missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputCompareError);
    expect((err as OutputCompareError).file).toBe(missing);
  });

  it('a malformed CSV is an OutputCompareError naming the file', async () => {
    const err = await diff(ORDERS, 'id,status,amount\n1,"open,10\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputCompareError);
    expect((err as OutputCompareError).file).toBe(path.join(dir, 'actual.csv'));
    expect((err as Error).message).toMatch(/Cannot read CSV .*actual\.csv/);
  });

  it('column order does not count; the delimiter option is honoured', async () => {
    expect((await diff(ORDERS, 'amount,id,status\n20.50,2,paid\n10.00,1,open\n7.25,3,open\n', { keys: ['id'] })).equal).toBe(true);
    const d = await diff('id;v\n1;a\n', 'id;v\n1;b\n', { keys: ['id'], delimiter: ';' });
    expect(d.changed[0]?.cells).toEqual([{ column: 'v', before: 'a', after: 'b' }]);
  });
});
