/**
 * Output snapshots: hash CSV outputs, validate them later, and say what changed; compare two output directories
 * (keyed CSV diffs, JSON as data) with {@link compareOutputs}.
 * Knows nothing of a test framework; the adapters wrap {@link matchOutputSnapshot}.
 */
export type {
  ChangedRow,
  CompareMode,
  CsvDialect,
  HashMismatchDiff,
  MissingDiff,
  OutputSnapshotOptions,
  ResolvedSnapshotOptions,
  RowOrder,
  RowSample,
  SnapshotDiff,
  SnapshotDocument,
  SnapshotFileEntry,
  UnexpectedDiff,
  KeyedDigests,
  KeyedRowChanges,
  ValidateOptions,
  ValidationResult,
} from './types.js';
export {
  OutputSnapshot,
  OUTPUT_SNAPSHOT_VERSION,
  DEFAULT_SNAPSHOT_OPTIONS,
  resolveSnapshotOptions,
  contentDirOf,
} from './output-snapshot.js';
export { validateOutputs, isCiEnv } from './validate.js';
export { formatDiffTable, describeDiff } from './format.js';
export { matchOutputSnapshot, isVitestUpdate, snapshotFileName, type MatcherContext, type MatcherResult } from './matcher.js';
export { listOutputFiles } from './walk.js';
export {
  diffCsvFiles,
  type TableDiffOptions,
  type TableDiff,
  type TableRow,
  type ChangedTableRow,
  type CellChange,
  type ColumnTolerance,
} from './table-diff.js';
export { diffJsonFiles, diffJsonValues, isNdjsonFile, type JsonDiffOptions, type JsonDiff, type JsonChange } from './json-diff.js';
export {
  compareOutputs,
  type CompareOutputsOptions,
  type CompareOutputsResult,
  type FileCompareOptions,
  type FileVerdict,
  type FileVerdictKind,
} from './compare-outputs.js';
export { formatCompareReport, describeFileDifferences, compareVerdictLine } from './compare-format.js';
export { compareReportHtml, validationReportHtml, type ValidationReportEntry } from './html-report.js';
export { describeTableDiff } from './compare-format.js';
