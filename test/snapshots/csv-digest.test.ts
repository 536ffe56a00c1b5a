import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputSnapshotError } from '../../src/errors/index.js';
import { digestCsvFile, type DigestSettings } from '../../src/snapshots/csv-digest.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-digest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function digest(content: string | Buffer, settings: Partial<DigestSettings> = {}) {
  const file = path.join(dir, `f${n++}.csv`);
  await writeFile(file, content);
  return digestCsvFile(file, { delimiter: ',', rowOrder: 'strict', ignoreColumns: [], ...settings });
}

const minimal = (f: string): string => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f);
const quoted = (f: string): string => `"${f.replaceAll('"', '""')}"`;
function write(rows: string[][], enc: (f: string) => string, eol: string): string {
  return rows.map((r) => (r.length === 1 && r[0] === '' ? '""' : r.map(enc).join(','))).join(eol) + eol;
}

describe('digestCsvFile: the fast path and the csv-parse path agree', () => {
  const field = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', 'ünïcödé', ' ', '"'),
  );
  const table = fc
    .integer({ min: 1, max: 4 })
    .chain((cols) => fc.array(fc.array(field, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 12 }))
    .filter((rows) => rows.every((r) => !(r.length === 1 && r[0] === '')));

  it('minimal quoting, full quoting and CRLF give the same content hash and rows', async () => {
    await fc.assert(
      fc.asyncProperty(table, async (rows) => {
        const a = await digest(write(rows, minimal, '\n'));
        const b = await digest(write(rows, quoted, '\r\n'));
        expect(b.contentHash).toBe(a.contentHash);
        expect(b.rows).toBe(rows.length - 1);
        expect(b.columns).toEqual(rows[0]);
        expect(b.sample.map((s) => s.digest)).toEqual(a.sample.map((s) => s.digest));
        expect(a.sample.map((s) => s.fields)).toEqual(rows.slice(1));
        const ia = await digest(write(rows, minimal, '\n'), { rowOrder: 'ignore', ignoreColumns: [rows[0]![0]!] });
        const ib = await digest(write([rows[0]!, ...rows.slice(1).reverse()], quoted, '\r\n'), {
          rowOrder: 'ignore',
          ignoreColumns: [rows[0]![0]!],
        });
        expect(ib.contentHash).toBe(ia.contentHash);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees across 1 MiB chunk boundaries with quoted multi-line fields scattered through a 3 MiB file', async () => {
    const rows: string[][] = [['id', 'text', 'n']];
    for (let i = 0; i < 80_000; i++) {
      const text = i % 97 === 0 ? `multi\nline "${i}", with comma` : i % 13 === 0 ? `a,b ${i}` : `plain text ${i}`;
      rows.push([String(i), text, String(i * 3)]);
    }
    const a = await digest(write(rows, minimal, '\n'));
    const b = await digest(write(rows, quoted, '\n'));
    const c = await digest(write(rows, minimal, '\r\n'));
    expect(a.size).toBeGreaterThan(2 * 1024 * 1024);
    expect(a.rows).toBe(80_000);
    expect(b.contentHash).toBe(a.contentHash);
    expect(c.contentHash).toBe(a.contentHash);
    expect(c.dialect.lineEnding).toBe('crlf');
    const changed = rows.map((r) => [...r]);
    changed[70_001]![1] = 'different';
    expect((await digest(write(changed, minimal, '\n'))).contentHash).not.toBe(a.contentHash);
  });

  it('counts rows like csv-parse (empty lines skipped, no final newline)', async () => {
    const text = 'a,b\n\n1,2\n"x\n\ny",3\n\n4,5';
    const d = await digest(text);
    const ref = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
    expect(d.rows).toBe(ref.length - 1);
    expect(d.sample.map((s) => s.fields)).toEqual(ref.slice(1));
  });

  it('ignored columns are hashed as if absent, on both paths', async () => {
    const withTs = await digest('id,ts,v\n1,100,a\n2,"2,00",b\n', { ignoreColumns: ['ts'] });
    const without = await digest('id,v\n1,a\n2,b\n');
    expect(withTs.contentHash).toBe(without.contentHash);
    expect(withTs.columns).toEqual(['id', 'ts', 'v']);
  });

  it('raw sha256 covers the bytes, BOM included; the content hash ignores the BOM', async () => {
    const plain = await digest('a\n1\n');
    const bom = await digest('\ufeffa\n1\n');
    expect(bom.contentHash).toBe(plain.contentHash);
    expect(bom.sha256).not.toBe(plain.sha256);
  });

  it('an unterminated quote 2 MiB long names the line where the record starts', async () => {
    const head = 'id,text\n1,a\n2,b\n';
    const e = (await digest(`${head}3,"open\n${'x,y\n'.repeat(600_000)}`).catch((x: unknown) => x)) as OutputSnapshotError;
    expect(e).toBeInstanceOf(OutputSnapshotError);
    expect(e.line).toBeGreaterThanOrEqual(4);
    expect(e.message).toContain('Quote Not Closed');
  });
});
