/**
 * `reeltape audit` as an API: scan cassettes on disk for secrets that slipped through, with the
 * same secrets engine the default sanitizer redacts with (`src/secrets/`).
 */
export { auditCassettes, maskValue, type AuditFinding, type AuditOptions, type AuditReport } from './audit-cassettes.js';
export { parseAllowList, loadAllowList, allowMatcher, DEFAULT_ALLOW_FILE, type AllowEntry } from './allow-list.js';
export { auditRuleDocs, CONFIG_SECRET_RULE, UNREADABLE_RULE } from './rule-docs.js';
export { toSarif, type SarifLog } from './sarif.js';
export { harExtraStrings, harFieldPath, findingPlace, qualifiedPath, type HarExtraString } from './har-scan.js';
