/**
 * Self-contained HTML reports of {@link compareOutputs} and of snapshot validation: one page, inline CSS, no
 * script, every output value HTML-escaped (outputs are hostile input). Tables follow daff's highlighter
 * convention: `+++` added rows, `---` removed rows, `→` changed rows with `before→after` in the changed cells.
 */
import type { CompareOutputsResult } from './compare-outputs.js';
import { compareVerdictLine } from './compare-format.js';
import type { JsonDiff } from './json-diff.js';
import type { TableDiff } from './table-diff.js';
import type { ChangedRow, HashMismatchDiff, KeyedRowChanges, SnapshotDiff } from './types.js';

/** A value longer than this is cut in the page (the JSON result has it whole). */
const MAX_VALUE_CHARS = 500;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top;font-family:ui-monospace,monospace;font-size:13px}
th{background:#f6f8fa}.verdict{font-weight:600;padding:8px 12px;border-radius:6px;display:inline-block}
.ok{background:#dafbe1}.bad{background:#ffebe9}.equal{color:#1a7f37}.different,.missing,.unexpected,.error{color:#cf222e}
tr.add td{background:#dafbe1}tr.remove td{background:#ffebe9;text-decoration:line-through}tr.modify td.marker{background:#fff8c5}
td.changed{background:#fff8c5}td.changed .before{color:#cf222e;text-decoration:line-through}td.changed .after{color:#1a7f37;font-weight:600}
.marker{color:#57606a;font-weight:600}.note{color:#57606a}
`;

/** Escapes text for an HTML text node or a quoted attribute. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const esc = (v: unknown): string => {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
  return escapeHtml(text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text);
};

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n${body}</body></html>\n`;
}

const more = (listed: number, total: number, what: string): string =>
  total > listed ? `<p class="note">… ${total - listed} more ${what} not listed</p>\n` : '';

/** Added, removed and changed rows of a table diff, daff-style. */
function tableDiffHtml(t: TableDiff): string {
  let html = `<p>${t.counts.changed} changed, ${t.counts.added} added, ${t.counts.removed} removed (${t.keys.length > 0 ? `key ${esc(t.keys.join(', '))}` : 'rows as a multiset'})</p>\n`;
  if (t.columns) {
    html += `<p>columns added: ${esc(t.columns.added.join(', ') || 'none')}; removed: ${esc(t.columns.removed.join(', ') || 'none')}</p>\n`;
  }
  if (t.changed.length > 0) {
    const columns = [...t.keys];
    for (const r of t.changed) for (const c of r.cells) if (!columns.includes(c.column)) columns.push(c.column);
    html += `<table class="diff changed-rows"><tr><th class="marker">@@</th>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>\n`;
    for (const r of t.changed) {
      const cells = columns.map((c) => {
        const cell = r.cells.find((x) => x.column === c);
        if (cell) return `<td class="changed" data-column="${esc(c)}"><span class="before">${esc(cell.before)}</span><span class="arrow">→</span><span class="after">${esc(cell.after)}</span></td>`;
        return `<td>${esc(r.key[c] ?? '')}</td>`;
      });
      html += `<tr class="modify"><td class="marker">→</td>${cells.join('')}</tr>\n`;
    }
    html += `</table>\n${more(t.changed.length, t.counts.changed, 'changed rows')}`;
  }
  const rowsTable = (rows: TableDiff['added'], kind: 'add' | 'remove', total: number): string => {
    if (rows.length === 0) return '';
    const columns = Object.keys(rows[0]!.values);
    const marker = kind === 'add' ? '+++' : '---';
    let out = `<table class="diff ${kind}-rows"><tr><th class="marker">@@</th>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>\n`;
    for (const r of rows) out += `<tr class="${kind}"><td class="marker">${marker}</td>${columns.map((c) => `<td>${esc(r.values[c] ?? '')}</td>`).join('')}</tr>\n`;
    return `${out}</table>\n${more(rows.length, total, kind === 'add' ? 'added rows' : 'removed rows')}`;
  };
  return html + rowsTable(t.added, 'add', t.counts.added) + rowsTable(t.removed, 'remove', t.counts.removed);
}

/** JSON differences by path, before and after. */
function jsonDiffHtml(j: JsonDiff): string {
  let html = `<table class="diff json"><tr><th class="marker">@@</th><th>path</th><th>before</th><th>after</th></tr>\n`;
  for (const c of j.changes) {
    const kind = c.change === 'added' ? 'add' : c.change === 'removed' ? 'remove' : 'modify';
    const marker = c.change === 'added' ? '+++' : c.change === 'removed' ? '---' : '→';
    const before = c.change === 'added' ? '' : esc(JSON.stringify(c.before) ?? 'undefined');
    const after = c.change === 'removed' ? '' : esc(JSON.stringify(c.after) ?? 'undefined');
    const value =
      c.change === 'changed'
        ? `<td class="changed"><span class="before">${before}</span></td><td class="changed"><span class="after">${after}</span></td>`
        : `<td>${before}</td><td>${after}</td>`;
    html += `<tr class="${kind}"><td class="marker">${marker}</td><td>${esc(c.path)}</td>${value}</tr>\n`;
  }
  return `${html}</table>\n${more(j.changes.length, j.count, 'differences')}`;
}

/**
 * The HTML page of a {@link compareOutputs} result: the verdict, a summary per file, then each differing file.
 *
 * @example
 * ```ts
 * await writeFile('report.html', compareReportHtml(await compareOutputs('expected', 'actual')));
 * ```
 */
export function compareReportHtml(result: CompareOutputsResult): string {
  let body = `<p class="verdict ${result.ok ? 'ok' : 'bad'}">${esc(compareVerdictLine(result))}</p>\n`;
  body += `<p class="note">expected ${esc(result.expectedDir)}<br>actual ${esc(result.actualDir)}</p>\n`;
  body += `<table class="summary"><tr><th>file</th><th>verdict</th><th>summary</th></tr>\n`;
  for (const f of result.files) body += `<tr><td>${esc(f.path)}</td><td class="${f.verdict}">${f.verdict}</td><td>${esc(f.summary)}</td></tr>\n`;
  body += `</table>\n`;
  for (const w of result.warnings) body += `<p class="note">warning: ${esc(w)}</p>\n`;
  for (const f of result.files) {
    if (f.verdict !== 'different' || (!f.table && !f.json)) continue;
    body += `<section class="file"><h2>${esc(f.path)}</h2>\n${f.table ? tableDiffHtml(f.table) : jsonDiffHtml(f.json!)}</section>\n`;
  }
  return page('reeltape compare', body);
}

/**
 * One validated output directory, as `reeltape validate-snapshots` reports it.
 *
 * @example
 * ```ts
 * const entry: ValidationReportEntry = { dir: 'out', snapshot: 'out.outputs.json', ok: false, diffs: [{ type: 'missing', file: 'a.csv' }] };
 * ```
 */
export interface ValidationReportEntry {
  /** The output directory. */
  dir: string;
  /** The snapshot file. */
  snapshot: string;
  ok: boolean;
  created?: boolean;
  updated?: boolean;
  diffs: SnapshotDiff[];
  /** The error that stopped validation, if any. */
  error?: string;
}

/**
 * The HTML page of snapshot validation: per output directory, a summary per file, then each changed table.
 *
 * @example
 * ```ts
 * const r = await validateOutputs('out', 'test/__snapshots__/out.outputs.json');
 * await writeFile('report.html', validationReportHtml([{ dir: 'out', snapshot: r.snapshotFile, ok: r.ok, diffs: r.diffs }]));
 * ```
 */
export function validationReportHtml(entries: ValidationReportEntry[]): string {
  const ok = entries.every((e) => e.ok);
  const bad = entries.filter((e) => !e.ok).length;
  let body = `<p class="verdict ${ok ? 'ok' : 'bad'}">${ok ? `MATCH: ${entries.length} output ${entries.length === 1 ? 'directory matches' : 'directories match'} their snapshots` : `DIFFERENT: ${bad} of ${entries.length} output directories differ from their snapshots`}</p>\n`;
  for (const e of entries) {
    const state = e.error ? 'error' : e.created ? 'created' : e.updated ? 'updated' : e.ok ? 'equal' : 'different';
    body += `<h2>${esc(e.dir)} ↔ ${esc(e.snapshot)}: <span class="${state}">${state}</span></h2>\n`;
    if (e.error) body += `<p class="error">${esc(e.error)}</p>\n`;
    if (e.diffs.length === 0) continue;
    body += `<table class="summary"><tr><th>file</th><th>change</th><th>summary</th></tr>\n`;
    for (const d of e.diffs) body += `<tr><td>${esc(d.file)}</td><td class="different">${d.type === 'hash_mismatch' ? 'changed' : d.type}</td><td>${esc(summaryOf(d))}</td></tr>\n`;
    body += `</table>\n`;
    for (const d of e.diffs) if (d.type === 'hash_mismatch') body += `<section class="file"><h3>${esc(d.file)}</h3>\n${mismatchHtml(d)}</section>\n`;
  }
  return page('reeltape validate-snapshots', body);
}

function summaryOf(d: SnapshotDiff): string {
  if (d.type === 'missing') return 'in the snapshot, not produced';
  if (d.type === 'unexpected') return `new file: ${d.rows} rows, columns ${d.columns.join(', ')}`;
  const parts: string[] = [];
  if (d.row_count_changed) parts.push(`rows ${d.row_count_changed.before} → ${d.row_count_changed.after}`);
  if (d.keyed) parts.push(`by key: ${d.keyed.counts.changed} changed, ${d.keyed.counts.added} added, ${d.keyed.counts.removed} removed`);
  if (d.note) parts.push(d.note);
  return parts.join('; ') || `${d.compare} hash changed`;
}

function mismatchHtml(d: HashMismatchDiff): string {
  let html = '';
  if (d.columns_changed) html += `<p>columns added: ${esc(d.columns_changed.added.join(', ') || 'none')}; removed: ${esc(d.columns_changed.removed.join(', ') || 'none')}</p>\n`;
  if (d.keyed?.table) return html + tableDiffHtml(d.keyed.table);
  if (d.keyed) html += keysHtml(d.keyed);
  if (d.changed_rows && d.changed_rows.length > 0) html += rowsHtml(d.changed_rows);
  return html;
}

function keysHtml(k: KeyedRowChanges): string {
  let html = `<table class="diff keys"><tr><th class="marker">@@</th>${k.keys.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>\n`;
  for (const [kind, cls, marker] of [['changed', 'modify', '→'], ['added', 'add', '+++'], ['removed', 'remove', '---']] as const) {
    for (const key of k[kind]) html += `<tr class="${cls}"><td class="marker">${marker}</td>${k.keys.map((c) => `<td>${esc(key[c] ?? '')}</td>`).join('')}</tr>\n`;
  }
  const listed = k.added.length + k.removed.length + k.changed.length;
  return `${html}</table>\n${more(listed, k.counts.added + k.counts.removed + k.counts.changed, 'keys')}<p class="note">cell values need the expected content (capture with storeContent: true)</p>\n`;
}

/** Changed rows located from the snapshot's row sample: whole rows, cells that differ marked. */
function rowsHtml(rows: ChangedRow[]): string {
  let html = `<table class="diff rows"><tr><th class="marker">@@</th><th>row</th><th colspan="99">fields</th></tr>\n`;
  for (const r of rows) {
    const cls = r.change === 'added' ? 'add' : r.change === 'removed' ? 'remove' : 'modify';
    const marker = r.change === 'added' ? '+++' : r.change === 'removed' ? '---' : '→';
    const fields = r.change === 'removed' ? (r.before ?? []) : (r.after ?? []);
    const cells = fields.map((v, i) => {
      const old = r.before?.[i];
      if (r.change !== 'changed' || r.before === undefined || old === v) return `<td>${esc(v)}</td>`;
      return `<td class="changed"><span class="before">${esc(old ?? '')}</span><span class="arrow">→</span><span class="after">${esc(v)}</span></td>`;
    });
    if (r.change === 'removed' && r.before === undefined) cells.push('<td class="note">(not stored)</td>');
    html += `<tr class="${cls}"><td class="marker">${marker}</td><td>${r.row ?? ''}</td>${cells.join('')}</tr>\n`;
  }
  return `${html}</table>\n`;
}
