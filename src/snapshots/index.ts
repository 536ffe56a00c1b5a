/**
 * Output snapshots: hash CSV outputs, validate them later, and say what changed.
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
