import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DuplicateKeyError, diffCsvFiles, type TableDiffOptions } from '../../src/index.js';
import { childEnv } from '../helpers/child-env.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let dir: string;
let spillRoot: string;
beforeEach(async () => {
  dir = await makeTempDir('table-part');
  // Spill files go under os.tmpdir(): point it at a dir of our own to see that nothing is left behind.
  spillRoot = await makeTempDir('table-spill');
  vi.stubEnv('TMPDIR', spillRoot);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await removeTempDirs();
});

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two related tables: shuffled, some rows changed, dropped and added. */
function tables(seed: number, n: number): [string, string] {
  const r = rng(seed);
  const a: string[] = [];
  const b: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = [String(i), `name ${i % 7}`, (i * 1.5).toFixed(2)];
    a.push(row.join(','));
    const x = r();
    if (x < 0.1) continue; // removed
    if (x < 0.2) row[2] = (i * 1.5 + 1).toFixed(2); // changed
    b.push(row.join(','));
    if (x > 0.95) b.push([String(n + i), 'new', '0'].join(',')); // added
  }
  b.sort(() => r() - 0.5);
  return [`id,name,amount\n${a.join('\n')}\n`, `id,name,amount\n${b.join('\n')}\n`];
}

async function both(before: string, after: string, options: TableDiffOptions) {
  const a = path.join(dir, 'expected.csv');
  const b = path.join(dir, 'actual.csv');
  await writeFile(a, before);
  await writeFile(b, after);
  return [await diffCsvFiles(a, b, options), await diffCsvFiles(a, b, { ...options, partitionBytes: 512 })] as const;
}

describe('diffCsvFiles on hash partitions (files larger than partitionBytes)', () => {
  it('gives exactly the in-memory result, keyed and as a multiset, including which rows are listed first', async () => {
    for (const seed of [1, 2, 3]) {
      const [before, after] = tables(seed, 400);
      for (const options of [{ keys: ['id'], maxRows: 7 }, { keys: ['id', 'name'] }, { maxRows: 5 }, {}] as TableDiffOptions[]) {
        const [inMemory, partitioned] = await both(before, after, options);
        expect(inMemory.equal).toBe(false);
        expect(partitioned).toEqual(inMemory);
      }
    }
    expect(await readdir(spillRoot)).toEqual([]);
  });

  it('quoted fields with delimiters, quotes and line breaks survive batch boundaries, CRLF, and the spill files', async () => {
    const rows: string[][] = [];
    for (let i = 0; i < 60000; i++) rows.push([String(i), i % 3 === 0 ? `say "hi", ${i}\nnext line\\0` : `plain ${i}`, `${i}.5`]);
    const csv = (list: string[][], eol: string): string =>
      `id,text,n${eol}${list.map((r) => r.map((f) => (/[",\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',')).join(eol)}${eol}`;
    const before = csv(rows, '\r\n');
    expect(before.length).toBeGreaterThan(1 << 20); // several read batches
    const changed = rows.map((r) => [...r]).reverse();
    changed[100]![1] = 'changed, "quoted"\r\nvalue';
    const [inMemory, partitioned] = await both(before, csv(changed, '\n'), { keys: ['id'] });
    const id = changed[100]![0]!;
    expect(inMemory.changed).toEqual([
      { key: { id }, rows: { before: Number(id) + 1, after: 101 }, cells: [{ column: 'text', before: rows[Number(id)]![1], after: 'changed, "quoted"\r\nvalue' }] },
    ]);
    expect(inMemory.counts).toEqual({ added: 0, removed: 0, changed: 1 });
    expect(partitioned).toEqual(inMemory);
  });

  it('reordered rows are still equal', async () => {
    const [before] = tables(4, 300);
    const lines = before.trimEnd().split('\n');
    const shuffled = `${lines[0]}\n${lines.slice(1).reverse().join('\n')}\n`;
    const [, partitioned] = await both(before, shuffled, { keys: ['id'] });
    expect(partitioned.equal).toBe(true);
  });

  it('a duplicate key is a DuplicateKeyError naming file and key, and the spill files are removed', async () => {
    const [before] = tables(5, 300);
    const after = `${before}150,dup,1\n`;
    const err = await both(before, after, { keys: ['id'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateKeyError);
    expect((err as DuplicateKeyError).file).toBe(path.join(dir, 'actual.csv'));
    expect((err as DuplicateKeyError).key).toEqual({ id: '150' });
    expect(await readdir(spillRoot)).toEqual([]);
  });

  it('runs in bounded memory: two 32 MiB CSVs are diffed with the heap capped at 96 MiB (in memory they need ~20×)', async () => {
    const a = path.join(dir, 'big-a.csv');
    const b = path.join(dir, 'big-b.csv');
    const target = 32 * 1024 * 1024;
    for (const [file, shift] of [[a, 0], [b, 1]] as const) {
      const out = createWriteStream(file);
      out.write('id,name,email,amount\n');
      let written = 0;
      for (let i = 0; written < target; ) {
        const parts: string[] = [];
        for (let k = 0; k < 20000; k++, i++) parts.push(`${i},user${i % 5000},user${i % 5000}@example.com,${i % 1000 === 0 ? i + shift : i}.50\n`);
        const block = parts.join('');
        written += block.length;
        if (!out.write(block)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    }
    const run = (extra: string): { status: number | null; out: string } => {
      const script =
        `import { diffCsvFiles } from './src/snapshots/index.ts';` +
        `const baseMb = process.memoryUsage().rss / 1048576;` +
        `const d = await diffCsvFiles(${JSON.stringify(a)}, ${JSON.stringify(b)}, { keys: ['id'], maxRows: 3${extra} });` +
        `console.log(JSON.stringify({ counts: d.counts, first: d.changed[0], maxRssMb: process.resourceUsage().maxRSS / 1024, baseMb }));`;
      const child = spawnSync(process.execPath, ['--max-old-space-size=96', '--import', 'tsx', '--input-type=module', '-e', script], {
        env: childEnv({ TMPDIR: spillRoot }),
        encoding: 'utf8',
      });
      return { status: child.status, out: child.stdout };
    };
    const partitioned = run('');
    expect(partitioned.status).toBe(0);
    const result = JSON.parse(partitioned.out.trim().split('\n').pop() as string) as { counts: Record<string, number>; first: unknown; maxRssMb: number; baseMb: number };
    expect(result.counts).toEqual({ added: 0, removed: 0, changed: expect.any(Number) });
    expect(result.counts.changed).toBeGreaterThan(500);
    expect(result.first).toEqual({ key: { id: '0' }, rows: { before: 1, after: 1 }, cells: [{ column: 'amount', before: '0.50', after: '1.50' }] });
    // growth over the loaded process (Node 24 starts ~20 MiB higher than Node 20): under 4× the two files, not ~20×
    expect(result.maxRssMb - result.baseMb).toBeLessThan(256);
    // (tsx keeps its cache in the same TMPDIR)
    expect((await readdir(spillRoot)).filter((f) => f.startsWith('reeltape-'))).toEqual([]);
    // The same diff held in memory (one partition) does not fit under the cap: the bound is the partitioning's doing.
    expect(run(', partitionBytes: 1e12').status).not.toBe(0);
  }, 300_000);
});
