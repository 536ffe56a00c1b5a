import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateKeyError, OutputCompareError, ReeltapeConfigError, compareOutputs, compareVerdictLine, formatCompareReport } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let root: string;
beforeEach(async () => {
  root = await makeTempDir('compare-outputs');
});
afterEach(removeTempDirs);

async function put(side: 'expected' | 'actual', files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, side, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}
const dirs = (): [string, string] => [path.join(root, 'expected'), path.join(root, 'actual')];

describe('compareOutputs', () => {
  it('applies per-file options by glob: different keys and ignored columns for orders.csv and events.csv', async () => {
    await put('expected', {
      'orders.csv': 'id,total,loaded_at\n1,10,t1\n2,20,t1\n',
      'events.csv': 'event_id,kind,ts\ne1,click,5\ne2,view,6\n',
      'nested/meta.json': '{"runId":"a","tables":["orders","events"]}',
      'notes.txt': 'hello\n',
    });
    await put('actual', {
      'orders.csv': 'id,total,loaded_at\n2,20,t2\n1,10,t2\n',
      'events.csv': 'event_id,kind,ts\ne2,view,60\ne1,click,50\n',
      'nested/meta.json': '{"tables":["orders","events"],"runId":"b"}',
      'notes.txt': 'hello\n',
    });
    const result = await compareOutputs(...dirs(), {
      files: {
        'orders.csv': { keys: ['id'], ignoreColumns: ['loaded_at'] },
        'events.csv': { keys: ['event_id'], ignoreColumns: ['ts'] },
        '**/*.json': { ignorePaths: ['$..runId'] },
      },
    });
    expect(result.files.map((f) => [f.path, f.format, f.verdict])).toEqual([
      ['events.csv', 'csv', 'equal'],
      ['nested/meta.json', 'json', 'equal'],
      ['notes.txt', 'bytes', 'equal'],
      ['orders.csv', 'csv', 'equal'],
    ]);
    expect(result.ok).toBe(true);
    expect(compareVerdictLine(result)).toBe('PERFECT MATCH: 4 files equal');

    // the same directories without the per-file options differ in exactly those files
    const plain = await compareOutputs(...dirs());
    expect(plain.files.filter((f) => f.verdict === 'different').map((f) => f.path)).toEqual(['events.csv', 'nested/meta.json', 'orders.csv']);
  });

  it('later matching globs override earlier ones; top-level options apply to every file', async () => {
    await put('expected', { 'a.csv': 'id,x\n1,a\n', 'b.csv': 'k,x\n1,a\n' });
    await put('actual', { 'a.csv': 'id,x\n1,b\n', 'b.csv': 'k,x\n1,b\n' });
    const later = await compareOutputs(...dirs(), { files: { '*.csv': { keys: ['k'] }, 'a.csv': { keys: ['id'] } } });
    expect(later.files.map((f) => f.table?.changed[0]?.key)).toEqual([{ id: '1' }, { k: '1' }]);
    const top = await compareOutputs(...dirs(), { ignoreColumns: ['x'], files: { 'b.csv': { ignoreColumns: [] } } });
    expect(top.files.map((f) => f.verdict)).toEqual(['equal', 'different']);
  });

  it('reports missing, unexpected and different files with their diffs', async () => {
    await put('expected', { 'orders.csv': 'id,status\n1,open\n2,paid\n', 'gone.csv': 'a\n1\n', 'same.ndjson': '{"a":1}\n' });
    await put('actual', { 'orders.csv': 'id,status\n2,paid\n1,shipped\n', 'new.json': '{}', 'same.ndjson': '{"a":1}\n' });
    const result = await compareOutputs(...dirs(), { files: { 'orders.csv': { keys: ['id'] } } });
    expect(result.ok).toBe(false);
    expect(result.counts).toEqual({ equal: 1, different: 1, missing: 1, unexpected: 1 });
    const orders = result.files.find((f) => f.path === 'orders.csv');
    expect(orders?.summary).toBe('1 changed (key id)');
    expect(orders?.table?.changed).toEqual([{ key: { id: '1' }, rows: { before: 1, after: 2 }, cells: [{ column: 'status', before: 'open', after: 'shipped' }] }]);
    expect(result.files.find((f) => f.path === 'gone.csv')?.verdict).toBe('missing');
    expect(result.files.find((f) => f.path === 'new.json')?.verdict).toBe('unexpected');
    expect(compareVerdictLine(result)).toBe('DIFFERENT: 3 of 4 files differ (1 different, 1 missing, 1 unexpected)');
    const text = formatCompareReport(result);
    expect(text).toContain('orders.csv:\n  ~ id=1: status "open" → "shipped"');
  });

  it('throws typed errors: a missing directory, a duplicate key named with its file', async () => {
    await put('expected', { 'orders.csv': 'id\n1\n' });
    const missing = await compareOutputs(...dirs()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OutputCompareError);
    expect((missing as OutputCompareError).file).toBe(path.join(root, 'actual'));
    await put('actual', { 'orders.csv': 'id\n1\n1\n' });
    const dup = await compareOutputs(...dirs(), { files: { 'orders.csv': { keys: ['id'] } } }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(DuplicateKeyError);
    expect((dup as DuplicateKeyError).file).toBe(path.join(root, 'actual', 'orders.csv'));
  });

  it('warns about a files glob that matched nothing', async () => {
    await put('expected', { 'orders.csv': 'id\n1\n' });
    await put('actual', { 'orders.csv': 'id\n1\n' });
    const result = await compareOutputs(...dirs(), { files: { 'order.csv': { keys: ['id'] }, '*.csv': {} } });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual(['files["order.csv"] matched no file; check the pattern (picomatch, relative to the directories).']);
  });

  it('refuses options of the wrong shape, naming the field', async () => {
    await put('expected', { 'a.csv': 'id\n1\n' });
    await put('actual', { 'a.csv': 'id\n1\n' });
    const bad = async (options: unknown): Promise<string> => {
      const err = await compareOutputs(...dirs(), options as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReeltapeConfigError);
      return (err as Error).message;
    };
    expect(await bad({ files: { 'a.csv': { keys: 'id' } } })).toBe('compareOutputs option files["a.csv"].keys: expected an array of strings, got "id".');
    expect(await bad({ files: { 'a.csv': { ignorePath: ['$..x'] } } })).toMatch(/files\["a\.csv"\]\.ignorePath: expected one of keys, .* \(unknown option\)/);
    expect(await bad({ tolerance: { amount: { abs: -1 } } })).toMatch(/option tolerance\.amount\.abs: expected a number >= 0, got -1/);
    expect(await bad({ arrayOrder: 'sorted' })).toMatch(/arrayOrder: expected "strict" or "ignore"/);
    expect(await bad({ ignorePaths: ['runId'] })).toMatch(/Invalid ignore path "runId"/);
  });
});
