/**
 * `reeltape audit` as an API: scan cassettes on disk for secrets that slipped through.
 */
export { auditCassettes, maskValue, type AuditFinding, type AuditOptions, type AuditReport, type UnparsedFile } from './audit-cassettes.js';
export { parseAllowList, loadAllowList, allowMatcher, DEFAULT_ALLOW_FILE, type AllowEntry } from './allow-list.js';
export { findTokenShapes, isHighEntropySecret, isCredentialName, shannonEntropy, HIGH_ENTROPY_MIN_LENGTH, HIGH_ENTROPY_THRESHOLD, type AuditRule, type RuleMatch } from './rules.js';
