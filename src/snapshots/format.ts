/**
 * The readable failure table (file | change | detail) shared by the Vitest matcher and the CLI.
 */
import { encodeRow } from './row-hash.js';
import { describeTableDiff } from './compare-format.js';
import type { ChangedRow, KeyedRowChanges, SnapshotDiff, ValidationResult } from './types.js';

const MAX_CELL = 140;
/** Keyed rows shown per file in the failure table. */
const MAX_KEYED_LINES = 8;

/** `~ changed keys: id=7, id=9 (+3 more)` and the like, from per-key digests. */
function keyLines(k: KeyedRowChanges): string[] {
  const show = (kind: 'changed' | 'added' | 'removed', sign: string): string[] => {
    const n = k.counts[kind];
    if (n === 0) return [];
    const keys = k[kind].slice(0, 5).map((key) => Object.entries(key).map(([c, v]) => `${c}=${v}`).join(' '));
    return [clip(`${sign} ${n} ${kind} ${n === 1 ? 'key' : 'keys'}: ${keys.join(', ')}${n > keys.length ? ` (+${n - keys.length} more)` : ''}`)];
  };
  return [...show('changed', '~'), ...show('added', '+'), ...show('removed', '-')];
}

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
      // with keys and stored content the table diff shows the same rows better: by key, cell by cell
      if (diff.keyed?.table) {
        const { counts, keys } = diff.keyed;
        lines.push(`by key ${keys.join(', ')}: ${counts.changed} changed, ${counts.added} added, ${counts.removed} removed`);
      }
      if (diff.keyed?.table) lines.push(...describeTableDiff(diff.keyed.table, MAX_KEYED_LINES).map((l) => clip(l.trim())));
      else for (const r of diff.changed_rows ?? []) lines.push(rowLine(r));
      if (diff.keyed && !diff.keyed.table) lines.push(...keyLines(diff.keyed));
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
