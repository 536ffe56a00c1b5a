import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import type { CompareOutputsResult } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

let root: string;
const put = async (rel: string, text: string): Promise<void> => {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), text);
};
beforeEach(async () => {
  root = await makeTempDir('html-report');
  await put('rec/orders.csv', 'id,status,note\n1,open,plain\n2,paid,fine\n3,open,gone\n');
  await put('rep/orders.csv', 'id,status,note\n2,refunded,<script>alert(1)</script>\n1,open,plain\n4,new,"</td></table><b>x</b> & co"\n');
  await put('rec/meta.json', '{"run":{"rows":3,"name":"a"},"tags":["x"]}');
  await put('rep/meta.json', '{"run":{"rows":4,"name":"<img src=x onerror=alert(1)>"},"tags":["x"]}');
});
afterEach(removeTempDirs);

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: root, env: {} };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Every element under `node`, depth first. */
function elements(node: Node): Element[] {
  const out: Element[] = [];
  const walk = (n: Node): void => {
    if ('tagName' in n) out.push(n);
    if ('childNodes' in n) for (const c of n.childNodes) walk(c);
    if ('content' in n && n.content) walk(n.content as Node);
  };
  walk(node);
  return out;
}
const cls = (e: Element): string[] => (e.attrs.find((a) => a.name === 'class')?.value ?? '').split(/\s+/);
const text = (n: Node): string => ('value' in n && n.nodeName === '#text' ? n.value : 'childNodes' in n ? n.childNodes.map(text).join('') : '');
const byClass = (e: Element, c: string): Element[] => elements(e).filter((x) => cls(x).includes(c));

describe('--html reports', () => {
  it('reeltape compare --html: summary per file, every changed cell present and marked, hostile values escaped', async () => {
    const r = await run(['compare', 'rec', 'rep', '--keys', 'id', '--html', 'out/report.html', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`HTML report: ${path.join(root, 'out', 'report.html')}`);
    const result = JSON.parse(r.stdout) as CompareOutputsResult;
    const html = await readFile(path.join(root, 'out', 'report.html'), 'utf8');
    const doc = parse(html) as unknown as Element;
    const all = elements(doc);
    // self-contained: no script, no external resource
    expect(all.filter((e) => ['script', 'link', 'img', 'iframe'].includes(e.tagName))).toEqual([]);
    expect(all.some((e) => e.tagName === 'style')).toBe(true);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // summary: one row per file with its verdict
    const summary = all.find((e) => e.tagName === 'table' && cls(e).includes('summary'))!;
    const summaryRows = elements(summary).filter((e) => e.tagName === 'tr').slice(1).map((tr) => elements(tr).filter((e) => e.tagName === 'td').map(text));
    expect(summaryRows.map((r) => r.slice(0, 2))).toEqual([['meta.json', 'different'], ['orders.csv', 'different']]);
    // every changed cell of the table diff is marked with its before and after value
    const table = result.files.find((f) => f.path === 'orders.csv')!.table!;
    const changedCells = byClass(doc, 'changed').filter((e) => e.tagName === 'td' && byClass(e, 'before').length > 0 && byClass(e, 'after').length > 0);
    for (const row of table.changed) {
      for (const cell of row.cells) {
        const match = changedCells.find(
          (td) => text(byClass(td, 'before')[0]!) === cell.before && text(byClass(td, 'after')[0]!) === cell.after,
        );
        expect(match, `${cell.column}: ${cell.before} → ${cell.after}`).toBeDefined();
      }
    }
    expect(table.changed[0]!.cells.map((c) => c.column)).toEqual(['status', 'note']);
    // added and removed rows, daff's markers
    const added = all.filter((e) => e.tagName === 'tr' && cls(e).includes('add'));
    expect(added.map((tr) => elements(tr).filter((e) => e.tagName === 'td').map(text))).toContainEqual(['+++', '4', 'new', '</td></table><b>x</b> & co']);
    const removed = all.filter((e) => e.tagName === 'tr' && cls(e).includes('remove'));
    expect(removed.map((tr) => elements(tr).filter((e) => e.tagName === 'td').map(text))).toContainEqual(['---', '3', 'open', 'gone']);
    // JSON differences by path
    const jsonRows = all.filter((e) => e.tagName === 'table' && cls(e).includes('json')).flatMap((t) => elements(t).filter((e) => e.tagName === 'tr').slice(1));
    const paths = jsonRows.map((tr) => elements(tr).filter((e) => e.tagName === 'td').map(text));
    expect(paths).toContainEqual(['→', '$.run.rows', '3', '4']);
    expect(paths).toContainEqual(['→', '$.run.name', '"a"', '"<img src=x onerror=alert(1)>"']);
  });

  it('reeltape validate-snapshots --html: the changed table of each output, cells marked', async () => {
    await put('reeltape.config.json', JSON.stringify({ outputs: [{ dir: 'rec', snapshot: 'snaps/rec.outputs.json', options: { keys: ['id'], storeContent: true } }] }));
    expect((await run(['validate-snapshots'])).code).toBe(0);
    await put('rec/orders.csv', 'id,status,note\n1,open,plain\n2,paid,<changed>\n');
    const r = await run(['validate-snapshots', '--html', 'report.html']);
    expect(r.code).toBe(1);
    const doc = parse(await readFile(path.join(root, 'report.html'), 'utf8')) as unknown as Element;
    const cells = byClass(doc, 'changed').filter((e) => e.tagName === 'td');
    expect(cells.map((td) => [text(byClass(td, 'before')[0]!), text(byClass(td, 'after')[0]!)])).toEqual([['fine', '<changed>']]);
    const removed = elements(doc).filter((e) => e.tagName === 'tr' && cls(e).includes('remove'));
    expect(removed.map((tr) => elements(tr).filter((e) => e.tagName === 'td').map(text))).toEqual([['---', '3', 'open', 'gone']]);
    expect(text(elements(doc).find((e) => cls(e).includes('verdict'))!)).toMatch(/^DIFFERENT: 1 of 1/);
  });

  it('validate-snapshots --html without keys: rows located from the kept rows, the changed cell marked', async () => {
    await put('reeltape.config.json', JSON.stringify({ outputs: [{ dir: 'rec', snapshot: 'snaps/rec.outputs.json', options: { keepRows: 10 } }] }));
    expect((await run(['validate-snapshots'])).code).toBe(0);
    await put('rec/orders.csv', 'id,status,note\n1,open,plain\n2,paid,<b>bold</b>\n3,open,gone\n');
    expect((await run(['validate-snapshots', '--html', 'report.html'])).code).toBe(1);
    const doc = parse(await readFile(path.join(root, 'report.html'), 'utf8')) as unknown as Element;
    const cells = byClass(doc, 'changed').filter((e) => e.tagName === 'td');
    expect(cells.map((td) => [text(byClass(td, 'before')[0]!), text(byClass(td, 'after')[0]!)])).toEqual([['fine', '<b>bold</b>']]);
    expect(elements(doc).filter((e) => e.tagName === 'b')).toEqual([]);
  });

  const chromium = '/usr/bin/chromium';
  it.skipIf(!existsSync(chromium))(`renders to a non-blank PNG in headless Chromium (skipped where ${chromium} is not installed)`, async () => {
    await run(['compare', 'rec', 'rep', '--keys', 'id', '--html', 'report.html']);
    const png = path.join(root, 'report.png');
    const profile = await makeTempDir('chromium-profile');
    const r = spawnSync(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--user-data-dir=${profile}`, `--screenshot=${png}`, '--window-size=1000,800', `file://${path.join(root, 'report.html')}`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(existsSync(png), r.stderr).toBe(true);
    const { width, height, pixels, channels } = decodePng(await readFile(png));
    let inked = 0;
    for (let i = 0; i < width * height; i++) {
      const o = i * channels;
      if (pixels[o]! < 200 || pixels[o + 1]! < 200 || pixels[o + 2]! < 200) inked++;
    }
    expect(inked / (width * height)).toBeGreaterThan(0.005);
  }, 90_000);
});

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) into raw pixels. */
function decodePng(buf: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth : 0;
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}
