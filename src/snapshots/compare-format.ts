/**
 * Text rendering of {@link compareOutputs} results: a table of verdicts, the first differences of a file, and
 * the one-line verdict.
 */
import type { CompareOutputsResult, FileVerdict } from './compare-outputs.js';
import type { TableDiff } from './table-diff.js';

/**
 * The first `limit` differences of one file as indented text lines (changed rows with their cells, added and
 * removed rows, JSON paths with before → after).
 *
 * @example
 * ```ts
 * describeFileDifferences(result.files[0]!, 5);
 * // ['  ~ id=7: status "open" → "paid"', '  + id=9: {"id":"9","status":"new"}']
 * ```
 */
export function describeFileDifferences(file: FileVerdict, limit = 5): string[] {
  if (file.table) return describeTableDiff(file.table, limit);
  const lines: string[] = [];
  const j = file.json;
  if (j) {
    for (const c of j.changes) {
      const sign = c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~';
      const value =
        c.change === 'added' ? short(c.after) : c.change === 'removed' ? short(c.before) : `${short(c.before)} → ${short(c.after)}`;
      lines.push(`  ${sign} ${c.path}: ${value}`);
    }
    return cut(lines, limit, j.count);
  }
  return [];
}

/**
 * The first `limit` differences of a table diff as indented text lines: changed rows with their cells, then
 * added and removed rows, then `… N more`.
 *
 * @example
 * ```ts
 * describeTableDiff(await diffCsvFiles('a.csv', 'b.csv', { keys: ['id'] }), 3);
 * // ['  ~ id=7: status "open" → "paid"', '  + id=9: {"id":"9","status":"new"}']
 * ```
 */
export function describeTableDiff(t: TableDiff, limit = 5): string[] {
  const lines: string[] = [];
  const keyText = (key: Record<string, string> | undefined, row: number): string =>
    key ? Object.entries(key).map(([k, v]) => `${k}=${v}`).join(', ') : `row ${row}`;
  if (t.columns) {
    if (t.columns.added.length > 0) lines.push(`  + columns ${t.columns.added.join(', ')}`);
    if (t.columns.removed.length > 0) lines.push(`  - columns ${t.columns.removed.join(', ')}`);
  }
  const columnLines = lines.length;
  for (const r of t.changed) {
    lines.push(`  ~ ${keyText(r.key, r.rows.after)}: ${r.cells.map((c) => `${c.column} ${short(c.before)} → ${short(c.after)}`).join('; ')}`);
  }
  for (const r of t.added) lines.push(`  + ${keyText(r.key, r.row)}: ${short(r.values)}`);
  for (const r of t.removed) lines.push(`  - ${keyText(r.key, r.row)}: ${short(r.values)}`);
  return cut(lines, limit, t.counts.added + t.counts.removed + t.counts.changed + columnLines);
}

/**
 * The whole report as text: a table (file, verdict, summary), the first differences per differing file, and
 * the one-line verdict.
 *
 * @example
 * ```ts
 * process.stdout.write(formatCompareReport(await compareOutputs('expected', 'actual')));
 * ```
 */
export function formatCompareReport(result: CompareOutputsResult, limit = 5): string {
  const rows = result.files.map((f) => [f.path, f.verdict, f.summary] as const);
  const head = ['file', 'verdict', 'summary'] as const;
  const w0 = Math.max(head[0].length, ...rows.map((r) => r[0].length));
  const w1 = Math.max(head[1].length, ...rows.map((r) => r[1].length));
  const line = (r: readonly [string, string, string]): string => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd();
  let out = `${line(head)}\n${line(['-'.repeat(w0), '-'.repeat(w1), '-------'])}\n${rows.map(line).join('\n')}\n`;
  for (const f of result.files) {
    const diffs = f.verdict === 'different' ? describeFileDifferences(f, limit) : [];
    if (diffs.length > 0) out += `\n${f.path}:\n${diffs.join('\n')}\n`;
  }
  return `${out}\n${compareVerdictLine(result)}\n`;
}

/**
 * One line for the whole comparison: `PERFECT MATCH: 3 files equal` or `DIFFERENT: 1 of 3 files differ (…)`.
 *
 * @example
 * ```ts
 * compareVerdictLine(result); // 'DIFFERENT: 1 of 3 files differ (1 different)'
 * ```
 */
export function compareVerdictLine(result: CompareOutputsResult): string {
  const total = result.files.length;
  const files = (n: number): string => `${n} ${n === 1 ? 'file' : 'files'}`;
  if (result.ok) return `PERFECT MATCH: ${files(total)} equal`;
  const bad = total - result.counts.equal;
  const parts = (['different', 'missing', 'unexpected'] as const).filter((k) => result.counts[k] > 0).map((k) => `${result.counts[k]} ${k}`);
  return `DIFFERENT: ${bad} of ${files(total)} differ (${parts.join(', ')})`;
}

function cut(lines: string[], limit: number, total: number): string[] {
  if (lines.length <= limit && total <= lines.length) return lines;
  const shown = lines.slice(0, limit);
  return [...shown, `  … ${total - shown.length} more`];
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
