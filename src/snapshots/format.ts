/**
 * The readable failure table (file | change | detail) shared by the Vitest matcher and the CLI.
 */
import { encodeRow } from './row-hash.js';
import type { ChangedRow, SnapshotDiff, ValidationResult } from './types.js';

const MAX_CELL = 140;

function clip(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function showRow(fields: readonly string[] | undefined, delimiter = ','): string {
  return fields === undefined ? '(not stored)' : clip(JSON.stringify(encodeRow(fields, delimiter)));
}

function rowLine(r: ChangedRow): string {
  const where = r.row !== undefined ? `row ${r.row}` : 'a row';
  if (r.change === 'added') return `+ ${where}: ${showRow(r.after)}`;
  if (r.change === 'removed') return `- ${where}: ${showRow(r.before)}`;
  return `~ ${where}: ${showRow(r.before)} → ${showRow(r.after)}`;
}

/** The detail lines of one diff. */
export function describeDiff(diff: SnapshotDiff): string[] {
  switch (diff.type) {
    case 'missing':
      return ['in the snapshot, not produced'];
    case 'unexpected':
      return [`new file: ${diff.rows} rows, columns ${clip(diff.columns.join(', ')) || '(none)'}`];
    case 'hash_mismatch': {
      const lines: string[] = [];
      if (diff.columns_changed) {
        const { added, removed } = diff.columns_changed;
        const parts = [...added.map((c) => `+${c}`), ...removed.map((c) => `-${c}`)];
        lines.push(`columns ${parts.length ? parts.join(' ') : 'reordered'}`);
      }
      if (diff.row_count_changed) lines.push(`rows ${diff.row_count_changed.before} → ${diff.row_count_changed.after}`);
      for (const r of diff.changed_rows ?? []) lines.push(rowLine(r));
      if (diff.note) lines.push(diff.note);
      if (lines.length === 0) lines.push(`${diff.compare} hash ${diff.expected.slice(0, 12)} → ${diff.actual.slice(0, 12)}`);
      return lines;
    }
  }
}

const CHANGE: Record<SnapshotDiff['type'], string> = {
  hash_mismatch: 'changed',
  missing: 'missing',
  unexpected: 'unexpected',
};

/**
 * Renders a {@link ValidationResult} as a table of file, change and detail (one line per detail).
 *
 * @example
 * ```text
 * file        | change  | detail
 * ------------+---------+-----------------------------------------
 * orders.csv  | changed | rows 3 → 4
 *             |         | ~ row 2: "2,bob,20" → "2,bob,25"
 * users.csv   | missing | in the snapshot, not produced
 * ```
 */
export function formatDiffTable(result: Pick<ValidationResult, 'diffs'>): string {
  if (result.diffs.length === 0) return 'no differences\n';
  const rows: Array<[string, string, string]> = [];
  for (const d of result.diffs) {
    describeDiff(d).forEach((line, i) => rows.push(i === 0 ? [d.file, CHANGE[d.type], line] : ['', '', line]));
  }
  const w1 = Math.max(4, ...rows.map((r) => r[0].length));
  const w2 = Math.max(6, ...rows.map((r) => r[1].length));
  const line = (a: string, b: string, c: string): string => `${a.padEnd(w1)} | ${b.padEnd(w2)} | ${c}`.trimEnd();
  const w3 = Math.max(6, ...rows.map((r) => r[2].length));
  return [line('file', 'change', 'detail'), `${'-'.repeat(w1)}-+-${'-'.repeat(w2)}-+-${'-'.repeat(Math.min(w3, 60))}`, ...rows.map((r) => line(...r))]
    .join('\n')
    .concat('\n');
}
